/**
 * Helpers shared by the partition tests (`partition.test.ts`, `weightedParts.test.ts`):
 * checking boundaries, and the costs of a partition.
 */
import { expect } from 'vitest'
import { toMolecules } from '../../src/core/partition.js'

/** Every atom of `0 .. numAtoms - 1` in exactly one non-empty molecule, in order, ≤ max molecules. */
export function expectValidBoundaries(
  boundaries: number[],
  numAtoms: number,
  maxMolecules: number,
): void {
  expect(boundaries[0]).toBe(0)
  expect(boundaries[boundaries.length - 1]).toBe(numAtoms)
  const molecules = toMolecules(boundaries)
  expect(molecules.length).toBeLessThanOrEqual(maxMolecules)
  if (numAtoms > 0) expect(molecules.length).toBeGreaterThanOrEqual(1)
  const owner = new Int32Array(numAtoms).fill(-1)
  const problems: string[] = []
  molecules.forEach((m, id) => {
    if (m.id !== id) problems.push(`molecule ${id} has id ${m.id}`)
    if (m.end <= m.start) problems.push(`molecule ${id} is empty`)
    for (let i = m.start; i < m.end; i++) {
      if (owner[i] !== -1) problems.push(`atom ${i} is in molecules ${owner[i]} and ${id}`)
      owner[i] = id
    }
  })
  owner.forEach((o, i) => {
    if (o < 0) problems.push(`atom ${i} is in no molecule`)
    else if (i > 0 && o < (owner[i - 1] as number)) problems.push(`atom ${i} is out of order`)
  })
  expect(problems).toEqual([])
}

/** The smallest possible bottleneck of `m` contiguous molecules (dynamic programming). */
export function optimalBottleneck(costs: number[], m: number): number {
  const n = costs.length
  const prefix = [0]
  for (const c of costs) prefix.push((prefix[prefix.length - 1] as number) + c)
  // best[j][i]: min bottleneck of the first i atoms in at most j molecules
  let best = prefix.map((p, i) => (i === 0 ? 0 : p))
  for (let j = 2; j <= m; j++) {
    const next = [0]
    for (let i = 1; i <= n; i++) {
      let value = best[i] as number
      for (let s = 1; s < i; s++) {
        value = Math.min(
          value,
          Math.max(best[s] as number, (prefix[i] as number) - (prefix[s] as number)),
        )
      }
      next.push(value)
    }
    best = next
  }
  return best[n] as number
}

/** The largest total cost of one molecule among `boundaries`. */
export function maxMoleculeCost(boundaries: number[], costs: number[]): number {
  let max = 0
  for (let k = 0; k + 1 < boundaries.length; k++) {
    let sum = 0
    for (let i = boundaries[k] as number; i < (boundaries[k + 1] as number); i++) {
      sum += costs[i] as number
    }
    max = Math.max(max, sum)
  }
  return max
}
