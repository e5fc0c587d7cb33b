import { describeValue } from './errors.js'
import type { AtomSource } from './types.js'

/**
 * Check an atom index against a source's count.
 *
 * @throws RangeError naming the index and the count when `index` is not an integer in `[0, count)`
 */
export function checkIndex(index: number, count: number): void {
  if (Number.isInteger(index) && index >= 0 && index < count) return
  const valid = count > 0 ? `valid indices are 0 to ${count - 1}` : 'it has no valid index'
  const problem = Number.isInteger(index) ? 'is out of range' : 'is not an integer'
  throw new RangeError(
    `Atom index ${describeValue(index)} ${problem}: the source has ${count} atoms (${valid}).`,
  )
}

function expectInteger(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  throw new RangeError(`Expected ${name} to be an integer, got ${describeValue(value)}.`)
}

/**
 * The integers of Python's `range`: `range(end)` is `0, 1, ..., end - 1`;
 * `range(start, end, step)` is `start, start + step, ...` while before `end`
 * (above it for a negative step). Atoms are the numbers themselves.
 *
 * @param start - first value @default 0
 * @param end - stop before this value
 * @param step - distance between values, non-zero @default 1
 * @throws RangeError when a bound is not an integer or `step` is 0
 *
 * @example
 * ```ts
 * range(3) // 0, 1, 2
 * range(10, 0, -3) // 10, 7, 4, 1
 * ```
 */
export function range(end: number): AtomSource<number>
/** `start, start + step, ...` while before `end` (above it for a negative step). @see range */
export function range(start: number, end: number, step?: number): AtomSource<number>
export function range(a: number, b?: number, c?: number): AtomSource<number> {
  const start = b === undefined ? 0 : expectInteger(a, 'range start')
  const end = expectInteger(b === undefined ? a : b, 'range end')
  const step = c === undefined ? 1 : expectInteger(c, 'range step')
  if (step === 0) {
    throw new RangeError('Expected range step to be a non-zero integer, got 0 (number).')
  }
  const count = Math.max(0, Math.ceil((end - start) / step))
  return Object.freeze({
    count,
    at(index: number): number {
      checkIndex(index, count)
      return start + index * step
    },
  })
}

/**
 * The items of an array, in order. The array is not copied: do not change it
 * while the job runs.
 *
 * @example
 * ```ts
 * list(['AAPL', 'MSFT']).at(1) // 'MSFT'
 * ```
 */
export function list<A>(items: readonly A[]): AtomSource<A> {
  if (!Array.isArray(items)) {
    throw new RangeError(`Expected list() to get an array, got ${describeValue(items)}.`)
  }
  const count = items.length
  return Object.freeze({
    count,
    at(index: number): A {
      checkIndex(index, count)
      return items[index] as A
    },
  })
}

/** The atom of a {@link grid}: one value from each axis, keyed by axis name. */
export type GridAtom<Axes extends Record<string, readonly unknown[]>> = {
  [K in keyof Axes]: Axes[K][number]
}

/**
 * The cartesian product of named axes, like Python's `itertools.product`: the
 * LAST axis varies fastest, axes in the order of the object's keys. The count
 * is the product of the axis lengths (0 when an axis is empty, 1 with no axes).
 *
 * @param axes - axis name → the values it takes
 * @throws RangeError when an axis is not an array, or the product exceeds `Number.MAX_SAFE_INTEGER`
 *
 * @example
 * ```ts
 * const g = grid({ fast: [5, 10], slow: [20, 50, 100] })
 * g.count // 6
 * g.at(1) // { fast: 5, slow: 50 }
 * ```
 */
export function grid<Axes extends Record<string, readonly unknown[]>>(
  axes: Axes,
): AtomSource<GridAtom<Axes>> {
  if (axes === null || typeof axes !== 'object' || Array.isArray(axes)) {
    throw new RangeError(
      `Expected grid() to get an object of named axes, e.g. grid({ fast: [5, 10] }), got ${describeValue(axes)}.`,
    )
  }
  const names = Object.keys(axes)
  const values = names.map((name) => {
    const axis = axes[name]
    if (!Array.isArray(axis)) {
      throw new RangeError(
        `Expected grid axis "${name}" to be an array, got ${describeValue(axis)}.`,
      )
    }
    return axis as readonly unknown[]
  })
  let count = 1
  for (const axis of values) count *= axis.length
  if (!Number.isSafeInteger(count)) {
    throw new RangeError(
      `grid() has ${count} atoms, more than Number.MAX_SAFE_INTEGER; use fewer or shorter axes.`,
    )
  }
  return Object.freeze({
    count,
    at(index: number): GridAtom<Axes> {
      checkIndex(index, count)
      const digits = new Array<number>(names.length)
      let rest = index
      for (let k = names.length - 1; k >= 0; k--) {
        const length = (values[k] as readonly unknown[]).length
        digits[k] = rest % length
        rest = Math.floor(rest / length)
      }
      return Object.fromEntries(
        names.map((name, k) => [name, (values[k] as readonly unknown[])[digits[k] as number]]),
      ) as GridAtom<Axes>
    },
  })
}
