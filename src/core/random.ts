/**
 * Small seeded random number generators, pure and dependency-free, so a job
 * generates the same synthetic data in every worker and on every run.
 *
 * @module
 */

/**
 * mulberry32: a tiny seeded PRNG (32 bits of state).
 *
 * @param seed - Any integer; only its low 32 bits are used.
 * @returns A function that returns the next uniform draw in [0, 1) on each call.
 * @example
 * ```ts
 * const rand = mulberry32(42)
 * rand() // the same sequence for seed 42 on every machine
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Standard normal draws by Box-Muller from a uniform PRNG. Each draw takes two
 * uniforms and returns one normal (the cosine branch).
 *
 * @param uniform - Returns uniforms in [0, 1), e.g. {@link mulberry32}.
 * @returns A function that returns the next standard normal draw on each call.
 * @example
 * ```ts
 * const normal = gaussian(mulberry32(42))
 * normal() // N(0, 1)
 * ```
 */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform() // (0, 1]: log(u) is finite
    const v = uniform()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}
