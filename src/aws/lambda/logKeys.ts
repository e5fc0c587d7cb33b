/**
 * The log keys of an event, read before it is validated, so that even the
 * line that reports a bad event carries the job and molecule ids it names.
 *
 * @example
 * ```ts
 * logKeysOf({ jobId: 'j1', moleculeId: 3, attempt: 1, start: 0 }) // { jobId: 'j1', moleculeId: 3, attempt: 1 }
 * ```
 */
export function logKeysOf(event: unknown): Record<string, string | number> {
  const keys: Record<string, string | number> = {}
  if (event === null || typeof event !== 'object') return keys
  const e = event as Record<string, unknown>
  if (typeof e.jobId === 'string') keys.jobId = e.jobId
  if (typeof e.moleculeId === 'number') keys.moleculeId = e.moleculeId
  if (typeof e.attempt === 'number') keys.attempt = e.attempt
  return keys
}
