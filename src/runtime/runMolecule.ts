import { AtomTicker } from '../core/atomTicker.js'
import { installedDataAccess } from '../core/data/access.js'
import { describeThrown, JobCodeError, RowShapeError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { type ColumnTable, TableBuilder } from '../core/table.js'
import type { AtomSource, Row } from '../core/types.js'
import { atomsOf } from './data/install.js'

/** One atom that threw. */
export interface AtomError {
  atom: number
  name: string
  message: string
  stack: string
}

/** Timings and counts of one molecule execution. */
export interface MoleculeStats {
  moleculeId: number
  attempt: number
  start: number
  end: number
  /** Epoch ms when the molecule started (after setup). */
  startedAt: number
  endedAt: number
  /** Wall time running atoms, ms. */
  durationMs: number
  /** Time spent in `setup` by this call (0 when the worker had it already), ms. */
  setupMs: number
  /** Billed-duration figure: setup + run, rounded up to 1 ms as Lambda bills. */
  billedMs: number
  atomsOk: number
  atomsFailed: number
  rows: number
  /** Set when stored: tells apart two deliveries of the same attempt (names its errors file). */
  runId?: string
}

/** What {@link runMolecule} returns. */
export interface MoleculeResult {
  table: ColumnTable
  errors: AtomError[]
  stats: MoleculeStats
}

/** Options of {@link runMolecule}. */
export interface RunMoleculeOptions {
  /** @default 0 */
  moleculeId?: number
  /** @default 1 */
  attempt?: number
  /** Stop between atoms when aborted; the result then covers the atoms run so far. */
  signal?: AbortSignal
  /**
   * Told the atoms run so far while the molecule runs, at most once per
   * `atomsIntervalMs` (not after the last atom: the molecule's end says it).
   * A returned promise is awaited before the next atom (a cloud worker's
   * report must leave while synchronous atoms block the event loop).
   */
  onAtoms?: (atomsRun: number) => void | Promise<void>
  /** @default 250 */
  atomsIntervalMs?: number
}

interface Prepared {
  source: AtomSource<unknown>
  state: unknown
  /** How long `setup` (and `atoms`) took when this worker prepared them, ms. */
  setupMs: number
}

/** Per job object and params: the atom source and the setup state, made once per worker. */
const prepared = new WeakMap<Job, Map<string, Promise<Prepared>>>()

function paramsKey(params: unknown): string {
  return JSON.stringify(params, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? ''
}

/**
 * The atom source and `setup` state for `params`, computed once per worker
 * (per job module and params) and shared by every molecule that worker runs.
 */
export function prepare(
  job: Job,
  params: unknown,
): { promise: Promise<Prepared>; cached: boolean } {
  let byParams = prepared.get(job)
  if (byParams === undefined) {
    byParams = new Map()
    prepared.set(job, byParams)
  }
  const key = paramsKey(params)
  const hit = byParams.get(key)
  if (hit) return { promise: hit, cached: true }
  const promise = (async () => {
    // atoms first: data sources say what they read by range, and the rest of
    // the job's data is made local (downloaded on Lambda) before setup reads it
    let source: AtomSource<unknown>
    try {
      source = await atomsOf(job, params)
    } catch (error) {
      throw jobCodeError('atoms', error)
    }
    try {
      await installedDataAccess()?.beforeSetup?.()
    } catch (error) {
      throw new JobCodeError(
        'setup',
        `the job's data could not be made local: ${describeThrown(error)}`,
        {
          cause: error,
        },
      )
    }
    let state: unknown
    const started = performance.now()
    try {
      state = job.setup ? await job.setup(params) : undefined
    } catch (error) {
      throw jobCodeError('setup', error)
    }
    return { source, state, setupMs: performance.now() - started }
  })()
  byParams.set(key, promise)
  promise.catch(() => byParams.delete(key))
  return { promise, cached: false }
}

/** The error of the job's `atoms(params)` or `setup(params)`, as the user's. */
function jobCodeError(phase: 'atoms' | 'setup', error: unknown): JobCodeError {
  if ((error as Error | undefined)?.name === 'DataError') {
    return new JobCodeError(phase, `the job's ${phase}(params): ${(error as Error).message}`, {
      cause: error,
    })
  }
  return new JobCodeError(
    phase,
    `the job's ${phase}(params) threw ${describeThrown(error)}${accessHint(error)}`,
    { cause: error },
  )
}

/**
 * What to do about a read the permission model refused: the emulator runs
 * functions so that they read only their code and their /tmp, as on Lambda,
 * where the host's files do not exist.
 */
export function accessHint(error: unknown): string {
  return (error as { code?: unknown } | null)?.code === 'ERR_ACCESS_DENIED'
    ? ` (${(error as { resource?: unknown }).resource ?? 'that path'} is outside the function's code and /tmp: on Lambda only those exist; pass a file as a file() param, or a folder as folder(), and fanout carries it with the job)`
    : ''
}

function toAtomError(atom: number, error: unknown): AtomError {
  if (error instanceof Error) {
    return {
      atom,
      name: error.name,
      message: error.message + accessHint(error),
      stack: error.stack ?? '',
    }
  }
  return { atom, name: 'NonError', message: String(error), stack: '' }
}

/**
 * Run the atoms `[start, end)` of a job: the one function that executes atoms,
 * used by the local executor and by the Lambda worker alike. An atom that throws
 * (or returns a row fanout cannot store) is recorded with its index, error name,
 * message and stack, and the molecule goes on.
 *
 * @example
 * ```ts
 * const { table, errors, stats } = await runMolecule(job, params, [0, 100])
 * ```
 */
export async function runMolecule(
  job: Job,
  params: unknown,
  range: readonly [number, number],
  options: RunMoleculeOptions = {},
): Promise<MoleculeResult> {
  const [start, end] = range
  const moleculeId = options.moleculeId ?? 0
  const attempt = options.attempt ?? 1
  const setupStarted = performance.now()
  const { promise, cached } = prepare(job, params)
  const prepared = await promise
  const { source, state } = prepared
  const setupMs = cached ? 0 : performance.now() - setupStarted
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end < start ||
    end > source.count
  ) {
    throw new RangeError(
      `molecule ${moleculeId}: range [${start}, ${end}) is not within the job's ${source.count} atoms`,
    )
  }
  const builder = new TableBuilder()
  const errors: AtomError[] = []
  const run = job.run as (atom: unknown, ctx: unknown) => Row | Row[] | Promise<Row | Row[]>
  const signal = options.signal
  const startedAt = Date.now()
  const t0 = performance.now()
  let atomsRun = 0
  let lastYield = t0
  const onAtoms = options.onAtoms
  const ticker = onAtoms
    ? new AtomTicker({ intervalMs: options.atomsIntervalMs ?? 250 })
    : undefined
  for (let i = start; i < end; i++) {
    if (ticker && atomsRun > 0) {
      const n = ticker.tick()
      if (n !== undefined) {
        const pending = onAtoms?.(n)
        if (pending) await pending
      }
    }
    if (signal) {
      if (signal.aborted) break
      // let an abort (Ctrl-C) be delivered even when every atom is synchronous
      if ((i & 255) === 0 && performance.now() - lastYield > 50) {
        await new Promise((resolve) => setImmediate(resolve))
        lastYield = performance.now()
        if (signal.aborted) break
      }
    }
    atomsRun++
    try {
      let out = run(source.at(i), { index: i, moleculeId, attempt, params, state })
      if (out != null && typeof (out as Promise<unknown>).then === 'function') {
        out = await (signal ? raceAbort(out as Promise<Row | Row[]>, signal) : out)
      }
      if (out === undefined || out === null) {
        throw new RowShapeError(
          i,
          '',
          `run returned ${out === undefined ? 'undefined' : 'null'} for atom ${i}; return a row (an object of scalars) or an array of rows`,
        )
      }
      if (Array.isArray(out)) builder.addAll(i, out)
      else builder.add(i, out as Row)
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error
      errors.push(toAtomError(i, error))
    }
  }
  const durationMs = performance.now() - t0
  return {
    table: builder.build(),
    errors,
    stats: {
      moleculeId,
      attempt,
      start,
      end,
      startedAt,
      endedAt: Date.now(),
      durationMs,
      setupMs,
      billedMs: Math.ceil(durationMs + setupMs),
      atomsOk: atomsRun - errors.length,
      atomsFailed: errors.length,
      rows: builder.numRows,
    },
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (a hung async atom). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
