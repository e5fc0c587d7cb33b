/** Where fanout's package keeps the files the emulator starts: the built gateway and runtime, moto's launcher. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EmulatorError } from './errors.js'

/** The files fanout needs to start the emulator. */
export interface EmulatorFiles {
  packageRoot: string
  gateway: string
  runtime: string
  launcher: string
}

/**
 * Finds fanout's package root (the nearest `package.json` named "fanout" above
 * `from`) and the emulator's entry files in it.
 *
 * @param from A file or `file:` URL inside the package. @default this module
 * @example
 * ```ts
 * const { gateway, runtime } = resolveEmulatorFiles()
 * ```
 * @throws EmulatorError when the build is missing.
 */
export function resolveEmulatorFiles(from: string = import.meta.url): EmulatorFiles {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from)
  let packageRoot: string | undefined
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fanout') {
          packageRoot = dir
          break
        }
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  if (!packageRoot) throw new EmulatorError(`cannot find fanout's package.json above ${from}`)
  const files: EmulatorFiles = {
    packageRoot,
    gateway: join(packageRoot, 'dist', 'emulatorGateway.js'),
    runtime: join(packageRoot, 'dist', 'lambdaRuntime.js'),
    launcher: join(packageRoot, 'src', 'emulator', 'moto_launcher.py'),
  }
  for (const file of [files.gateway, files.runtime]) {
    if (!existsSync(file))
      throw new EmulatorError(`${file} is missing: run \`npm run build\` first`)
  }
  if (!existsSync(files.launcher))
    throw new EmulatorError(`${files.launcher} is missing from the fanout package`)
  return files
}
