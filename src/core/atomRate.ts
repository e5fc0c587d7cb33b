/**
 * Atoms per second from a running count, and the time left: an exponentially
 * weighted rate over the last seconds (the ratio of two exponentially decayed
 * sums, atoms and time, so samples at uneven intervals weigh by their length
 * and the first sample is not biased towards 0). Pure.
 *
 * @module
 */

/** Options of {@link AtomRate}. */
export interface AtomRateOptions {
  /**
   * Half-life of the weighting, ms: a sample this old weighs half as much as
   * a new one. @default 10000
   */
  halfLifeMs?: number
}

/**
 * The atoms/s of a run, fed with `(elapsedMs, atoms)` samples. A count that
 * goes down (atoms of a crashed attempt, to be run again) adds no throughput
 * and is the new baseline; atoms run again count again, as they are work done.
 *
 * @example
 * ```ts
 * const r = new AtomRate()
 * r.sample(0, 0); r.sample(1000, 50)
 * r.perSecond // 50
 * r.remainingMs(50, 150) // 2000
 * ```
 */
export class AtomRate {
  private readonly tau: number
  private atoms = 0
  private time = 0
  private last: { at: number; count: number } | undefined

  constructor(options: AtomRateOptions = {}) {
    const t = options.halfLifeMs ?? 10_000
    if (!(t > 0) || !Number.isFinite(t)) {
      throw new TypeError(`Expected halfLifeMs to be a number above 0, got ${t}`)
    }
    this.tau = t / Math.LN2
  }

  /** Add a sample: `count` atoms done at `atMs`. Samples out of time order are ignored. */
  sample(atMs: number, count: number): void {
    const last = this.last
    if (!last) {
      this.last = { at: atMs, count }
      return
    }
    const dt = atMs - last.at
    if (dt < 0) return
    const decay = Math.exp(-dt / this.tau)
    this.atoms = this.atoms * decay + Math.max(0, count - last.count)
    this.time = this.time * decay + dt
    this.last = { at: atMs, count }
  }

  /** Atoms per second, 0 before two samples a moment apart. */
  get perSecond(): number {
    return this.time > 0 ? (this.atoms / this.time) * 1000 : 0
  }

  /** Ms until `total` atoms are done from `done`, at the current rate; undefined while it is 0. */
  remainingMs(done: number, total: number): number | undefined {
    if (done >= total) return 0
    const rate = this.perSecond
    return rate > 0 ? ((total - done) / rate) * 1000 : undefined
  }
}
