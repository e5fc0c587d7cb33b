import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FanoutError } from '../core/errors.js'
import { packageRoot } from '../runtime/packageRoot.js'

/** Where `npm run build` writes the report's browser bundle, under the package root. */
export const CLIENT_BUNDLE = join('dist', 'report', 'client.js')
/** Its source, under the package root. */
export const CLIENT_SOURCE = join('src', 'report', 'client', 'main.ts')

/**
 * The esbuild options of the report's browser bundle: one minified IIFE for
 * current browsers, Observable Plot and its D3 modules included.
 */
export function clientBuildOptions(root: string) {
  return {
    absWorkingDir: root,
    entryPoints: [join(root, CLIENT_SOURCE)],
    bundle: true,
    minify: true,
    format: 'iife' as const,
    platform: 'browser' as const,
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none' as const,
    logLevel: 'warning' as const,
  }
}

let cached: string | undefined

/**
 * The report's browser bundle (JavaScript source): the one `npm run build`
 * wrote to `dist/report/client.js`, else (running from a source checkout
 * that was not built) built now with esbuild.
 *
 * @throws {@link FanoutError} when neither the bundle nor its source is there
 */
export async function reportClient(): Promise<string> {
  if (cached !== undefined) return cached
  const root = packageRoot()
  const built = join(root, CLIENT_BUNDLE)
  if (existsSync(built)) {
    cached = readFileSync(built, 'utf8')
    return cached
  }
  if (!existsSync(join(root, CLIENT_SOURCE))) {
    throw new FanoutError(
      `the report's browser code is missing (${built}); reinstall fanout, or run npm run build in its checkout`,
    )
  }
  const { build } = await import('esbuild')
  const out = await build({ ...clientBuildOptions(root), write: false })
  cached = out.outputFiles[0]?.text ?? ''
  return cached
}
