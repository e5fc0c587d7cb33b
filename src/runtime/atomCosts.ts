import {
  type CostSamplePoint,
  costsFromSample,
  preferLinearUnlessBetter,
} from '../core/costModel.js'
import { UsageError } from '../core/errors.js'
import type { Job } from '../core/job.js'
import { partition, resolveMoleculeCount } from '../core/partition.js'
import type { PartitionScheme } from '../core/types.js'
import { sampleIndices } from '../core/weightedParts.js'
import { prepare } from './runMolecule.js'

/** Each sample point runs consecutive atoms until this long has passed... */
const POINT_MS = 2
/** ...or this many atoms ran. */
export const POINT_MAX_ATOMS = 64
/** The whole sampling stops after this long; costs come from what was timed. @default */
const DEFAULT_BUDGET_MS = 5000
/** Sample points when the caller names none. */
export const DEFAULT_COST_SAMPLE = 32

/** Where a weighted cut's costs came from. */
export type CostSource = 'cost function' | 'measured sample' | 'measured sample (uniform)'

/** Options of {@link atomCosts}. */
export interface AtomCostOptions {
  /** Sample points, spread over the whole atom range. @default 32 */
  sample?: number
  /** Time budget of the whole sampling, ms. @default 5000 */
  budgetMs?: number
}

/** What {@link atomCosts} measured. */
export interface AtomCosts {
  costs: Float64Array
  source: CostSource
}

/**
 * Wall and CPU ms per atom at `index`: a run of consecutive atoms (≥ 2 ms or
 * 64 atoms). CPU time is what slows down on a smaller Lambda; wall time
 * beyond it is waiting (I/O, or a core busy with something else).
 */
export async function timeWallAndCpu(
  job: Job,
  ctx: PointContext,
  index: number,
  numAtoms: number,
): Promise<{ wallMs: number; cpuMs: number }> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  let count = 0
  for (let i = index; i < numAtoms && count < POINT_MAX_ATOMS; i++) {
    try {
      await job.run(ctx.at(i), {
        index: i,
        moleculeId: -1,
        attempt: 0,
        params: ctx.params,
        state: ctx.state,
      })
    } catch {
      // a failing atom still tells how long it took
    }
    count++
    if (performance.now() - t0 >= POINT_MS) break
  }
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(c0)
  return { wallMs: wall / count, cpuMs: (cpu.user + cpu.system) / 1000 / count }
}

/**
 * ms per atom at `index` ({@link timeWallAndCpu}), the smaller of wall time
 * and this process's CPU time. CPU time leaves out the time the thread waited
 * for a core (a loaded machine); wall time leaves out what other threads of
 * the process did meanwhile (workers warming up). The atom's own cost is in
 * both.
 */
export async function timePoint(
  job: Job,
  ctx: PointContext,
  index: number,
  numAtoms: number,
): Promise<number> {
  const t = await timeWallAndCpu(job, ctx, index, numAtoms)
  return Math.min(t.wallMs, t.cpuMs)
}

/**
 * Per-atom costs for `--partition weighted`: the job's `cost(atom, index)`
 * when it has one, else atoms timed on a sample spread over the whole range.
 * The one sampler of the local plan and the plan Lambda:
 * - each point times a run of consecutive atoms (≥ 2 ms or 64 atoms), so
 *   microsecond atoms are not lost in timer noise;
 * - the points are visited once untimed first (the job's code is compiled
 *   and its caches filled, as in a warm worker), then timed in three passes,
 *   in order, in reverse, and interleaved;
 * - {@link costsFromSample} keeps each point's fastest timing and calls the
 *   atoms uniform when their spread is within the noise, or the passes do not
 *   agree on which points cost more.
 *
 * @throws {@link UsageError} when `cost` returns something that is not a finite number ≥ 0
 */
export async function atomCosts(
  job: Job,
  params: unknown,
  numAtoms: number,
  options: AtomCostOptions = {},
): Promise<AtomCosts> {
  const { source, state } = await prepare(job, params).promise
  if (job.cost) {
    const costs = new Float64Array(numAtoms)
    for (let i = 0; i < numAtoms; i++) {
      const c = job.cost(source.at(i), i)
      if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) {
        throw new UsageError(`cost(atom ${i}) returned ${c}; a cost must be a finite number ≥ 0`)
      }
      costs[i] = c
    }
    return { costs, source: 'cost function' }
  }
  const ctx = { params, state, at: (i: number) => source.at(i) }
  const indices = sampleIndices(numAtoms, options.sample ?? DEFAULT_COST_SAMPLE)
  const points = await timePasses(
    job,
    ctx,
    indices,
    numAtoms,
    options.budgetMs ?? DEFAULT_BUDGET_MS,
  )
  const sampled = costsFromSample(numAtoms, points)
  return {
    costs: sampled.costs,
    source: sampled.uniform ? 'measured sample (uniform)' : 'measured sample',
  }
}

/** What {@link timePoint} runs atoms with. */
export interface PointContext {
  params: unknown
  state: unknown
  at: (i: number) => unknown
}

/**
 * Time sample points as the one sampler does: each point once untimed (the
 * job's code is compiled and its caches filled, as in a warm worker), then
 * three timed passes — in order, in reverse, interleaved — so that a burst of
 * load on the machine lands on different points each time. Stops when
 * `budgetMs` is spent; every point keeps as many passes as all of them got.
 *
 * @returns one point per index that was timed, its per-atom ms per pass
 */
export async function timePasses(
  job: Job,
  ctx: PointContext,
  indices: readonly number[],
  numAtoms: number,
  budgetMs: number,
): Promise<CostSamplePoint[]> {
  const started = performance.now()
  const deadline = started + budgetMs
  for (const index of indices) {
    await timePoint(job, ctx, index, numAtoms)
    if (performance.now() > started + budgetMs / 3) break
  }
  const times = new Map<number, number[]>(indices.map((i) => [i, []]))
  const orders = [indices, [...indices].reverse(), interleaved(indices)]
  for (const order of orders) {
    if (performance.now() > deadline) break
    for (const index of order) {
      ;(times.get(index) as number[]).push(await timePoint(job, ctx, index, numAtoms))
      if (performance.now() > deadline) break
    }
  }
  const passes = Math.min(...[...times.values()].map((t) => t.length))
  return indices
    .map((index) => ({
      index,
      times: (times.get(index) as number[]).slice(0, Math.max(passes, 1)),
    }))
    .filter((p) => p.times.length > 0)
}

/** How to cut a job's atoms (the flags of `fanout run` and `fanout plan`, or a plan event). */
export interface CutRequest {
  scheme: PartitionScheme
  workers: number
  molecules?: number | undefined
  atomsPerMolecule?: number | undefined
  /** Sample points for `weighted` without `cost`. @default 32 */
  costSample?: number | undefined
}

/**
 * The molecule boundaries of a job: {@link partition} with the request's
 * scheme; for `weighted`, with {@link atomCosts}. A weighted cut from
 * measured costs is kept only when it beats the linear cut by more than the
 * sampling can get wrong ({@link preferLinearUnlessBetter}), so it never
 * balances worse than `linear` on atoms of equal cost.
 */
export async function cutMolecules(
  job: Job,
  params: unknown,
  numAtoms: number,
  request: CutRequest,
): Promise<{ boundaries: number[]; costSource?: CostSource }> {
  const options = {
    numAtoms,
    scheme: request.scheme,
    workers: request.workers,
    molecules: request.molecules,
    atomsPerMolecule: request.atomsPerMolecule,
  }
  if (request.scheme !== 'weighted' || numAtoms === 0) return { boundaries: partition(options) }
  const count = resolveMoleculeCount(options)
  const { costs, source } = await atomCosts(job, params, numAtoms, {
    ...(request.costSample ? { sample: request.costSample } : {}),
  })
  const weighted = partition({ ...options, costs })
  if (source === 'cost function') return { boundaries: weighted, costSource: source }
  return {
    boundaries: preferLinearUnlessBetter(costs, weighted, count).boundaries,
    costSource: source,
  }
}

/** The indices from both ends inwards: first, last, second, second to last, ... */
export function interleaved(indices: readonly number[]): number[] {
  const out: number[] = []
  for (let lo = 0, hi = indices.length - 1; lo <= hi; lo++, hi--) {
    out.push(indices[lo] as number)
    if (hi !== lo) out.push(indices[hi] as number)
  }
  return out
}
