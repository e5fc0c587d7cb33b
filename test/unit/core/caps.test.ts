import { describe, expect, it } from 'vitest'
import {
  capBudget,
  capShares,
  chargeOpenAttempts,
  perExecutionUsd,
} from '../../../src/core/caps.js'
import { manifestCostUsd } from '../../../src/core/cost.js'
import type { Manifest } from '../../../src/core/manifest.js'
import { markDone, markStarted } from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

/** Four molecules of one atom; molecule 0 done after 1 s, molecule 1 running since t=0. */
function halfway(): Manifest {
  let m = testManifest({ target: 'local', numAtoms: 4, boundaries: [0, 1, 2, 3, 4], workers: 2 })
  m = markStarted(m, 0, 1, 0)
  m = markStarted(m, 1, 1, 0)
  const ran = { attempt: 1, startedAt: 0, endedAt: 1000, durationMs: 1000, billedMs: 1000 }
  return markDone(m, 0, { ...ran, atomsOk: 1, atomsFailed: 0, rows: 1 }, 1000)
}

describe('capBudget', () => {
  it('allows what fits under the cap after the cost so far, the reserve and the running molecules', () => {
    // Prepare: $0.10 spent, one running at $0.10, $0.20 reserved: 0.60 left of 1.00 → 6 more
    const m = halfway()
    // Act
    const b = capBudget(m, 1000, { maxCostUsd: 1, reservedUsd: 0.2 }, 0.1, 0.1)
    const tight = capBudget(m, 1000, { maxCostUsd: 1, reservedUsd: 0.2 }, 0.1, 0.25)
    // Assess
    expect(b.allowed).toBe(6)
    expect(b.holding).toBeUndefined()
    // at $0.25 a molecule: 1 − 0.1 − 0.2 − 0.25 running = 0.45 left, one more of the two waiting
    expect(tight.allowed).toBe(1)
    expect(tight.holding).toBe('cost-cap')
    expect(tight.reached).toBeUndefined() // a molecule still runs
  })

  it('is reached when nothing may start and nothing runs, naming the cost so far and the reserve', () => {
    // Prepare: molecule 1 ended too
    const ran = { attempt: 1, startedAt: 0, endedAt: 1000, durationMs: 1000, billedMs: 1000 }
    const m = markDone(halfway(), 1, { ...ran, atomsOk: 1, atomsFailed: 0, rows: 1 }, 1000)
    // Act
    const b = capBudget(m, 1000, { maxCostUsd: 0.5, reservedUsd: 0.2 }, 0.2, 0.1)
    // Assess: 0.5 − 0.4 = 0.1 left is one molecule exactly; 0.45 left of a 0.5 cap is none
    expect(b.allowed).toBe(1)
    const none = capBudget(m, 1000, { maxCostUsd: 0.45, reservedUsd: 0.2 }, 0.2, 0.1)
    expect(none.allowed).toBe(0)
    expect(none.reached?.limit).toBe('cost-cap')
    expect(none.reached?.cause).toContain(
      '$0.400 ($0.200 of it kept for the plan, tallies and reduce)',
    )
    expect(none.reached?.cause).toContain('2 of 4 molecules not run')
  })

  it('holds everything at the deadline, and without caps allows everything', () => {
    // Act
    const late = capBudget(halfway(), 5000, { deadline: 4000 }, 0, 0)
    const free = capBudget(halfway(), 5000, {}, 123, 1)
    // Assess
    expect(late).toMatchObject({ allowed: 0, holding: 'deadline' })
    expect(late.reached).toBeUndefined() // molecule 1 still runs
    expect(free).toEqual({ allowed: Number.POSITIVE_INFINITY })
  })
})

describe('capBudget with an in-flight share (the cloud: running Lambdas cannot be stopped)', () => {
  it('puts only that share of what is left in flight, and one molecule when nothing runs', () => {
    // Prepare: nothing started; $1.00 cap, $0.20 reserved, $0.10 a molecule
    const fresh = testManifest({
      target: 'aws',
      numAtoms: 10,
      boundaries: [...Array(11).keys()],
      workers: 2,
    })
    // Act
    const whole = capBudget(fresh, 0, { maxCostUsd: 1, reservedUsd: 0.2 }, 0, 0.1)
    const half = capBudget(
      fresh,
      0,
      { maxCostUsd: 1, reservedUsd: 0.2, inFlightShare: 0.5 },
      0,
      0.1,
    )
    const last = capBudget(
      fresh,
      0,
      { maxCostUsd: 1, reservedUsd: 0.8, inFlightShare: 0.5 },
      0.1,
      0.1,
    )
    // Assess: 0.8 left → 8 at once, or 4 at half; 0.1 left → the one that fits
    expect(whole.allowed).toBe(8)
    expect(half.allowed).toBe(4)
    expect(last.allowed).toBe(1)
    expect(last.reached).toBeUndefined()
  })
})

describe('perExecutionUsd', () => {
  it('takes the mean of the ended executions, never below the estimate', () => {
    const m = halfway()
    expect(perExecutionUsd(m, 0.3, 0.1)).toBeCloseTo(0.3)
    expect(perExecutionUsd(m, 0.3, 0.5)).toBe(0.5)
    // nothing ended yet: the estimate
    const fresh = testManifest({ target: 'local', numAtoms: 1, boundaries: [0, 1], workers: 1 })
    expect(perExecutionUsd(fresh, 0, 0.07)).toBe(0.07)
    expect(perExecutionUsd(fresh, 0, undefined)).toBe(0)
  })
})

describe('chargeOpenAttempts', () => {
  it('bills a running execution for the time it has run, leaving ended ones as they are', () => {
    // Act
    const charged = chargeOpenAttempts(halfway(), 2500)
    // Assess
    expect(charged.molecules[0]?.attempts[0]?.billedMs).toBe(1000)
    expect(charged.molecules[1]?.attempts[0]?.billedMs).toBe(2500)
    expect(manifestCostUsd(charged)).toBeGreaterThan(manifestCostUsd(halfway()))
  })
})

describe('capShares', () => {
  it('splits the high estimate into one molecule’s worker share and the reserve', () => {
    // Prepare: 10 molecules, 10 invocations, 100 s billed at 1024 MB arm64 (high)
    const e = {
      molecules: 10,
      memoryMb: 1024,
      architecture: 'arm64' as const,
      workers: {
        invocations: 10,
        billedMs: { low: 50_000, mid: 80_000, high: 100_000 },
        gbSeconds: { low: 50, mid: 80, high: 100 },
      },
      usd: { low: 0.001, mid: 0.002, high: 0.003 },
    }
    // Act
    const shares = capShares(e)
    // Assess: 100 GB-s × $0.0000133334 + 10 × $0.0000002 + 10 PUTs × $0.000005 + 20 GETs × $0.0000004
    const workers = 100 * 0.0000133334 + 10 * 0.0000002 + 10 * 0.000005 + 20 * 0.0000004
    expect(shares.estimatedMoleculeUsd).toBeCloseTo(workers / 10, 12)
    expect(shares.reservedUsd).toBeCloseTo(0.003 - workers, 12)
  })
})
