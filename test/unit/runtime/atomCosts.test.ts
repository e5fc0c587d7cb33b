import { describe, expect, it } from 'vitest'
import { defineJob } from '../../../src/core/job.js'
import { linParts } from '../../../src/core/parts.js'
import { range } from '../../../src/core/sources.js'
import { atomCosts, cutMolecules } from '../../../src/runtime/atomCosts.js'

/** A CPU-bound atom of a known cost: `n` steps of arithmetic (its cost is work, not wall time). */
function work(n: number): number {
  let x = 0
  for (let k = 0; k < n; k++) x += Math.sqrt(k + x)
  return x
}

function sizes(boundaries: number[]): number[] {
  return boundaries.slice(1).map((b, i) => b - (boundaries[i] as number))
}

describe('atomCosts and cutMolecules', () => {
  it('cuts a uniform 2,300-atom job no worse than linear', async () => {
    // Prepare: the case a user met, where sampling noise cut molecules of 50 to 589 atoms
    const job = defineJob({ atoms: () => range(2300), run: () => ({ x: work(50_000) }) })
    // Act
    const { boundaries, costSource } = await cutMolecules(job, {}, 2300, {
      scheme: 'weighted',
      workers: 2,
    })
    // Assess
    expect(costSource).toMatch(/^measured sample/)
    expect(Math.max(...sizes(boundaries))).toBeLessThanOrEqual(
      Math.max(...sizes(linParts(2300, 8))),
    )
  })

  it('balances atoms whose cost grows with the index, and times each point in several passes', async () => {
    let calls = 0
    const job = defineJob({
      atoms: () => range(400),
      run: (i: number) => {
        calls++
        return { x: work(20_000 + i * 4_000) }
      },
    })
    const { costs, source } = await atomCosts(job, {}, 400)
    expect(source).toBe('measured sample')
    expect(costs[399] as number).toBeGreaterThan(4 * (costs[0] as number))
    // four visits (one untimed) of 32 points, a few atoms each
    expect(calls).toBeGreaterThanOrEqual(4 * 32)
    const { boundaries } = await cutMolecules(job, {}, 400, { scheme: 'weighted', workers: 1 })
    const s = sizes(boundaries)
    expect(s[0] as number).toBeGreaterThan(2 * (s[s.length - 1] as number))
  })

  it("uses the job's cost function as given", async () => {
    const job = defineJob({
      atoms: () => range(6),
      run: () => ({}),
      cost: (_a: number, i: number) => (i < 4 ? 1 : 4),
    })
    const cut = await cutMolecules(job, {}, 6, { scheme: 'weighted', workers: 1, molecules: 2 })
    expect(cut).toEqual({ boundaries: [0, 5, 6], costSource: 'cost function' })
  })

  it('names an atom whose cost is not a number', async () => {
    const job = defineJob({ atoms: () => range(3), run: () => ({}), cost: () => Number.NaN })
    await expect(atomCosts(job, {}, 3)).rejects.toThrow(
      'cost(atom 0) returned NaN; a cost must be a finite number ≥ 0',
    )
  })
})
