/**
 * Atoms done while cloud molecules run, at a price: each worker overwrites one
 * tiny object per attempt (`jobs/<id>/progress/<molecule>-<attempt>.json`)
 * once per progress interval, and the tally reads each at most once per
 * interval (only when a new report is due), folding the counts into the
 * manifest the CLI follows.
 *
 * The cost, at us-east-1 list prices: a report is one S3 PUT ($0.000005) and
 * one GET by the tally ($0.0000004). The interval is priced so the PUTs are
 * 1% of the worker's compute bill (`progressIntervalMs`): every 21.7 s at the
 * stack's 1,769 MB arm64 workers ($0.0000230 per second of worker), so a
 * 15-minute molecule writes 41 reports, $0.00022 against $0.0207 of compute;
 * with the GETs, 1.08% of the worker bill. A molecule shorter than one
 * interval writes and reads nothing, and no LIST request is made. The CLI
 * reads nothing more than the manifest it already polls.
 *
 * @module
 */

import pMap from 'p-map'
import type { WorkerEvent } from '../../contracts/events.js'
import type { CloudSettings } from '../../contracts/settings.js'
import { progressIntervalMs, progressReadsDue, withProgressReads } from '../../core/liveAtoms.js'
import type { Manifest } from '../../core/manifest.js'
import { progressKey } from '../../store/layout.js'
import type { ResultStore } from '../../store/ResultStore.js'

/** The progress interval of a cloud job's workers, from its settings; undefined for none. */
export function cloudProgressIntervalMs(cloud: CloudSettings): number | undefined {
  return progressIntervalMs({
    memoryMb: cloud.memoryMb,
    architecture: cloud.architecture,
    share: cloud.progressShare,
  })
}

/** What a progress object holds. */
interface ProgressBody {
  atoms: number
  /** The interval it was written in. */
  report: number
}

/**
 * The worker's `onAtoms`: writes the atoms done to the attempt's progress
 * object once per interval of the invocation (counted from `startedAt`,
 * performance.now()). The write is awaited, so it leaves while synchronous
 * atoms hold the event loop (one PUT's latency, some 20 ms, per interval:
 * 0.1% of a 21.7 s interval); a failed write is dropped, as progress is a hint.
 */
export function workerProgress(
  store: ResultStore,
  event: Pick<WorkerEvent, 'jobId' | 'moleculeId' | 'attempt' | 'progressIntervalMs'>,
  startedAt: number,
): ((atomsRun: number) => Promise<void> | undefined) | undefined {
  const interval = event.progressIntervalMs
  if (!interval) return undefined
  const key = progressKey(event.jobId, event.moleculeId, event.attempt)
  let last = 0
  return (atoms) => {
    const report = Math.floor((performance.now() - startedAt) / interval)
    if (report <= last) return undefined
    last = report
    const body: ProgressBody = { atoms, report }
    return store.put(key, JSON.stringify(body)).then(
      () => undefined,
      () => undefined,
    )
  }
}

/**
 * The tally's reading: the progress objects of open attempts with a report
 * due (one GET each), folded into the manifest (`atomsSoFar`). Returns the
 * manifest itself when nothing was due. A missing or unreadable object reads
 * as no news.
 */
export async function readProgress(
  store: ResultStore,
  manifest: Manifest,
  cloud: CloudSettings,
  now: number,
  concurrency: number,
): Promise<Manifest> {
  const interval = cloudProgressIntervalMs(cloud)
  if (interval === undefined) return manifest
  const due = progressReadsDue(manifest, now, interval)
  if (due.length === 0) return manifest
  const reads = await pMap(
    due,
    async (r) => {
      let atoms: number | undefined
      try {
        const bytes = await store.get(progressKey(manifest.jobId, r.moleculeId, r.attempt))
        const body = bytes
          ? (JSON.parse(new TextDecoder().decode(bytes)) as ProgressBody)
          : undefined
        atoms =
          typeof body?.atoms === 'number' && Number.isInteger(body.atoms) ? body.atoms : undefined
      } catch {
        atoms = undefined
      }
      return { ...r, atoms }
    },
    { concurrency },
  )
  return withProgressReads(manifest, reads)
}
