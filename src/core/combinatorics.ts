import { describeValue } from './errors.js'

/**
 * The binomial coefficient C(n, k): how many ways to pick `k` of `n`. 0 when
 * `k < 0` or `k > n`. Exact while the result is at most `Number.MAX_SAFE_INTEGER`.
 *
 * @throws RangeError when `n` or `k` is not an integer, or `n` is negative
 *
 * @example
 * ```ts
 * binomial(6, 2) // 15
 * ```
 */
export function binomial(n: number, k: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Expected n to be an integer from 0 and up, got ${describeValue(n)}.`)
  }
  if (!Number.isSafeInteger(k)) {
    throw new RangeError(`Expected k to be an integer, got ${describeValue(k)}.`)
  }
  if (k < 0 || k > n) return 0
  const m = Math.min(k, n - k)
  let result = 1n
  for (let i = 0; i < m; i++) result = (result * BigInt(n - i)) / BigInt(i + 1)
  return Number(result)
}

/**
 * Every way to pick `k` of `0 .. n - 1`, each in increasing order, listed in
 * lexicographic order (like Python's `itertools.combinations(range(n), k)`).
 *
 * @throws RangeError when `n` or `k` is not an integer from 0, or `k > n`
 *
 * @example
 * ```ts
 * combinations(4, 2) // [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
 * ```
 */
export function combinations(n: number, k: number): number[][] {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Expected n to be an integer from 0 and up, got ${describeValue(n)}.`)
  }
  if (!Number.isSafeInteger(k) || k < 0 || k > n) {
    throw new RangeError(`Expected k to be an integer from 0 to n (${n}), got ${describeValue(k)}.`)
  }
  const out: number[][] = []
  const current = Array.from({ length: k }, (_, i) => i)
  for (;;) {
    out.push(current.slice())
    let i = k - 1
    while (i >= 0 && current[i] === n - k + i) i--
    if (i < 0) return out
    current[i] = (current[i] as number) + 1
    for (let j = i + 1; j < k; j++) current[j] = (current[j - 1] as number) + 1
  }
}
