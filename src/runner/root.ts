import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from '../core/errors.js'

/**
 * Check fanout's working directory before any work: it must be a directory
 * (or not exist yet, under a directory) that this process can write.
 *
 * @throws {@link UsageError} naming the path and what to do
 */
export function checkRoot(root: string): void {
  let dir = root
  while (!existsSync(dir)) {
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  if (!statSync(dir).isDirectory()) {
    throw new UsageError(
      `--root ${root}: ${dir} is a file, not a directory; give --root a directory fanout may create and write (default .fanout)`,
    )
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch {
    throw new UsageError(
      `--root ${root}: ${dir} is not writable by this user; give --root a directory you can write (default .fanout)`,
    )
  }
}
