import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FanoutError } from '../core/errors.js'

let cached: { root: string; version: string } | undefined

/** fanout's own package.json: the first one named `fanout` above this module. */
function findPackage(): { root: string; version: string } {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'fanout') {
        cached = { root: dir, version: String(pkg.version) }
        return cached
      }
    }
    const parent = dirname(dir)
    if (parent === dir)
      throw new FanoutError('cannot find the fanout package root above this module')
    dir = parent
  }
}

/**
 * The directory of fanout's own package.json, found by walking up from this
 * module: the repository, or `node_modules/fanout` in an installed package.
 */
export function packageRoot(): string {
  return findPackage().root
}

/**
 * The version of the running fanout, from its package.json.
 *
 * @example
 * ```ts
 * program.version(fanoutVersion()) // '0.1.0'
 * ```
 */
export function fanoutVersion(): string {
  return findPackage().version
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
