/**
 * How a running molecule reports its atoms done: at most once per interval,
 * without reading the clock after every atom of a fast molecule. Pure: the
 * clock is passed in.
 *
 * @module
 */

/** Options of {@link AtomTicker}. */
export interface AtomTickerOptions {
  /** Report at most this often, ms. @default 250 */
  intervalMs?: number
  /** The clock, ms. @default performance.now */
  now?: () => number
}

/** The most atoms between two looks at the clock: a fast molecule reads it rarely. */
const MAX_STRIDE = 1024

/**
 * Counts atoms and says when to report: `tick()` after each atom returns the
 * count to report, or undefined when the last report is younger than the
 * interval. The clock is read every `stride` atoms; the stride doubles while
 * looks come much faster than the interval (tiny atoms: a few ns per atom of
 * bookkeeping) and falls back to 1 when a look finds the interval passed, so
 * slow atoms are reported after each one that ends past the interval.
 *
 * @example
 * ```ts
 * const ticker = new AtomTicker({ intervalMs: 250 })
 * for (const atom of atoms) { run(atom); const n = ticker.tick(); if (n !== undefined) report(n) }
 * ```
 */
export class AtomTicker {
  readonly intervalMs: number
  private readonly now: () => number
  private done = 0
  private stride = 1
  private untilLook = 1
  private lastReport: number
  private lastLook: number

  constructor(options: AtomTickerOptions = {}) {
    const intervalMs = options.intervalMs ?? 250
    if (!(intervalMs >= 0) || !Number.isFinite(intervalMs)) {
      throw new TypeError(`Expected intervalMs to be a number from 0 and up, got ${intervalMs}`)
    }
    this.intervalMs = intervalMs
    this.now = options.now ?? (() => performance.now())
    this.lastReport = this.now()
    this.lastLook = this.lastReport
  }

  /** Atoms counted so far. */
  get count(): number {
    return this.done
  }

  /** Count one atom; the count to report now, or undefined. */
  tick(): number | undefined {
    this.done++
    if (--this.untilLook > 0) return undefined
    const t = this.now()
    const sinceLook = t - this.lastLook
    this.lastLook = t
    if (t - this.lastReport >= this.intervalMs) {
      this.lastReport = t
      this.stride = 1
      this.untilLook = 1
      return this.done
    }
    // looks much faster than the interval: look less often
    if (sinceLook * 8 < this.intervalMs) this.stride = Math.min(this.stride * 2, MAX_STRIDE)
    this.untilLook = this.stride
    return undefined
  }
}
