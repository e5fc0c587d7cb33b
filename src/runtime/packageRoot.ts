import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FanoutError } from '../core/errors.js'

let cached: string | undefined

/** The directory of fanout's own package.json, found by walking up from this module. */
export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }
      if (pkg.name === 'fanout') {
        cached = dir
        return dir
      }
    }
    const parent = dirname(dir)
    if (parent === dir)
      throw new FanoutError('cannot find the fanout package root above this module')
    dir = parent
  }
}

/**
 * The built JavaScript file of an entry that runs in its own thread or process
 * (`dist/<name>.js`). Threads and child processes need plain JavaScript.
 */
export function distEntry(name: string): string {
  const file = join(packageRoot(), 'dist', `${name}.js`)
  if (!existsSync(file)) {
    throw new FanoutError(`${file} is missing: run \`npm run build\` in the fanout package first`)
  }
  return file
}
