import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import { measuredCost } from '../../../src/core/measuredCost.js'
import { testManifest } from '../../helpers/manifest.js'
import { flatOverheads } from '../../helpers/overheads.js'

/** Overheads with no spread, so that every figure below can be worked out by hand. */
const overheads = flatOverheads(0.1)

/** A cloud job of 3 molecules: one retried after a crash, one with a speculative copy that was cancelled. */
function cloudJob(): Manifest {
  const m = testManifest({ target: 'aws', numAtoms: 30, boundaries: [0, 10, 20, 30], workers: 1 })
  const t = 1_000_000
  const done = (attempt: number, startedAt: number, billedMs: number, extra = {}) => ({
    attempt,
    startedAt,
    endedAt: startedAt + billedMs,
    durationMs: billedMs - 5,
    billedMs,
    atomsOk: 10,
    atomsFailed: 0,
    rows: 10,
    ...extra,
  })
  return {
    ...m,
    createdAt: new Date(t - 1000).toISOString(),
    updatedAt: new Date(t + 9000).toISOString(),
    status: 'succeeded',
    molecules: [
      {
        ...(m.molecules[0] as Manifest['molecules'][number]),
        status: 'done',
        attempts: [done(1, t, 1000)],
      },
      {
        ...(m.molecules[1] as Manifest['molecules'][number]),
        status: 'done',
        attempts: [
          { attempt: 1, startedAt: t, endedAt: t + 500, error: 'worker crashed: boom' },
          done(2, t + 600, 2000, { atomsOk: 9, atomsFailed: 1 }),
        ],
      },
      {
        ...(m.molecules[2] as Manifest['molecules'][number]),
        status: 'done',
        attempts: [
          { attempt: 1, startedAt: t, endedAt: t + 4000, cancelled: true, error: 'cancelled' },
          done(2, t + 3000, 1500, { speculative: true }),
        ],
      },
    ],
  }
}

describe('measuredCost', () => {
  it("counts every attempt's billed duration: retries and speculative copies included", () => {
    // Act
    const c = measuredCost(cloudJob(), { memoryMb: 2048, overheads, wallMs: 10_000 })
    // Assess: 5 attempts; reported 1000 + 2000 + 1500 (the crash and the cancelled copy reported
    // none), each + 20 ms + 0.1 ms × its 10 rows that the report leaves out (the partial's write)
    expect(c.basis).toBe('lambda')
    expect(c.workers).toEqual({
      invocations: 5,
      billedMs: 4563,
      reportedMs: 4500,
      gbSeconds: 2 * 4.563,
      unbilled: 2,
      retries: 1,
      speculative: 1,
      cancelled: 1,
      failed: 1,
    })
    // tallies simulated on the end times (1 s, 2.6 s, 4.5 s after the first start): at 2 s, 4.04 s, 6.08 s
    expect(c.tallies).toEqual({ count: 3, source: 'modelled' })
    expect(c.requests.invocations.total).toBe(1 + 5 + 3 + 1)
    expect(c.requests.transitions).toBe(3 * 3 + 3)
    // orchestration: plan 100 + 3 × 1, tallies 3 × 40, reduce 200 + 3 × 2
    expect(c.orchestration.billedMs).toBe(103 + 120 + 206)
    expect(c.cost.gbSeconds).toBeCloseTo(9.126 + 0.103 + 0.5 * 0.12 + (3008 / 1024) * 0.206, 12)
    expect(c.cost.lambdaRequestsUsd).toBeCloseTo(10 * 0.2e-6, 15)
  })

  it('takes the transitions and tallies of the execution history when it was read', () => {
    // Act
    const c = measuredCost(cloudJob(), { overheads, execution: { tallies: 7, transitions: 25 } })
    // Assess
    expect(c.tallies).toEqual({ count: 7, source: 'execution history' })
    expect(c.requests.transitions).toBe(25)
    expect(c.cost.stepFunctionsUsd).toBeCloseTo(25 * 0.025e-3, 15)
    expect(c.memoryMb).toBe(1769)
  })

  it("prices a local run at Lambda's CPU share for the memory asked, with the per-invocation overhead", () => {
    // Prepare: the same attempts, run locally
    const local = { ...cloudJob(), target: 'local' as const }
    // Act
    const at1769 = measuredCost(local, { overheads })
    const at884 = measuredCost(local, { overheads, memoryMb: 884 })
    // Assess: every attempt's billed figure, or its wall time when it has none, + 30 ms each
    expect(at1769.basis).toBe('local-as-lambda')
    expect(at1769.workers.billedMs).toBe(1030 + 530 + 2030 + 4030 + 1530)
    expect(at1769.workers.unbilled).toBe(0)
    const s = 1769 / 884
    expect(at884.workers.billedMs).toBe(
      [1000, 500, 2000, 4000, 1500].reduce((sum, ms) => sum + Math.ceil(ms * s + 30), 0),
    )
  })
})
