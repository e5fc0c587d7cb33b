import pMap from 'p-map'
import { PartialError, ReduceFailedError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import type { Manifest } from '../core/manifest.js'
import { finalStatus, isFailure } from '../core/schedule.js'
import { type ColumnTable, TableBuilder } from '../core/table.js'
import {
  errorsKey,
  errorsTableKey,
  partialKey,
  resultKey,
  statsKey,
  summaryKey,
} from '../store/layout.js'
import { concatTables, decodeTable, encodeTable, tableToRows } from '../store/parquet.js'
import type { ResultStore } from '../store/ResultStore.js'
import { readPartial } from './partials.js'
import type { MoleculeStats } from './runMolecule.js'

/** Run statistics, written to `jobs/<jobId>/stats.json`. */
export interface RunStats {
  jobId: string
  atoms: number
  atomsOk: number
  atomsFailed: number
  rows: number
  molecules: number
  moleculesFailed: number
  /** Sum of the molecules' billed-duration figures, ms. */
  billedMs: number
  /** Molecule wall times, ms. */
  moleculeMs: { min: number; median: number; max: number }
  /** Per molecule: id, attempt, start, end, startedAt, endedAt, durationMs, billedMs, counts. */
  perMolecule: MoleculeStats[]
  /** How the run met faults: executions, failed ones retried, backup copies of stragglers. */
  recovery: RecoveryStats
}

/** The recovery side of a run, from its manifest. */
export interface RecoveryStats {
  /** Molecule executions in all (retries and copies included). */
  attempts: number
  /** Executions that failed (crashed, hung, throttled out, failed their write, or retried for atom errors). */
  failedAttempts: number
  /** Backup copies of stragglers started (`--speculate`). */
  copies: number
  /** Molecules whose partial a backup copy stored (the original was cancelled or dropped). */
  copiesWon: number
}

/** Count a manifest's executions, failures and backup copies. */
export function recoveryStats(manifest: Manifest): RecoveryStats {
  let attempts = 0
  let failedAttempts = 0
  let copies = 0
  let copiesWon = 0
  for (const m of manifest.molecules) {
    attempts += m.attempts.length
    failedAttempts += m.attempts.filter(isFailure).length
    copies += m.attempts.filter((a) => a.speculative).length
    if (m.status === 'done' && m.attempts[m.attempts.length - 1]?.speculative) copiesWon++
  }
  return { attempts, failedAttempts, copies, copiesWon }
}

/** What {@link reduceJob} returns. */
export interface ReduceOutcome {
  result: ColumnTable
  errors: ColumnTable
  stats: RunStats
  /** What the job's `reduce` returned (undefined without one). */
  summary: unknown
  /** Where the result file is; undefined when the job failed (its rows stay in the partials). */
  resultLocation: string | undefined
  errorsLocation: string | undefined
}

/** Options of {@link reduceJob}. */
export interface ReduceOptions {
  /** Parallel reads of partials. @default 16 */
  concurrency?: number
  /** The job, to call its `reduce`. @default none */
  job?: Job
}

function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return 0
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Error rows for a molecule whose execution failed after all its attempts: one per atom. */
function crashedRows(manifest: Manifest, builder: TableBuilder): void {
  for (const m of manifest.molecules) {
    if (m.status !== 'failed') continue
    const last = m.attempts[m.attempts.length - 1]
    const message = `molecule ${m.id} failed in all ${m.attempts.length} attempts: ${last?.error ?? 'unknown'}`
    for (let atom = m.start; atom < m.end; atom++) {
      builder.add(atom, {
        molecule: m.id,
        attempt: last?.attempt ?? 0,
        name: 'MoleculeFailedError',
        message,
        stack: '',
      })
    }
  }
}

/**
 * Combine a job's partials into its result: concatenate them in atom order,
 * write the result, the errors table and the run stats, and call the job's
 * `reduce`. The same function serves the local executor and the reduce Lambda.
 */
export async function reduceJob(
  store: ResultStore,
  manifest: Manifest,
  options: ReduceOptions = {},
): Promise<ReduceOutcome> {
  const jobId = manifest.jobId
  const done = manifest.molecules.filter((m) => m.status === 'done')
  const concurrency = options.concurrency ?? 16
  const partials = await pMap(
    done,
    async (m) => {
      const partial = await readPartial(store, jobId, m.id)
      if (partial === undefined) {
        const where = store.describe(partialKey(jobId, m.id))
        throw new PartialError(
          where,
          `partial of molecule ${m.id} is missing: ${where} (the manifest says the molecule is done)`,
        )
      }
      checkPartialRows(partial, m, store.describe(partialKey(jobId, m.id)))
      return partial
    },
    { concurrency },
  )
  checkColumnTypes(partials)
  const result = concatTables(partials.map((p) => p.table))
  const errorParts = await pMap(
    partials.filter((p) => p.stats.atomsFailed > 0),
    async (p) => {
      const key = errorsKey(jobId, p.stats.moleculeId, p.stats.attempt, p.stats.runId)
      const bytes = await store.get(key)
      if (bytes === undefined)
        throw new PartialError(
          store.describe(key),
          `errors of molecule ${p.stats.moleculeId} are missing: ${store.describe(key)} (its partial names them)`,
        )
      return (await decodeTable(bytes)).table
    },
    { concurrency },
  )
  const crashed = new TableBuilder()
  crashedRows(manifest, crashed)
  const errors = concatTables([...errorParts, crashed.build()])

  // the tables users read are written without dictionary pages, which every
  // Parquet reader (parquetjs-lite included) can decode; a job that failed leaves
  // no result file, only its partials (the rows that succeeded) and its errors
  const succeeded = finalStatus(manifest) === 'succeeded'
  if (succeeded) await store.put(resultKey(jobId), encodeTable(result, { dictionary: false }))
  let errorsLocation: string | undefined
  if (errors.numRows > 0) {
    await store.put(errorsTableKey(jobId), encodeTable(errors, { dictionary: false }))
    errorsLocation = store.describe(errorsTableKey(jobId))
  }

  const perMolecule = partials.map((p) => p.stats)
  const durations = perMolecule.map((s) => s.durationMs).sort((a, b) => a - b)
  const atomsFailed = errors.numRows === 0 ? 0 : countDistinctAtoms(errors)
  const stats: RunStats = {
    jobId,
    atoms: manifest.numAtoms,
    atomsOk: manifest.numAtoms - atomsFailed,
    atomsFailed,
    rows: result.numRows,
    molecules: manifest.molecules.length,
    moleculesFailed: manifest.molecules.filter((m) => m.status === 'failed').length,
    billedMs: perMolecule.reduce((sum, s) => sum + s.billedMs, 0),
    moleculeMs: {
      min: durations[0] ?? 0,
      median: median(durations),
      max: durations[durations.length - 1] ?? 0,
    },
    perMolecule,
    recovery: recoveryStats(manifest),
  }
  await store.put(statsKey(jobId), `${JSON.stringify(stats, null, 2)}\n`)

  let summary: unknown
  if (options.job?.reduce) {
    try {
      summary = await options.job.reduce(tableToRows(result), {
        params: manifest.params as never,
        failedAtoms: atomsFailed,
      })
    } catch (error) {
      throw new ReduceFailedError(
        `the job's reduce threw ${(error as Error)?.name ?? 'an error'}: ${(error as Error)?.message ?? String(error)}. The combined result is whole at ${store.describe(resultKey(jobId))}; fix reduce and read the result from there.`,
        { cause: error },
      )
    }
  }
  if (summary !== undefined) await store.put(summaryKey(jobId), summaryJson(summary))
  return {
    result,
    errors,
    stats,
    summary,
    resultLocation: succeeded ? store.describe(resultKey(jobId)) : undefined,
    errorsLocation,
  }
}

/**
 * Every field must keep one type across molecules. Name the field, the two
 * molecules and their atom ranges when one does not, before combining.
 */
function checkColumnTypes(partials: readonly { table: ColumnTable; stats: MoleculeStats }[]): void {
  const seen = new Map<string, { type: string; stats: MoleculeStats }>()
  for (const p of partials) {
    for (const c of p.table.columns) {
      if (c.type === 'null' || c.name === 'atom') continue
      const first = seen.get(c.name)
      if (!first) seen.set(c.name, { type: c.type, stats: p.stats })
      else if (first.type !== c.type) {
        const where = (s: MoleculeStats) =>
          `molecule ${s.moleculeId} (atom ${s.start} to atom ${s.end - 1})`
        throw new ReduceFailedError(
          `field "${c.name}" holds ${first.type} values in ${where(first.stats)} but ${c.type} values in ${where(p.stats)}; a field must keep one type in every row — fix the job's run so it always returns the same type for "${c.name}"`,
        )
      }
    }
  }
}

function countDistinctAtoms(errors: ColumnTable): number {
  const atoms = errors.columns[0]?.values
  if (!atoms) return 0
  const seen = new Set<number>()
  for (let i = 0; i < errors.numRows; i++) seen.add(Number(atoms[i]))
  return seen.size
}

/**
 * JSON of a job's `reduce` output, as `jobs/<jobId>/summary.json` keeps it:
 * bigints as strings, Dates as ISO strings.
 */
export function summaryJson(summary: unknown): string {
  return `${JSON.stringify(summary, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
}

/**
 * Exactly once, proved where the rows are combined: a partial must hold the
 * rows of its own molecule's atoms only, in atom order, and account for every
 * atom of its range once (rows or an error). A partial that does not fails
 * the job loudly, naming it: a row would otherwise be lost or doubled.
 */
export function checkPartialRows(
  partial: { table: ColumnTable; stats: MoleculeStats },
  molecule: { id: number; start: number; end: number },
  where: string,
): void {
  const { stats, table } = partial
  const bad = (why: string) =>
    new PartialError(
      where,
      `${where} does not match molecule ${molecule.id} (atoms ${molecule.start} to ${molecule.end - 1}): ${why}; the job's result would lose or double rows, so it stops here`,
    )
  if (
    stats.moleculeId !== molecule.id ||
    stats.start !== molecule.start ||
    stats.end !== molecule.end
  ) {
    throw bad(
      `it was written by molecule ${stats.moleculeId} for atoms ${stats.start} to ${stats.end - 1}`,
    )
  }
  if (stats.atomsOk + stats.atomsFailed !== molecule.end - molecule.start) {
    throw bad(
      `it accounts for ${stats.atomsOk + stats.atomsFailed} atoms (${stats.atomsOk} ok, ${stats.atomsFailed} failed), not ${molecule.end - molecule.start}`,
    )
  }
  const atoms = table.columns[0]?.values
  if (table.numRows !== stats.rows)
    throw bad(`it holds ${table.numRows} rows, its stats say ${stats.rows}`)
  let previous = -1
  for (let i = 0; i < table.numRows; i++) {
    const atom = Number(atoms?.[i])
    if (!(atom >= molecule.start && atom < molecule.end)) throw bad(`row ${i} is of atom ${atom}`)
    if (atom < previous) throw bad(`row ${i} (atom ${atom}) comes after atom ${previous}`)
    previous = atom
  }
}
