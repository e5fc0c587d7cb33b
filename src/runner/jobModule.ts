import { isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError } from '../core/errors.js'
import { isJob } from '../core/job.js'

/**
 * The file of the job module a runner call names: a path (relative to the
 * working directory) or a `file:` URL, typically
 * `new URL('./sweep.ts', import.meta.url)`.
 *
 * @throws {@link UsageError} for anything else, saying why a module is needed: a
 *   job's code travels to worker threads and Lambdas as a bundled module, never
 *   as an in-memory function or object
 */
export function jobFileOf(job: unknown, api: string): string {
  if (job instanceof URL) {
    if (job.protocol !== 'file:') {
      throw new UsageError(
        `${api}: the job URL must be a file: URL, got ${job.href}. Pass new URL('./job.ts', import.meta.url) or a path.`,
      )
    }
    return displayPath(fileURLToPath(job))
  }
  if (typeof job === 'string' && job.trim() !== '') {
    return job.startsWith('file:') ? displayPath(fileURLToPath(job)) : job
  }
  const what = isJob(job)
    ? 'a job object (made by defineJob)'
    : typeof job === 'function'
      ? 'a function'
      : job === undefined || job === null || job === ''
        ? 'no job'
        : `${typeof job === 'object' ? 'an object' : `a ${typeof job}`}`
  throw new UsageError(
    `${api} takes the job's module, not ${what}: fanout bundles the module and sends it to worker threads and Lambda functions, which cannot receive in-memory code. Export the job from a module (\`export default defineJob({...})\`) and pass its path or URL, e.g. ${api}(new URL('./sweep.ts', import.meta.url)).`,
  )
}

/** A path as the user would write it: relative to the working directory when inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : resolve(path)
}
