/**
 * How large one molecule's partial may be. A partial is built in memory and
 * written with one PUT, so three limits apply, and the smallest wins:
 *
 * - the configured cap, `FANOUT_MAX_PARTIAL_MB` (the stack's `maxPartialMb`
 *   context on Lambda), default 256 MB: past it, reading the result back
 *   partial by partial stops being cheap;
 * - half of a Lambda worker's memory (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`): the
 *   rows and their encoding are held at once;
 * - S3's 5 GiB limit on one PUT.
 */
import { PartialTooLargeError } from './errors.js'
import type { MoleculeStats } from './runMolecule.js'

/** The configured cap on one partial, MB. @default 256 */
export const DEFAULT_MAX_PARTIAL_MB = 256

/** S3's limit on one PUT: 5 GiB. */
export const S3_MAX_PUT_BYTES = 5 * 1024 ** 3

const MB = 1024 * 1024

/** The largest partial allowed, and why that is the limit. */
export interface PartialLimit {
  bytes: number
  /** What sets it, for the message: `the 256 MB cap (FANOUT_MAX_PARTIAL_MB)`. */
  reason: string
}

/**
 * The partial limit of this process, from its environment.
 *
 * @throws RangeError when `FANOUT_MAX_PARTIAL_MB` is not a positive number
 * @example
 * ```ts
 * partialLimit({ FANOUT_MAX_PARTIAL_MB: '64' }) // { bytes: 67108864, reason: 'the 64 MB cap (FANOUT_MAX_PARTIAL_MB)' }
 * ```
 */
export function partialLimit(env: NodeJS.ProcessEnv = process.env): PartialLimit {
  const raw = env.FANOUT_MAX_PARTIAL_MB
  const capMb = raw === undefined || raw === '' ? DEFAULT_MAX_PARTIAL_MB : Number(raw)
  if (!Number.isFinite(capMb) || capMb <= 0) {
    throw new RangeError(
      `Expected FANOUT_MAX_PARTIAL_MB to be a positive number of MB, got ${JSON.stringify(raw)}`,
    )
  }
  const limits: PartialLimit[] = [
    { bytes: capMb * MB, reason: `the ${capMb} MB cap on one partial (FANOUT_MAX_PARTIAL_MB)` },
    { bytes: S3_MAX_PUT_BYTES, reason: "S3's 5 GiB limit on one PUT" },
  ]
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)
  if (Number.isFinite(memoryMb) && memoryMb > 0) {
    limits.push({
      bytes: (memoryMb / 2) * MB,
      reason: `half the worker's ${memoryMb} MB of memory (its rows and their encoding are held at once)`,
    })
  }
  return limits.reduce((a, b) => (b.bytes < a.bytes ? b : a))
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`
}

/**
 * Fail a molecule whose encoded partial is past `limit`, with a message that
 * says how many atoms per molecule would fit.
 *
 * @throws {@link PartialTooLargeError}
 */
export function checkPartialSize(bytes: number, stats: MoleculeStats, limit: PartialLimit): void {
  if (bytes <= limit.bytes) return
  const atoms = stats.end - stats.start
  const where = `molecule ${stats.moleculeId} (atoms ${stats.start} to ${stats.end - 1})`
  const fits = Math.floor(((atoms * limit.bytes) / bytes) * 0.8)
  const advice =
    fits >= 1
      ? `cut more molecules so each holds fewer rows: --atoms-per-molecule ${fits} (or a larger --molecules)`
      : 'one atom returns more rows than fit: have each atom return fewer rows, or raise the cap'
  throw new PartialTooLargeError(
    stats.moleculeId,
    bytes,
    limit.bytes,
    `${where} made a partial of ${mb(bytes)} (${stats.rows} rows), more than ${limit.reason} allows (${mb(limit.bytes)}): ${advice}`,
  )
}
