/**
 * The cost estimate of one cut of a job on Lambda, before it runs: atoms
 * timed on a sample, scaled by Lambda's CPU share at the chosen memory, plus
 * the stack's measured overheads, run through a small simulation of the run
 * (dispatch, containers, the tally loop) into wall time, GB-seconds, request
 * counts and dollars, each as a low–mid–high range. Pure.
 *
 * @module
 */

import { type AtomTiming, billedCurves, interpolationError, sumOverRange } from './atomTimings.js'
import { CLIENT_POLL_MS, cloudRequests, tallyLoops } from './cloudRequests.js'
import { slowdownAt } from './lambdaCpu.js'
import { DEFAULT_OVERHEADS, ORCHESTRATION_MEMORY_MB, type PlatformOverheads } from './overheads.js'
import {
  type Architecture,
  type CostBreakdown,
  type PriceTable,
  priceUsage,
  US_EAST_1,
} from './prices.js'

/** A low–mid–high range. */
export interface Range {
  low: number
  mid: number
  high: number
}

/** What the estimate needs from timing the job at plan time. */
export interface SampleFigures {
  numAtoms: number
  /** The sampled atoms' wall and CPU ms per atom, per pass. */
  points: readonly AtomTiming[]
  /** `setup(params)`, once per container, ms. */
  setupMs: number
  /** The bundle's cold import in a fresh Node process, ms. */
  importMs: number
  rowsPerAtom: number
  encodeMsPerRow: number
  /** Fraction of atoms that threw in the sample. */
  failRate: number
  /** Memory that `setup` took, MB. */
  setupMemoryMb: number
}

/** What to estimate: a cut of the job, and the Lambda configuration it runs on. */
export interface EstimateRequest {
  sample: SampleFigures
  /** The molecule boundaries (as `partition` gives them). */
  boundaries: readonly number[]
  /** Worker memory, MB. */
  memoryMb: number
  /** @default 'arm64' */
  architecture?: Architecture
  /** Worker invocations that may run at once (the account's concurrency). @default 1000 */
  concurrency?: number
  /** @default us-east-1 list prices */
  prices?: PriceTable
  /** @default {@link DEFAULT_OVERHEADS} */
  overheads?: PlatformOverheads
  /** The state machine's first wait between tallies, s. @default 2 */
  pollSeconds?: number
  /** The worker's timeout, s (a molecule must end within it). @default 900 */
  timeoutSeconds?: number
}

/** Lambda's default concurrency per account and region. */
export const DEFAULT_CONCURRENCY = 1000

/** What a cut of a job is predicted to cost and take on Lambda. */
export interface Estimate {
  memoryMb: number
  architecture: Architecture
  molecules: number
  concurrency: number
  /** Worker containers the run starts (each fetches the bundle and runs setup once). */
  containers: number
  /** From the CLI's start to the result. */
  wallMs: Range
  /** The billed duration of the median and the slowest molecule (mid), ms. */
  moleculeMs: { median: number; max: number }
  workers: { invocations: number; billedMs: Range; gbSeconds: Range }
  /** Every function's GB-seconds: workers, plan, tallies, reduce. */
  gbSeconds: Range
  requests: {
    invocations: Range
    transitions: Range
    s3Puts: Range
    s3Lists: Range
    s3Gets: Range
  }
  usd: Range
  /** The mid estimate's dollars by part. */
  breakdown: CostBreakdown
  /** The slowest molecule's high estimate ends within the worker timeout. */
  fitsTimeout: boolean
  /** The smallest memory the job seems to fit in (a worker's baseline plus what setup took, × 1.5), MB. */
  memoryFloorMb: number
  prices: { region: string; asOf: string; source: string }
}

type Kind = keyof Range

interface Scenario {
  wallMs: number
  moleculeBilled: number[]
  workerBilledMs: number
  containers: number
  cost: CostBreakdown
  requests: ReturnType<typeof cloudRequests>
}

function scenario(request: EstimateRequest, kind: Kind): Scenario {
  const o = request.overheads ?? DEFAULT_OVERHEADS
  const s = slowdownAt(request.memoryMb)
  const { sample, boundaries } = request
  const curves = billedCurves(sample.points, s)
  const error = interpolationError(curves.mid)
  const factor = kind === 'low' ? Math.max(0, 1 - 2 * error) : kind === 'high' ? 1 + 2 * error : 1
  const costs = curves[kind]
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY
  const molecules = Math.max(0, boundaries.length - 1)
  const planFixed = o.planMs[kind]
  const perMolecule = o.planMsPerMolecule[kind]
  const firstExtra = o.bundleFetchMs[kind] + (sample.importMs + sample.setupMs) * s
  // the low end takes warm containers (a job run shortly after another); mid and high, cold ones
  const init = kind === 'low' ? 0 : o.workerInitMs[kind] * s
  const free: number[] = [] // when each container is free, ms after plan started
  const moleculeBilled: number[] = []
  const ends: number[] = []
  let workerBilledMs = 0
  let errorFiles = 0
  for (let k = 0; k < molecules; k++) {
    const a = boundaries[k] as number
    const b = boundaries[k + 1] as number
    const atoms = sumOverRange(costs, a, b) * factor
    const rows = (b - a) * sample.rowsPerAtom * (1 - sample.failRate)
    const work = o.workerFixedMs[kind] + atoms + rows * sample.encodeMsPerRow * s
    const ready = planFixed + (k + 1) * perMolecule
    let slot = free.findIndex((t) => t <= ready)
    let start = ready
    let billed: number
    if (slot >= 0) billed = Math.ceil(work)
    else if (free.length < concurrency) {
      slot = free.length
      free.push(0)
      billed = Math.ceil(init + firstExtra + work)
    } else {
      slot = free.indexOf(Math.min(...free))
      start = free[slot] as number
      billed = Math.ceil(work)
    }
    free[slot] = start + billed
    ends.push(start + billed)
    moleculeBilled.push(billed)
    workerBilledMs += billed
    errorFiles += 1 - (1 - sample.failRate) ** (b - a)
  }
  const planBilled = Math.ceil(planFixed + molecules * perMolecule)
  const { loops, doneAtMs } = tallyLoops(
    ends.map((e) => e - planBilled),
    { pollSeconds: request.pollSeconds ?? 2, tallyMs: o.tallyMs[kind] },
  )
  const reduceBilled = Math.ceil(o.reduceMs[kind] + molecules * o.reduceMsPerPartial[kind])
  const wallMs = o.clientMs[kind] + planBilled + doneAtMs + o.tallyMs[kind] + reduceBilled
  const requests = cloudRequests({
    molecules,
    attempts: molecules,
    finishedAttempts: molecules,
    storedPartials: molecules,
    errorFiles: Math.round(errorFiles),
    containers: free.length,
    tallies: loops,
    clientPolls: Math.ceil(wallMs / CLIENT_POLL_MS),
  })
  const architecture = request.architecture ?? 'arm64'
  const cost = priceUsage(
    {
      lambda: [
        {
          invocations: molecules,
          billedMs: workerBilledMs,
          memoryMb: request.memoryMb,
          architecture,
        },
        { invocations: 1, billedMs: planBilled, memoryMb: ORCHESTRATION_MEMORY_MB.plan },
        {
          invocations: loops,
          billedMs: loops * Math.ceil(o.tallyMs[kind]),
          memoryMb: ORCHESTRATION_MEMORY_MB.tally,
        },
        { invocations: 1, billedMs: reduceBilled, memoryMb: ORCHESTRATION_MEMORY_MB.reduce },
      ],
      transitions: requests.transitions,
      s3Puts: requests.s3Puts,
      s3Lists: requests.s3Lists,
      s3Gets: requests.s3Gets,
    },
    request.prices ?? US_EAST_1,
  )
  return { wallMs, moleculeBilled, workerBilledMs, containers: free.length, cost, requests }
}

function range(scenarios: Record<Kind, Scenario>, pick: (s: Scenario) => number): Range {
  const values = [pick(scenarios.low), pick(scenarios.mid), pick(scenarios.high)]
  // the scenarios are ordered by construction; sort anyway, so a range never inverts
  const [low, mid, high] = values.sort((a, b) => a - b) as [number, number, number]
  return { low, mid, high }
}

/**
 * Estimate one cut of a job on Lambda. Per molecule: the sampled atoms'
 * costs summed over its atoms (interpolated between sample points) at
 * Lambda's CPU share, its rows' encoding, the fixed per-invocation overhead;
 * the first molecule of each container also pays the bundle fetch and
 * import, `setup`, and (mid and high) the cold start. Molecules go to
 * containers in dispatch order (at most `concurrency` at once); the tally
 * loop is simulated on their end times. The low end takes the fastest sample
 * pass, warm containers and the 10th-percentile overheads, minus twice the
 * sample's interpolation error; the high end the slowest pass, cold
 * containers, the 90th percentiles, plus twice that error.
 *
 * @example
 * ```ts
 * const e = estimateCut({ sample, boundaries: [0, 500, 1000], memoryMb: 1769 })
 * console.log(e.usd.low, e.usd.high)
 * ```
 */
export function estimateCut(request: EstimateRequest): Estimate {
  const scenarios = {
    low: scenario(request, 'low'),
    mid: scenario(request, 'mid'),
    high: scenario(request, 'high'),
  }
  const mid = scenarios.mid
  const sorted = [...mid.moleculeBilled].sort((a, b) => a - b)
  const o = request.overheads ?? DEFAULT_OVERHEADS
  const prices = request.prices ?? US_EAST_1
  const timeoutMs = (request.timeoutSeconds ?? 900) * 1000
  const molecules = Math.max(0, request.boundaries.length - 1)
  return {
    memoryMb: request.memoryMb,
    architecture: request.architecture ?? 'arm64',
    molecules,
    concurrency: request.concurrency ?? DEFAULT_CONCURRENCY,
    containers: mid.containers,
    wallMs: range(scenarios, (s) => s.wallMs),
    moleculeMs: {
      median: sorted[sorted.length >> 1] ?? 0,
      max: sorted[sorted.length - 1] ?? 0,
    },
    workers: {
      invocations: molecules,
      billedMs: range(scenarios, (s) => s.workerBilledMs),
      gbSeconds: range(scenarios, (s) => (request.memoryMb / 1024) * (s.workerBilledMs / 1000)),
    },
    gbSeconds: range(scenarios, (s) => s.cost.gbSeconds),
    requests: {
      invocations: range(scenarios, (s) => s.requests.invocations.total),
      transitions: range(scenarios, (s) => s.requests.transitions),
      s3Puts: range(scenarios, (s) => s.requests.s3Puts),
      s3Lists: range(scenarios, (s) => s.requests.s3Lists),
      s3Gets: range(scenarios, (s) => s.requests.s3Gets),
    },
    usd: range(scenarios, (s) => s.cost.totalUsd),
    breakdown: mid.cost,
    fitsTimeout: Math.max(0, ...scenarios.high.moleculeBilled) <= timeoutMs,
    memoryFloorMb: Math.ceil((o.workerBaselineMb + request.sample.setupMemoryMb) * 1.5),
    prices: { region: prices.region, asOf: prices.asOf, source: prices.source },
  }
}
