/**
 * The requests a cloud run makes, from the shape of the run: how many
 * invocations, state transitions and S3 requests the deployed stack's code
 * sends for a given number of molecules, attempts and tallies. One model for
 * the estimate (before the run) and the measured cost (after it), read off
 * the code paths:
 *
 * - the CLI: PUT of the bundle (if absent), a GET of the manifest every
 *   `clientPollMs` while it follows the run, and 5 GETs at the end (result,
 *   errors, stats, summary, manifest);
 * - plan (1 invocation): HEAD of the manifest and of the dispatch record, GET
 *   of the bundle, PUT of the manifest and of the dispatch record;
 * - worker (one invocation per attempt): HEAD of its partial, GET of the
 *   bundle once per container, PUT of its partial (an attempt that ran to the
 *   end always sends it, even when another copy stored it first), PUT of its
 *   errors file when some atom failed;
 * - tally (one invocation per loop): GET of the manifest, LIST of the partials
 *   (one page per 1,000 keys) and of the crash records, a ranged GET of each
 *   new partial's footer, PUT of the manifest when anything changed;
 * - reduce (1 invocation): GET of the manifest and of every stored partial and
 *   errors file, PUT of the result, the stats, and the errors table and
 *   summary when there are any;
 * - Step Functions: Plan, then Wait, Tally and Decide per loop, then Reduce
 *   and Succeeded: 3 × loops + 3 transitions.
 *
 * @module
 */

import { nextWaitSeconds } from './tally.js'

/** How long the CLI waits between two reads of the manifest while it follows a cloud run, ms. */
export const CLIENT_POLL_MS = 500

/** The counts that set a cloud run's requests. */
export interface CloudRunShape {
  /** Molecules of the job. */
  molecules: number
  /** Worker invocations: every attempt, retries and speculative copies included. */
  attempts: number
  /** Attempts that ran to their partial's PUT (stored, or found it taken). */
  finishedAttempts: number
  /** Partials stored (one per done molecule). */
  storedPartials: number
  /** Errors files written (attempts with some failed atom). */
  errorFiles: number
  /** Worker containers that fetched the bundle (at most one per attempt). */
  containers: number
  /** Tally invocations (loops of the state machine). */
  tallies: number
  /** Times the CLI read the manifest while following the run. */
  clientPolls: number
}

/** The requests a cloud run makes, by kind. */
export interface CloudRequests {
  invocations: { plan: number; worker: number; tally: number; reduce: number; total: number }
  transitions: number
  /** PUT requests (COPY and POST: none). */
  s3Puts: number
  s3Lists: number
  /** GET and HEAD requests. */
  s3Gets: number
}

/**
 * The requests of a cloud run of this shape (see the module comment for
 * where each count comes from).
 *
 * @example
 * ```ts
 * cloudRequests({ molecules: 8, attempts: 8, finishedAttempts: 8, storedPartials: 8,
 *   errorFiles: 0, containers: 8, tallies: 4, clientPolls: 20 }).transitions // 15
 * ```
 */
export function cloudRequests(shape: CloudRunShape): CloudRequests {
  const listPages = Math.max(1, Math.ceil(shape.storedPartials / 1000))
  const plan = 1
  const reduce = 1
  const putsWithErrors = shape.errorFiles > 0 ? 1 : 0
  const s3Puts =
    1 + // the CLI's bundle upload
    2 + // plan: manifest, dispatch record
    shape.finishedAttempts +
    shape.errorFiles +
    shape.tallies + // the manifest, when the tally changed it (at most once per loop)
    2 + // reduce: result, stats
    putsWithErrors + // reduce: the errors table
    1 // reduce: the summary (jobs with a reduce; counted always, an upper bound)
  const s3Lists = shape.tallies * (listPages + 1)
  const s3Gets =
    shape.clientPolls +
    5 + // the CLI's downloads at the end
    3 + // plan: HEAD manifest, HEAD dispatch record, GET bundle
    shape.attempts + // the worker's HEAD of its partial
    shape.containers + // the bundle, once per container
    shape.tallies + // the manifest
    shape.storedPartials + // each new partial's footer, read once by a tally
    1 + // reduce: the manifest
    shape.storedPartials +
    shape.errorFiles
  return {
    invocations: {
      plan,
      worker: shape.attempts,
      tally: shape.tallies,
      reduce,
      total: plan + shape.attempts + shape.tallies + reduce,
    },
    transitions: 3 * shape.tallies + 3,
    s3Puts,
    s3Lists,
    s3Gets,
  }
}

/** What {@link tallyLoops} finds. */
export interface TallyLoops {
  /** Tally invocations until one found every molecule ended. */
  loops: number
  /** When that last tally read the store, ms after plan returned. */
  doneAtMs: number
}

/**
 * How many tallies a run takes when its molecules end at `endsMs` (ms after
 * plan returned): the state machine waits `pollSeconds`, tallies (taking
 * `tallyMs`), and waits again — `pollSeconds` after a tally that saw
 * progress, else longer ({@link nextWaitSeconds}) — until a tally finds
 * every molecule ended.
 *
 * @example
 * ```ts
 * tallyLoops([1000, 1500, 2500], { pollSeconds: 2, tallyMs: 100 }) // { loops: 2, doneAtMs: 4100 }
 * ```
 */
export function tallyLoops(
  endsMs: readonly number[],
  options: { pollSeconds: number; tallyMs: number },
): TallyLoops {
  const ends = [...endsMs].sort((a, b) => a - b)
  let t = 0
  let wait = options.pollSeconds
  let loops = 0
  let seen = 0
  for (;;) {
    t += wait * 1000
    loops++
    let now = seen
    while (now < ends.length && (ends[now] as number) <= t) now++
    if (now === ends.length) return { loops, doneAtMs: t }
    t += options.tallyMs
    wait = nextWaitSeconds(wait, options.pollSeconds, now > seen)
    seen = now
  }
}
