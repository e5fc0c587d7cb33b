import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'

/** How long a cold import may take before it is given up on, ms. */
const IMPORT_TIMEOUT_MS = 30_000

/**
 * How long a fresh Node process takes to import a bundle, ms: what a new
 * worker container spends loading the job, timed from the import's start to
 * its end inside the child (Node's own start-up is not counted; it is part of
 * the worker's measured INIT). Rejects when the child fails or exceeds 30 s.
 *
 * @example
 * ```ts
 * await coldImportMs('.fanout/bundles/ab12….mjs') // e.g. 14.2
 * ```
 */
export function coldImportMs(bundlePath: string): Promise<number> {
  const url = JSON.stringify(pathToFileURL(bundlePath).href)
  const script = `const t=performance.now();await import(${url});process.stdout.write(String(performance.now()-t))`
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: IMPORT_TIMEOUT_MS,
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8')
    })
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8')
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      const ms = Number(out)
      if (code === 0 && Number.isFinite(ms)) resolve(ms)
      else
        reject(
          new Error(
            `timing the import of ${bundlePath} in a fresh Node process failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n')[0] ?? ''}`,
          ),
        )
    })
  })
}
