import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UsageError } from '../core/errors.js'

/** The deepest existing path at or above `path`. */
function existingAncestor(path: string): string {
  let dir = path
  for (;;) {
    try {
      statSync(dir)
      return dir
    } catch {
      const parent = dirname(dir)
      if (parent === dir) return dir
      dir = parent
    }
  }
}

/**
 * Check fanout's working directory before any work: it must be a directory
 * this process can create and write. The check writes (and removes) a probe
 * file, since permission bits do not tell everything (read-only mounts, a
 * root user on a filesystem that refuses writes).
 *
 * @throws {@link UsageError} naming the path, the cause and what to do
 */
export function checkRoot(root: string): void {
  const existing = existingAncestor(root)
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(
      `--root ${root}: ${existing} is a file, not a directory; give --root a directory fanout may create and write (default .fanout)`,
    )
  }
  const probe = join(root, `.fanout-probe-${process.pid}`)
  try {
    mkdirSync(root, { recursive: true })
    writeFileSync(probe, '')
    rmSync(probe, { force: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'an error'
    throw new UsageError(
      `--root ${root}: fanout cannot create or write it (${code}); give --root a directory you can write (default .fanout)`,
      { cause: error },
    )
  }
}
