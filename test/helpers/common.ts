/** Small helpers shared by the unit tests. */

/** The error `fn` throws (fails the test when it does not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}

/** The integers `start, start + 1, …, end - 1`. */
export function rangeArray(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i)
}
