import { randomBytes } from 'node:crypto'
import { PartialError } from '../core/errors.js'
import { TableBuilder } from '../core/table.js'
import { errorsKey, partialKey } from '../store/layout.js'
import { type ColumnSpec, footerColumns } from '../store/parquet/decode.js'
import { decodeTable, encodeTable, readParquetMetadata } from '../store/parquet.js'
import type { ResultStore } from '../store/ResultStore.js'
import { checkPartialSize, type PartialLimit, partialLimit } from './partialLimit.js'
import type { AtomError, MoleculeResult, MoleculeStats } from './runMolecule.js'

/** Key-value metadata key of a partial that holds its {@link MoleculeStats} as JSON. */
export const STATS_METADATA_KEY = 'fanout.molecule'

/** Errors of one molecule attempt as a table: atom, molecule, attempt, name, message, stack. */
export function errorsTable(errors: readonly AtomError[], moleculeId: number, attempt: number) {
  const b = new TableBuilder()
  for (const e of errors) {
    b.add(e.atom, {
      molecule: moleculeId,
      attempt,
      name: e.name,
      message: e.message,
      stack: e.stack,
    })
  }
  return b.build()
}

/**
 * Store one molecule's output. The errors file (per attempt) is written first,
 * then the partial with `ifAbsent`: the partial is the commit point, so a reader
 * that sees it sees a whole molecule, and a retried or duplicated molecule never
 * doubles a row (the first partial wins; the late one is dropped).
 *
 * A partial past {@link partialLimit} (the configured cap, default 256 MB,
 * and what a Lambda worker can hold) is not written: the molecule fails.
 *
 * @param limit - the largest partial allowed @default partialLimit(process.env)
 * @returns whether this attempt's partial was the one stored
 * @throws {@link PartialTooLargeError} naming the molecule and how many atoms per molecule fit
 */
export async function writePartial(
  store: ResultStore,
  jobId: string,
  result: MoleculeResult,
  limit: PartialLimit = partialLimit(),
): Promise<boolean> {
  const runId = randomBytes(4).toString('hex')
  const stats = { ...result.stats, runId }
  const { moleculeId, attempt } = stats
  const bytes = encodeTable(result.table, {
    metadata: { [STATS_METADATA_KEY]: JSON.stringify(stats) },
  })
  checkPartialSize(bytes.byteLength, stats, limit)
  if (result.errors.length > 0) {
    const table = errorsTable(result.errors, moleculeId, attempt)
    await store.put(errorsKey(jobId, moleculeId, attempt, runId), encodeTable(table))
  }
  return store.put(partialKey(jobId, moleculeId), bytes, { ifAbsent: true })
}

/** The stats a partial carries in its metadata. */
export function statsFromMetadata(metadata: Record<string, string>, where: string): MoleculeStats {
  const raw = metadata[STATS_METADATA_KEY]
  if (raw === undefined)
    throw new PartialError(
      where,
      `${where} is not a fanout partial (no ${STATS_METADATA_KEY} metadata)`,
    )
  try {
    return JSON.parse(raw) as MoleculeStats
  } catch (error) {
    throw new PartialError(where, `${where} holds unreadable ${STATS_METADATA_KEY} metadata`, {
      cause: error,
    })
  }
}

/** Read a stored partial: its rows and stats. */
export async function readPartial(store: ResultStore, jobId: string, moleculeId: number) {
  const key = partialKey(jobId, moleculeId)
  const bytes = await store.get(key)
  if (bytes === undefined) return undefined
  const { table, metadata } = await decodeTable(bytes)
  return { table, stats: statsFromMetadata(metadata, store.describe(key)) }
}

/** How much of a partial's end is read first for its footer; a larger footer costs a second read. */
const FOOTER_GUESS_BYTES = 64 * 1024

/** The tail of a stored Parquet file that holds its whole footer: one ranged read, two for a large footer. */
async function footerTail(store: ResultStore, key: string): Promise<Uint8Array | undefined> {
  let tail = await store.getTail(key, FOOTER_GUESS_BYTES)
  if (tail === undefined) return undefined
  if (tail.byteLength >= 8 && tail.byteLength === FOOTER_GUESS_BYTES) {
    const footer = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(
      tail.byteLength - 8,
      true,
    )
    if (footer + 8 > tail.byteLength) tail = (await store.getTail(key, footer + 8)) ?? tail
  }
  return tail
}

/** Read only a partial's stats: a ranged read of its Parquet footer, not its rows. */
export async function readPartialStats(store: ResultStore, jobId: string, moleculeId: number) {
  const key = partialKey(jobId, moleculeId)
  const tail = await footerTail(store, key)
  if (tail === undefined) return undefined
  return statsFromMetadata(await readParquetMetadata(tail), store.describe(key))
}

/** Read only a partial's columns (names, types, nullability): a ranged read of its footer. */
export async function readPartialColumns(
  store: ResultStore,
  jobId: string,
  moleculeId: number,
): Promise<ColumnSpec[] | undefined> {
  const tail = await footerTail(store, partialKey(jobId, moleculeId))
  return tail === undefined ? undefined : footerColumns(tail)
}
