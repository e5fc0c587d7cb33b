import { describe, expect, it } from 'vitest'
import { cloudCutOf, type JobEstimate } from '../../../src/runner/estimateJob.js'
import { moleculeChoice } from '../../../src/runner/moleculeChoice.js'

const planned = { numAtoms: 3600, boundaries: [0, 450, 900, 1350, 1800, 2250, 2700, 3150, 3600] }
const options = (over: Record<string, unknown> = {}) => ({
  target: 'aws' as const,
  workers: 2,
  workersGiven: false,
  molecules: undefined as number | undefined,
  atomsPerMolecule: undefined as number | undefined,
  ...over,
})
const estimate = (molecules: number, balanced = true) =>
  ({
    molecules,
    suggestions: [
      { strategy: 'planned', molecules },
      ...(balanced ? [{ strategy: 'balanced', molecules }] : []),
    ],
  }) as unknown as JobEstimate

describe('moleculeChoice', () => {
  it("on a cloud target with no flag, runs the estimate's balanced suggestion, not the core count", () => {
    const o = options()
    expect(moleculeChoice(o, planned, cloudCutOf(o), estimate(32))).toEqual({
      detail:
        "32 molecules of 3600 atoms (the estimate's balanced suggestion; give --molecules to choose)",
      molecules: 32,
    })
  })

  it('keeps --molecules, --atoms-per-molecule and --workers when given, and cuts nothing itself', () => {
    const m = options({ molecules: 100 })
    const k = options({ atomsPerMolecule: 600 })
    const w = options({ workers: 3, workersGiven: true })
    expect(moleculeChoice(m, planned, cloudCutOf(m), estimate(100))).toEqual({
      detail: '100 molecules of 3600 atoms (--molecules)',
    })
    expect(moleculeChoice(k, planned, cloudCutOf(k), estimate(6)).detail).toBe(
      '6 molecules of 3600 atoms (--atoms-per-molecule 600)',
    )
    expect(moleculeChoice(w, planned, cloudCutOf(w), estimate(12)).detail).toBe(
      '12 molecules of 3600 atoms (--workers 3 × 4)',
    )
  })

  it('falls back to the cloud default of 64 workers × 4 without an estimate, saying why', () => {
    const o = options()
    expect(moleculeChoice(o, planned, cloudCutOf(o), undefined)).toEqual({
      detail:
        '256 molecules of 3600 atoms (the cloud default of 64 workers × 4: no estimate to suggest a count (--no-estimate))',
    })
  })

  it('says the local cut: workers × 4', () => {
    const o = options({ target: 'local' })
    expect(moleculeChoice(o, planned, cloudCutOf(o), undefined)).toEqual({
      detail: '8 molecules of 3600 atoms (2 workers × 4)',
    })
  })
})
