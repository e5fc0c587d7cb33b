/**
 * Pure arithmetic on atoms timed on a sample: what one atom is billed on
 * Lambda at a memory size (its CPU time slowed by the CPU share, plus what it
 * waited on I/O), and the sums of those costs over molecules, with the
 * uncertainty the sample leaves.
 *
 * @module
 */

/** One sample point: per-atom wall and CPU ms, one pair per timed pass. */
export interface AtomTiming {
  index: number
  passes: readonly { wallMs: number; cpuMs: number }[]
}

/** A cost at an atom index (ms per atom). */
export interface CostPoint {
  index: number
  cost: number
}

/** What a sample's timings say as a whole. */
export interface TimingSummary {
  /** Median per-atom wall time over every point and pass, ms. */
  medianWallMs: number
  /** Median per-atom CPU time, ms. */
  medianCpuMs: number
  /** Median share of wall time not spent on this process's CPU. */
  waitShare: number
  /**
   * More than half of the atoms' wall time is waiting: the atoms wait on I/O
   * (a fetch, a timer), and that wait is billed as it is on any memory size.
   */
  ioBound: boolean
}

/** An I/O-bound job waits for more than this share of its atoms' wall time. */
export const IO_BOUND_WAIT_SHARE = 0.5

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return 0
  const mid = s.length >> 1
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/**
 * The sample as a whole: median wall and CPU time per atom, and whether the
 * atoms mostly wait (I/O-bound) or mostly compute.
 *
 * @example
 * ```ts
 * summariseTimings([{ index: 0, passes: [{ wallMs: 10, cpuMs: 9.5 }] }]).ioBound // false
 * ```
 */
export function summariseTimings(points: readonly AtomTiming[]): TimingSummary {
  const all = points.flatMap((p) => p.passes)
  const waitShare = median(
    all.map((t) => (t.wallMs > 0 ? Math.max(0, t.wallMs - t.cpuMs) / t.wallMs : 0)),
  )
  return {
    medianWallMs: median(all.map((t) => t.wallMs)),
    medianCpuMs: median(all.map((t) => t.cpuMs)),
    waitShare,
    ioBound: waitShare > IO_BOUND_WAIT_SHARE,
  }
}

/** Per-point billed costs (ms per atom) on Lambda: the fastest, median and slowest pass. */
export interface BilledCurves {
  low: CostPoint[]
  mid: CostPoint[]
  high: CostPoint[]
}

/**
 * What each sampled atom is billed on Lambda, at a memory size whose
 * single-thread `slowdown` is given: CPU time × slowdown, plus the wait when
 * the job is I/O-bound. For a compute-bound job, wall time beyond CPU time is
 * this machine's other load, not the atom: the low and mid curves leave it
 * out, the high curve keeps it (slowed down too), in case it was the atom's.
 * Per point: low = fastest pass, mid = median pass, high = slowest pass.
 */
export function billedCurves(points: readonly AtomTiming[], slowdown: number): BilledCurves {
  const { ioBound } = summariseTimings(points)
  const out: BilledCurves = { low: [], mid: [], high: [] }
  for (const p of points) {
    const billed = p.passes.map((t) => {
      const wait = Math.max(0, t.wallMs - t.cpuMs)
      return {
        lean: t.cpuMs * slowdown + (ioBound ? wait : 0),
        full: (ioBound ? t.cpuMs : t.wallMs) * slowdown + (ioBound ? wait : 0),
      }
    })
    out.low.push({ index: p.index, cost: Math.min(...billed.map((b) => b.lean)) })
    out.mid.push({ index: p.index, cost: median(billed.map((b) => b.lean)) })
    out.high.push({ index: p.index, cost: Math.max(...billed.map((b) => b.full)) })
  }
  return out
}

/** Sum of the integers `lo..hi` (inclusive) weighted by a linear function through (x0, y0), (x1, y1). */
function linearSum(lo: number, hi: number, x0: number, y0: number, x1: number, y1: number): number {
  if (hi < lo) return 0
  const at = (x: number) => (x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0))
  return ((hi - lo + 1) * (at(lo) + at(hi))) / 2
}

/**
 * The sum over atoms `[start, end)` of costs interpolated between sample
 * points (linear between neighbours, constant beyond the first and the last),
 * computed exactly piece by piece, without one array entry per atom.
 *
 * @param points - sorted by index, distinct indices
 * @example
 * ```ts
 * sumOverRange([{ index: 0, cost: 1 }, { index: 4, cost: 5 }], 0, 5) // 15 = 1+2+3+4+5
 * ```
 */
export function sumOverRange(points: readonly CostPoint[], start: number, end: number): number {
  const last = end - 1
  if (points.length === 0 || last < start) return 0
  const first = points[0] as CostPoint
  const final = points[points.length - 1] as CostPoint
  let sum = 0
  // before (and at) the first point: constant
  sum += Math.max(0, Math.min(last, first.index) - start + 1) * first.cost
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k] as CostPoint
    const b = points[k + 1] as CostPoint
    // the integers in (a.index, b.index]
    sum += linearSum(
      Math.max(start, a.index + 1),
      Math.min(last, b.index),
      a.index,
      a.cost,
      b.index,
      b.cost,
    )
  }
  // after the last point: constant
  sum += Math.max(0, last - Math.max(start, final.index + 1) + 1) * final.cost
  return sum
}

/**
 * The relative standard error of a sum of interpolated costs, from how well
 * the interpolation predicts each interior point from its two neighbours
 * (leave-one-out): atoms whose costs vary in ways the sample cannot follow
 * (random per-atom costs) give large residuals and a wide range; smooth
 * costs (equal, or growing with the index) give small ones. For independent
 * noise of relative spread σ a residual has spread σ·√1.5, and the mean of n
 * points a standard error of σ/√n: hence `rms / √(1.5 n)`.
 *
 * @returns 0 with fewer than 3 points
 */
export function interpolationError(points: readonly CostPoint[]): number {
  if (points.length < 3) return 0
  let sq = 0
  let n = 0
  for (let k = 1; k + 1 < points.length; k++) {
    const a = points[k - 1] as CostPoint
    const p = points[k] as CostPoint
    const b = points[k + 1] as CostPoint
    const predicted = a.cost + ((b.cost - a.cost) * (p.index - a.index)) / (b.index - a.index)
    if (predicted <= 0) continue
    sq += ((p.cost - predicted) / predicted) ** 2
    n++
  }
  return n === 0 ? 0 : Math.sqrt(sq / n) / Math.sqrt(1.5 * points.length)
}
