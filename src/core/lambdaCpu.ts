/**
 * Lambda's CPU share by memory size: a function gets CPU in proportion to its
 * memory, one full vCPU at 1,769 MB, up to 6 vCPUs at 10,240 MB. A
 * single-threaded atom runs on one vCPU at most, so above 1,769 MB it gains
 * nothing; below, it runs proportionally slower.
 *
 * @module
 */

import { describeValue } from './errors.js'

/** The memory size that gives one full vCPU, MB. */
export const ONE_VCPU_MB = 1769
/** Lambda's smallest memory size, MB. */
export const MIN_MEMORY_MB = 128
/** Lambda's largest memory size, MB. */
export const MAX_MEMORY_MB = 10_240
/** The most vCPUs a function gets (at 10,240 MB). */
export const MAX_VCPUS = 6

/**
 * Check a Lambda memory size: a whole number of MB from 128 to 10,240.
 *
 * @throws RangeError naming the value
 */
export function checkMemoryMb(memoryMb: unknown, name = 'memory'): number {
  if (
    typeof memoryMb !== 'number' ||
    !Number.isInteger(memoryMb) ||
    memoryMb < MIN_MEMORY_MB ||
    memoryMb > MAX_MEMORY_MB
  ) {
    throw new RangeError(
      `Expected ${name} to be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}, got ${describeValue(memoryMb)}`,
    )
  }
  return memoryMb
}

/**
 * vCPUs a function gets at `memoryMb`: `memoryMb / 1769`, at most 6.
 *
 * @example
 * ```ts
 * vcpusAt(1769) // 1
 * vcpusAt(512) // 0.289...
 * ```
 */
export function vcpusAt(memoryMb: number): number {
  return Math.min(MAX_VCPUS, checkMemoryMb(memoryMb) / ONE_VCPU_MB)
}

/**
 * How much longer single-threaded work takes at `memoryMb` than on one full
 * vCPU: `1769 / memoryMb` below 1,769 MB, 1 at and above it.
 *
 * @example
 * ```ts
 * slowdownAt(884) // 2.001...
 * slowdownAt(3008) // 1
 * ```
 */
export function slowdownAt(memoryMb: number): number {
  return 1 / Math.min(1, vcpusAt(memoryMb))
}
