import { type AtomTiming, summariseTimings } from '../core/atomTimings.js'
import { describeThrown, JobCodeError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { TableBuilder } from '../core/table.js'
import type { Row } from '../core/types.js'
import { sampleIndices } from '../core/weightedParts.js'
import { encodeTable, tableToRows } from '../store/parquet.js'
import {
  DEFAULT_COST_SAMPLE,
  interleaved,
  POINT_MAX_ATOMS,
  type PointContext,
  timeWallAndCpu,
} from './atomCosts.js'
import { prepare, runMolecule } from './runMolecule.js'

/** The whole sampling stops after this long. @default */
const DEFAULT_BUDGET_MS = 5000
/** Rows the partial-encoding probe writes. */
const ENCODE_PROBE_ROWS = 2048

/** Options of {@link sampleAtoms}. */
export interface SampleAtomsOptions {
  /** Sample points, spread over the whole atom range. @default 32 */
  sample?: number
  /** Time budget of the timed passes, ms. @default 5000 */
  budgetMs?: number
}

/** What timing a sample of a job's atoms in this process found. */
export interface AtomSample {
  numAtoms: number
  /** One point per sampled index: wall and CPU ms per atom, one pair per timed pass. */
  points: AtomTiming[]
  /** `setup(params)` and `atoms(params)`, once per worker, ms (0 when the job has no setup). */
  setupMs: number
  /** Mean rows per atom that returned rows. */
  rowsPerAtom: number
  /** Encoding a partial, ms per row (rows of this job, in fanout's Parquet codec). */
  encodeMsPerRow: number
  /** Fraction of the atoms run for rows that threw. */
  failRate: number
  /** Growth of this process's memory (heap, array buffers, external) over setup, MB. */
  setupMemoryMb: number
  /** How long the sampling took, ms. */
  wallMs: number
}

function memoryMb(): number {
  const m = process.memoryUsage()
  return (m.heapUsed + m.external + m.arrayBuffers) / 2 ** 20
}

/**
 * Time a sample of a job's atoms in this process, for the cost estimate:
 * points spread over the whole atom range (not only the first atoms), each
 * visited once untimed (warm-up, as in a warm worker), then timed in three
 * passes (in order, reversed, interleaved) by wall and CPU time; `setup`
 * timed once; and, on a few atoms at the start, the middle and the end, the
 * rows they return, encoded as a partial to time the write.
 *
 * @throws {@link JobCodeError} when the job's setup or atoms throw
 * @example
 * ```ts
 * const sample = await sampleAtoms(job, params, numAtoms, { sample: 64 })
 * ```
 */
export async function sampleAtoms(
  job: Job,
  params: unknown,
  numAtoms: number,
  options: SampleAtomsOptions = {},
): Promise<AtomSample> {
  const started = performance.now()
  const before = memoryMb()
  let prepared: Awaited<ReturnType<typeof prepare>['promise']>
  try {
    prepared = await prepare(job, params).promise
  } catch (error) {
    throw new JobCodeError(
      job.setup ? 'setup' : 'atoms',
      `the job's ${job.setup ? 'setup(params)' : 'atoms(params)'} threw ${describeThrown(error)}`,
      { cause: error },
    )
  }
  const setupMemoryMb = Math.max(0, memoryMb() - before)
  const { source, state } = prepared
  const ctx: PointContext = { params, state, at: (i) => source.at(i) }
  const indices = sampleIndices(numAtoms, options.sample ?? DEFAULT_COST_SAMPLE)
  const budget = options.budgetMs ?? DEFAULT_BUDGET_MS
  const deadline = performance.now() + budget
  for (const index of indices) {
    await timeWallAndCpu(job, ctx, index, numAtoms)
    if (performance.now() > deadline - (2 * budget) / 3) break
  }
  const times = new Map<number, { wallMs: number; cpuMs: number }[]>(indices.map((i) => [i, []]))
  for (const order of [indices, [...indices].reverse(), interleaved(indices)]) {
    if (performance.now() > deadline) break
    for (const index of order) {
      times.get(index)?.push(await timeWallAndCpu(job, ctx, index, numAtoms))
      if (performance.now() > deadline) break
    }
  }
  const passes = Math.max(1, Math.min(...[...times.values()].map((t) => t.length)))
  const points: AtomTiming[] = indices
    .map((index) => ({ index, passes: (times.get(index) ?? []).slice(0, passes) }))
    .filter((p) => p.passes.length > 0)
  const rows = await probeRows(job, params, numAtoms, points)
  return {
    numAtoms,
    points,
    setupMs: prepared.setupMs,
    ...rows,
    setupMemoryMb,
    wallMs: performance.now() - started,
  }
}

/**
 * Run a few atoms at the start, the middle and the end as molecules (so rows
 * are checked as they will be), and time encoding their rows as a partial:
 * the rows repeated to {@link ENCODE_PROBE_ROWS}, minus a one-row partial
 * (the fixed part of a write, which the measured per-invocation overhead
 * holds already), per row.
 */
async function probeRows(
  job: Job,
  params: unknown,
  numAtoms: number,
  points: readonly AtomTiming[],
): Promise<Pick<AtomSample, 'rowsPerAtom' | 'encodeMsPerRow' | 'failRate'>> {
  if (numAtoms === 0) return { rowsPerAtom: 0, encodeMsPerRow: 0, failRate: 0 }
  const perAtom = summariseTimings(points).medianWallMs
  const size = Math.max(1, Math.min(POINT_MAX_ATOMS, Math.floor(50 / Math.max(perAtom, 1e-3))))
  const starts = [...new Set([0, Math.floor(numAtoms / 2), Math.max(0, numAtoms - size)])]
  const rows: Row[] = []
  let ran = 0
  let failed = 0
  for (const start of starts) {
    const end = Math.min(numAtoms, start + size)
    // a sample, not a molecule of the run: the atoms see moleculeId -1, as timed ones do
    const result = await runMolecule(job, params, [start, end], { moleculeId: -1, attempt: 0 })
    ran += end - start
    failed += result.errors.length
    for (const row of tableToRows(result.table)) rows.push(row as Row)
  }
  const ok = ran - failed
  const rowsPerAtom = ok > 0 ? rows.length / ok : 0
  if (rows.length === 0) return { rowsPerAtom, encodeMsPerRow: 0, failRate: failed / ran }
  const many = new TableBuilder()
  const one = new TableBuilder()
  for (let i = 0; i < ENCODE_PROBE_ROWS; i++) {
    const { atom: _atom, ...fields } = rows[i % rows.length] as Row & { atom?: unknown }
    many.add(i, fields as Row)
    if (i === 0) one.add(0, fields as Row)
  }
  const manyTable = many.build()
  const oneTable = one.build()
  const timeEncode = (table: typeof manyTable) => {
    const samples: number[] = []
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now()
      encodeTable(table)
      samples.push(performance.now() - t0)
    }
    return samples.sort((a, b) => a - b)[2] as number
  }
  timeEncode(manyTable) // warm-up
  const perRow = Math.max(
    0,
    (timeEncode(manyTable) - timeEncode(oneTable)) / (ENCODE_PROBE_ROWS - 1),
  )
  return { rowsPerAtom, encodeMsPerRow: perRow, failRate: failed / ran }
}
