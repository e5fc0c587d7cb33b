import { describe, expect, it, vi } from 'vitest'
import { defineJob } from '../../../src/core/job.js'
import { range } from '../../../src/core/sources.js'
import { runMolecule } from '../../../src/runtime/runMolecule.js'

describe('runMolecule', () => {
  it('runs [start, end) and returns rows in atom order with stats', async () => {
    // Prepare
    const job = defineJob({ atoms: () => range(100), run: (i: number) => ({ sq: i * i }) })
    // Act
    const r = await runMolecule(job, {}, [10, 15], { moleculeId: 3, attempt: 2 })
    // Assess
    expect(Array.from(r.table.columns[0]?.values ?? [])).toEqual([10, 11, 12, 13, 14])
    expect(Array.from(r.table.columns[1]?.values ?? [])).toEqual([100, 121, 144, 169, 196])
    expect(r.errors).toEqual([])
    expect(r.stats).toMatchObject({
      moleculeId: 3,
      attempt: 2,
      start: 10,
      end: 15,
      atomsOk: 5,
      atomsFailed: 0,
      rows: 5,
    })
    expect(r.stats.billedMs).toBeGreaterThanOrEqual(Math.ceil(r.stats.durationMs))
  })

  it('records an atom that throws (index, name, message, stack) and goes on', async () => {
    // Prepare
    const job = defineJob({
      atoms: () => range(6),
      run: (i: number) => {
        if (i % 3 === 1) throw new TypeError(`bad atom ${i}`)
        return { i }
      },
    })
    // Act
    const r = await runMolecule(job, {}, [0, 6])
    // Assess
    expect(r.errors.map((e) => [e.atom, e.name, e.message])).toEqual([
      [1, 'TypeError', 'bad atom 1'],
      [4, 'TypeError', 'bad atom 4'],
    ])
    expect(r.errors[0]?.stack).toContain('bad atom 1')
    expect(Array.from(r.table.columns[0]?.values ?? [])).toEqual([0, 2, 3, 5])
    expect(r.stats).toMatchObject({ atomsOk: 4, atomsFailed: 2 })
  })

  it('records a non-scalar row as an atom error naming the field', async () => {
    // Prepare
    const job = defineJob({
      atoms: () => range(2),
      run: (i: number) => ({ v: i ? { nested: i } : 1 }) as never,
    })
    // Act
    const r = await runMolecule(job, {}, [0, 2])
    // Assess
    expect(r.errors).toHaveLength(1)
    expect(r.errors[0]).toMatchObject({ atom: 1, name: 'RowShapeError' })
    expect(r.errors[0]?.message).toContain('field "v"')
  })

  it('runs setup once per job and params, awaits async runs, and flattens row arrays', async () => {
    // Prepare
    const setup = vi.fn(async (p: { k: number }) => ({ k: p.k * 10 }))
    const job = defineJob({
      atoms: () => range(4),
      setup,
      run: async (i: number, ctx) => [
        { i, k: ctx.state.k },
        { i: -i, k: ctx.state.k },
      ],
    })
    // Act
    const a = await runMolecule(job, { k: 1 }, [0, 2])
    const b = await runMolecule(job, { k: 1 }, [2, 4])
    // Assess
    expect(setup).toHaveBeenCalledTimes(1)
    expect(Array.from(a.table.columns[0]?.values ?? [])).toEqual([0, 0, 1, 1])
    expect(Array.from(b.table.columns[1]?.values ?? [])).toEqual([2, -2, 3, -3])
    expect(Array.from(b.table.columns[2]?.values ?? [])).toEqual([10, 10, 10, 10])
    expect(a.stats.setupMs).toBeGreaterThanOrEqual(0)
    expect(b.stats.setupMs).toBe(0)
  })

  it('rejects a range outside the atom source', async () => {
    // Prepare
    const job = defineJob({ atoms: () => range(3), run: (i: number) => ({ i }) })
    // Act / Assess
    await expect(runMolecule(job, {}, [2, 5], { moleculeId: 1 })).rejects.toThrow(
      "molecule 1: range [2, 5) is not within the job's 3 atoms",
    )
  })
})
