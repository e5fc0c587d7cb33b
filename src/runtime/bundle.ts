import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Message, type Plugin } from 'esbuild'
import { JobLoadError } from '../core/errors.js'
import { packageRoot } from './packageRoot.js'

/** A bundled job: one self-contained ESM file, addressed by its sha256. */
export interface JobBundle {
  /** Absolute path of the bundle file. */
  path: string
  sha256: string
  bytes: number
  /** The bundle's text (what travels to S3 on the cloud path). */
  code: Uint8Array
}

/**
 * `fanout` inside a job resolves to the same fanout that is running: its build
 * when the CLI runs from `dist/`, its sources when running from `src/` (tests).
 */
function fanoutEntry(): string {
  const root = packageRoot()
  const fromDist = fileURLToPath(import.meta.url).startsWith(join(root, 'dist'))
  const src = join(root, 'src', 'index.ts')
  return !fromDist && existsSync(src) ? src : join(root, 'dist', 'index.js')
}

/**
 * Resolves `fanout` to {@link fanoutEntry} wherever the job and its imports
 * sit (the user's project need not have fanout in its own node_modules, and
 * there is one copy of `defineJob` either way). Any other `fanout/...`
 * specifier is an error: only the job API runs inside a bundle.
 */
function fanoutResolver(): Plugin {
  return {
    name: 'fanout',
    setup(b) {
      b.onResolve({ filter: /^fanout(\/|$)/ }, (args) =>
        args.path === 'fanout'
          ? { path: fanoutEntry() }
          : {
              errors: [
                {
                  text: `a job cannot import ${JSON.stringify(args.path)}: only 'fanout' (the job API) runs inside a job's bundle (in worker threads and on Lambda). Import defineJob and the atom sources from 'fanout'.`,
                },
              ],
            },
      )
    },
  }
}

function formatMessages(messages: readonly Message[]): string {
  return messages
    .slice(0, 5)
    .map((m) => {
      const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''
      return `  ${at}${m.text}`
    })
    .join('\n')
}

/**
 * Bundle a job module and everything it imports into one ESM file for Node 20
 * (the same bundle runs in worker threads and in Lambda's nodejs22.x), written
 * content-addressed to `<cacheDir>/<sha256>.mjs`.
 *
 * @throws {JobLoadError} when the file is missing or does not compile
 */
export async function bundleJob(jobFile: string, cacheDir: string): Promise<JobBundle> {
  const entry = resolve(jobFile)
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    throw new JobLoadError(
      jobFile,
      `job file not found: ${jobFile}. Give the path of a .ts or .js module that exports a job made with defineJob (relative to the current directory).`,
    )
  }
  let code: Uint8Array
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: false,
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
      plugins: [fanoutResolver()],
      // CommonJS dependencies inside an ESM bundle need a `require`.
      banner: {
        js: "import { createRequire as __fanoutCreateRequire } from 'node:module'; const require = __fanoutCreateRequire(import.meta.url);",
      },
    })
    code = (result.outputFiles[0] as { contents: Uint8Array }).contents
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors
    const detail = errors?.length ? formatMessages(errors) : String(error)
    throw new JobLoadError(jobFile, `cannot bundle ${jobFile}:\n${detail}`, { cause: error })
  }
  const sha256 = createHash('sha256').update(code).digest('hex')
  mkdirSync(cacheDir, { recursive: true })
  const path = resolve(cacheDir, `${sha256}.mjs`)
  if (!existsSync(path)) {
    const tmp = `${path}.tmp-${process.pid}`
    writeFileSync(tmp, code)
    renameSync(tmp, path)
  }
  return { path, sha256, bytes: code.byteLength, code }
}
