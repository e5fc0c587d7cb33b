import pMap from 'p-map'
import type { Manifest } from '../core/manifest.js'
import type { PartialReport } from '../core/schedule.js'
import { moleculeIdFromKey, partialsPrefix } from '../store/layout.js'
import type { ResultStore } from '../store/ResultStore.js'
import { readPartialStats } from './partials.js'

/**
 * The stats of the partials a job's store holds, by molecule id (the ones the
 * manifest already has as done are skipped unless `all`): what the tally and
 * a resume read to know which molecules need no more work. Only each
 * partial's footer is read.
 */
export async function storedPartials(
  store: ResultStore,
  manifest: Manifest,
  options: { all?: boolean; concurrency?: number } = {},
): Promise<Map<number, PartialReport>> {
  const keys = await store.list(partialsPrefix(manifest.jobId))
  const ids: number[] = []
  for (const key of keys) {
    const id = moleculeIdFromKey(key)
    const m = id === undefined ? undefined : manifest.molecules[id]
    if (m && m.id === id && (options.all || m.status !== 'done')) ids.push(id)
  }
  const reports = new Map<number, PartialReport>()
  await pMap(
    ids,
    async (id) => {
      const stats = await readPartialStats(store, manifest.jobId, id)
      if (stats) reports.set(id, stats)
    },
    { concurrency: options.concurrency ?? 16 },
  )
  return reports
}
