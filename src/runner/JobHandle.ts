import pMap from 'p-map'
import type { JobStatus, Manifest } from '../core/manifest.js'
import { type Progress, progressOf } from '../core/schedule.js'
import type { ColumnTable } from '../core/table.js'
import type { Row, Scalar } from '../core/types.js'
import type { RunOutcome } from '../executors/Executor.js'
import { readPartial, readPartialColumns } from '../runtime/partials.js'
import type { RunStats } from '../runtime/reduce.js'
import { errorsTableKey, resultKey, statsKey, summaryKey } from '../store/layout.js'
import { loadManifest } from '../store/manifests.js'
import { type StreamedOutput, writeOutputStream } from '../store/output.js'
import { concatTables, decodeTable, tableToRows } from '../store/parquet.js'
import type { ResultStore } from '../store/ResultStore.js'
import { type TableStream, unionColumns } from '../store/tableStream.js'
import { formatFromPath } from '../store/textFormats.js'
import type { Target } from './options.js'

/** One atom error, as the errors table holds it. */
export interface AtomErrorRecord {
  atom: number
  molecule: number
  attempt: number
  name: string
  message: string
  stack: string
}

/** A result row: the job's fields, with `atom` first. */
export type ResultRow<R extends Row = Row> = R & { atom: number }

/** What a handle knows about a job: read from its store, or handed over by the run that made it. */
export interface JobHandleInit {
  store: ResultStore
  target: Target
  manifest: Manifest
  /** The run's outcome, when this handle comes from `run()`. */
  outcome?: RunOutcome
  /** The run's timings, when this handle comes from `run()`. */
  timing?: { planMs: number; workers: number }
  /** The status to show for a manifest read from the store (a job whose CLI is gone is interrupted). */
  statusOf?: (manifest: Manifest) => Promise<JobStatus>
}

const decoder = new TextDecoder()

/**
 * A job, run now or in the past, on any target: its state, its summary, and
 * its rows streamed from the store partial by partial.
 *
 * @example
 * ```ts
 * const job = await run(new URL('./sweep.ts', import.meta.url), { params: { side: 10 } })
 * for await (const row of job.rows()) console.log(row.atom, row.sharpe)
 * ```
 */
export class JobHandle<R extends Row = Row> {
  /** The job id. */
  readonly id: string
  /** Where the job ran. */
  readonly target: Target
  readonly #store: ResultStore
  #manifest: Manifest
  #outcome: RunOutcome | undefined
  #summary: { value: unknown } | undefined
  #stats: RunStats | undefined
  readonly #statusOf: ((manifest: Manifest) => Promise<JobStatus>) | undefined
  /** The run's timings (plan, workers), when this handle comes from `run()`. */
  readonly timing: { planMs: number; workers: number } | undefined

  constructor(init: JobHandleInit) {
    this.#store = init.store
    this.target = init.target
    this.#manifest = init.manifest
    this.id = init.manifest.jobId
    this.#outcome = init.outcome
    this.timing = init.timing
    this.#statusOf = init.statusOf
    if (init.outcome) {
      this.#summary = { value: init.outcome.summary }
      this.#stats = init.outcome.stats
    }
  }

  /** The store that holds the job's files (manifest, partials, result, estimate). */
  get store(): ResultStore {
    return this.#store
  }

  /** The job's state when this handle last read it (see {@link refresh}). */
  get status(): JobStatus {
    return this.#manifest.status
  }

  /** The job's manifest: params, partition, every molecule's attempts. */
  get manifest(): Manifest {
    return this.#manifest
  }

  /** Molecule and atom counts by state. */
  get progress(): Progress {
    return progressOf(this.#manifest)
  }

  /** True when some atoms failed (their errors are in {@link errors}). */
  get failed(): boolean {
    const p = this.progress
    return p.atomsFailed > 0 || p.moleculesFailed > 0
  }

  /** What the job's `reduce` returned (undefined without one, or before the job ended). */
  get summary(): unknown {
    return this.#summary?.value
  }

  /** Run statistics per molecule (undefined before the job ended). */
  get stats(): RunStats | undefined {
    return this.#stats
  }

  /** The run's outcome, when this handle comes from `run()` (the CLI prints it). */
  get outcome(): RunOutcome | undefined {
    return this.#outcome
  }

  /** Where the combined result is (a path or an s3:// URL). */
  get resultLocation(): string {
    // the result file of a job that succeeded (a failed job keeps its rows in its partials)
    return this.#store.describe(resultKey(this.id))
  }

  /** Where the errors table is, when some atom failed. */
  get errorsLocation(): string | undefined {
    if (this.#outcome) return this.#outcome.errorsLocation
    return this.#stats && this.#stats.atomsFailed > 0
      ? this.#store.describe(errorsTableKey(this.id))
      : undefined
  }

  /** Read the manifest, stats and summary again (a job still running elsewhere moves on). */
  async refresh(): Promise<this> {
    const manifest = await loadManifest(this.#store, this.id)
    this.#manifest = this.#statusOf
      ? { ...manifest, status: await this.#statusOf(manifest) }
      : manifest
    const [stats, summary] = await Promise.all([
      this.#store.get(statsKey(this.id)),
      this.#store.get(summaryKey(this.id)),
    ])
    if (stats) this.#stats = JSON.parse(decoder.decode(stats)) as RunStats
    if (summary) this.#summary = { value: JSON.parse(decoder.decode(summary)) as unknown }
    return this
  }

  /**
   * The result rows in atom order, streamed partial by partial (never the
   * whole table in memory): the rows of every molecule stored so far.
   */
  async *rows(): AsyncGenerator<ResultRow<R>> {
    for await (const table of this.#partials()) {
      for (const row of tableToRows(table)) yield row as ResultRow<R>
    }
  }

  /** The tables of the molecules stored so far, in atom order, one read at a time. */
  async *#partials(): AsyncGenerator<ColumnTable> {
    for (const m of this.#manifest.molecules) {
      if (m.status !== 'done') continue
      const partial = await readPartial(this.#store, this.id, m.id)
      if (partial) yield partial.table
    }
  }

  /**
   * The result as a stream of tables, partial by partial, with the union of
   * their columns read from their footers first (ranged reads, no rows).
   */
  async tableStream(): Promise<TableStream> {
    const done = this.#manifest.molecules.filter((m) => m.status === 'done')
    const schemas = await pMap(done, (m) => readPartialColumns(this.#store, this.id, m.id), {
      concurrency: 16,
    })
    return {
      columns: unionColumns(schemas.filter((s) => s !== undefined)),
      tables: this.#partials(),
    }
  }

  /** The failed atoms: one record per atom error (the job's errors table). */
  async *errors(): AsyncGenerator<AtomErrorRecord> {
    const table = await this.errorsTable()
    for (const row of tableToRows(table)) yield toErrorRecord(row)
  }

  /** The errors table (0 rows when no atom failed). */
  async errorsTable(): Promise<ColumnTable> {
    if (this.#outcome) return this.#outcome.errors
    const bytes = await this.#store.get(errorsTableKey(this.id))
    return bytes ? (await decodeTable(bytes)).table : EMPTY_ERRORS
  }

  /** The whole result as one table (for a job that ended: its result file). */
  async table(): Promise<ColumnTable> {
    if (this.#outcome) return this.#outcome.result
    const bytes = await this.#store.get(resultKey(this.id))
    if (bytes) return (await decodeTable(bytes)).table
    const tables: ColumnTable[] = []
    for (const m of this.#manifest.molecules) {
      if (m.status !== 'done') continue
      const partial = await readPartial(this.#store, this.id, m.id)
      if (partial) tables.push(partial.table)
    }
    return tables.length ? concatTables(tables) : { numRows: 0, columns: [] }
  }

  /**
   * Write the result to `path`, as Parquet, CSV or JSON Lines by its
   * extension, atomically, streamed partial by partial from the store (disk
   * or S3): one partial is in memory at a time, so a result larger than
   * memory can be written. Parquet is written row group by row group (a row
   * group per partial). Returns the absolute path.
   *
   * @throws {@link UsageError} for any other extension
   * @example
   * ```ts
   * await (await openJob('sweep-1')).write('sweep.csv')
   * ```
   */
  async write(path: string): Promise<string> {
    return (await this.writeStreamed(path)).path
  }

  /** {@link write}, returning the row count too. */
  async writeStreamed(path: string): Promise<StreamedOutput> {
    formatFromPath(path)
    return writeOutputStream(path, await this.tableStream())
  }
}

const EMPTY_ERRORS: ColumnTable = {
  numRows: 0,
  columns: [{ name: 'atom', type: 'int32', values: new Int32Array(0) }],
}

function toErrorRecord(row: Record<string, Scalar>): AtomErrorRecord {
  return {
    atom: Number(row.atom),
    molecule: Number(row.molecule ?? -1),
    attempt: Number(row.attempt ?? 0),
    name: String(row.name ?? ''),
    message: String(row.message ?? ''),
    stack: String(row.stack ?? ''),
  }
}
