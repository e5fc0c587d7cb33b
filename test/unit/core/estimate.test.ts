import { describe, expect, it } from 'vitest'
import { type EstimateRequest, estimateCut } from '../../../src/core/estimate.js'
import { linParts } from '../../../src/core/parts.js'
import { MEMORY_CANDIDATES, moleculeCandidates, suggest } from '../../../src/core/suggest.js'
import { flatOverheads } from '../../helpers/overheads.js'

/** Overheads with no spread, so that every figure below can be worked out by hand. */
const overheads = flatOverheads()

/** 100 atoms of 10 ms each (CPU), sampled at both ends in three passes. */
function request(fields: Partial<EstimateRequest> = {}): EstimateRequest {
  const pass = { wallMs: 10, cpuMs: 10 }
  return {
    sample: {
      numAtoms: 100,
      points: [
        { index: 0, passes: [pass, pass, pass] },
        { index: 99, passes: [pass, pass, pass] },
      ],
      setupMs: 100,
      importMs: 20,
      rowsPerAtom: 1,
      encodeMsPerRow: 0.01,
      failRate: 0,
      setupMemoryMb: 10,
    },
    boundaries: [0, 50, 100],
    memoryMb: 1769,
    overheads,
    ...fields,
  }
}

describe('estimateCut', () => {
  it('adds up a hand-computed run of two molecules at one vCPU', () => {
    // Act
    const e = estimateCut(request())
    // Assess: per molecule 30 fixed + 50 × 10 atoms + 50 × 0.01 rows = 530.5 ms; each is the first
    // in its container: + 50 fetch + 20 import + 100 setup, and (mid, high) + 200 cold start
    expect(e.moleculeMs).toEqual({ median: 901, max: 901 })
    expect(e.workers.billedMs).toEqual({ low: 2 * 701, mid: 2 * 901, high: 2 * 901 })
    expect(e.workers.gbSeconds.mid).toBeCloseTo((1769 / 1024) * 1.802, 12)
    expect(e.containers).toBe(2)
    // plan 100 + 2 × 1 = 102 ms; molecules end 900 and 901 ms after plan returns, so the first
    // tally (2 s) sees both; reduce 200 + 2 × 2 = 204 ms; the CLI 300 ms
    expect(e.wallMs.mid).toBe(300 + 102 + 2000 + 40 + 204)
    expect(e.requests.invocations.mid).toBe(5)
    expect(e.requests.transitions.mid).toBe(6)
    expect(e.requests.s3Puts.mid).toBe(9)
    expect(e.requests.s3Lists.mid).toBe(2)
    expect(e.requests.s3Gets.mid).toBe(6 + 5 + 3 + 2 + 2 + 1 + 2 + 1 + 2)
    const gbs = (1769 / 1024) * 1.802 + 1 * 0.102 + 0.5 * 0.04 + (3008 / 1024) * 0.204
    expect(e.gbSeconds.mid).toBeCloseTo(gbs, 12)
    const usd = gbs * 0.0000133334 + 5 * 0.2e-6 + 6 * 0.025e-3 + 11 * 0.005e-3 + 24 * 0.0004e-3
    expect(e.usd.mid).toBeCloseTo(usd, 15)
    expect(e.breakdown.totalUsd).toBe(e.usd.mid)
    expect(e.fitsTimeout).toBe(true)
    expect(e.memoryFloorMb).toBe(150)
    expect(e.prices.region).toBe('us-east-1')
  })

  it('runs atoms slower below 1,769 MB, in proportion, and no faster above', () => {
    // Act
    const half = estimateCut(request({ memoryMb: 884 }))
    const double = estimateCut(request({ memoryMb: 3538 }))
    const one = estimateCut(request())
    // Assess: at 884 MB the CPU work (atoms, rows, import, setup, cold start) takes 1769/884 as long
    const s = 1769 / 884
    expect(half.moleculeMs.max).toBe(Math.ceil(30 + 50 + (500 + 0.5 + 20 + 100 + 200) * s))
    expect(double.moleculeMs.max).toBe(one.moleculeMs.max)
    expect(double.workers.gbSeconds.mid).toBeCloseTo(2 * one.workers.gbSeconds.mid, 9)
  })

  it('reuses warm containers once molecules outnumber the concurrency', () => {
    // Act: 4 molecules of 25 atoms on 2 containers
    const e = estimateCut(request({ boundaries: [0, 25, 50, 75, 100], concurrency: 2 }))
    // Assess: 2 cold first molecules, 2 warm ones (no fetch, setup or cold start)
    expect(e.containers).toBe(2)
    const warm = Math.ceil(30 + 250 + 0.25)
    const cold = Math.ceil(200 + 50 + 20 + 100 + 30 + 250 + 0.25)
    expect(e.workers.billedMs.mid).toBe(2 * cold + 2 * warm)
  })

  it('widens the range by the spread of the passes', () => {
    // Prepare: each point timed 8, 10 and 14 ms
    const passes = [8, 10, 14].map((ms) => ({ wallMs: ms, cpuMs: ms }))
    const r = request()
    r.sample = {
      ...r.sample,
      points: [
        { index: 0, passes },
        { index: 99, passes },
      ],
    }
    // Act
    const e = estimateCut(r)
    // Assess: atoms 50 × 8 / 10 / 14 ms per molecule
    expect(e.workers.billedMs.low).toBe(2 * Math.ceil(30 + 400 + 0.5 + 170))
    expect(e.workers.billedMs.mid).toBe(2 * Math.ceil(30 + 500 + 0.5 + 370))
    expect(e.workers.billedMs.high).toBe(2 * Math.ceil(30 + 700 + 0.5 + 370))
    expect(e.usd.low).toBeLessThan(e.usd.mid)
    expect(e.usd.mid).toBeLessThan(e.usd.high)
  })

  it('says when the slowest molecule would not end within the worker timeout', () => {
    expect(estimateCut(request({ timeoutSeconds: 0.5 })).fitsTimeout).toBe(false)
  })
})

describe('suggest', () => {
  const cut = (m: number) => linParts(100, m)

  /** Every configuration suggest may choose from, estimated one by one. */
  function grid(r: EstimateRequest) {
    const out = []
    for (const memoryMb of MEMORY_CANDIDATES) {
      if (memoryMb < estimateCut(r).memoryFloorMb) continue
      for (const molecules of moleculeCandidates(100, 1000, 2)) {
        const e = estimateCut({ ...r, memoryMb, boundaries: cut(molecules) })
        if (e.fitsTimeout) out.push(e)
      }
    }
    return out
  }

  it('puts the planned configuration first, then the cheapest, the fastest and the balanced one', () => {
    // Act
    const s = suggest(request(), { cut })
    // Assess
    expect(s.map((x) => x.strategy)).toEqual(['planned', 'cost', 'speed', 'balanced'])
    expect(s[0]).toMatchObject({ memoryMb: 1769, molecules: 2 })
    const all = grid(request())
    const cheapest = Math.min(...all.map((e) => e.usd.mid))
    const fastest = Math.min(...all.map((e) => e.wallMs.mid))
    expect(s[1]?.usd).toBe(cheapest)
    expect(s[2]?.wallMs).toBe(fastest)
    // the job's floor is 150 MB: 128 MB is never suggested
    for (const x of s) expect(x.memoryMb).toBeGreaterThanOrEqual(150)
    // no gain above one vCPU for single-threaded atoms: the fastest never pays for more
    expect(s[2]?.memoryMb).toBeLessThanOrEqual(1769)
  })

  it('balances cost against time as Power Tuning does: weight 1 is the cheapest, 0 the fastest', () => {
    // Act
    const costOnly = suggest(request(), { cut, balancedWeight: 1 })
    const speedOnly = suggest(request(), { cut, balancedWeight: 0 })
    // Assess
    expect(costOnly[3]?.usd).toBe(costOnly[1]?.usd)
    expect(speedOnly[3]?.wallMs).toBe(speedOnly[2]?.wallMs)
  })

  it('leaves out configurations whose molecules would run past the timeout', () => {
    // Act
    const r = request({ timeoutSeconds: 0.9 })
    const s = suggest(r, { cut })
    // Assess: the planned cut (two molecules of ~901 ms) does not fit; every suggestion does
    expect(estimateCut(r).fitsTimeout).toBe(false)
    for (const x of s.slice(1)) {
      const e = estimateCut({ ...r, memoryMb: x.memoryMb, boundaries: cut(x.molecules) })
      expect(e.fitsTimeout).toBe(true)
    }
    expect(grid(r).length).toBeLessThan(grid(request()).length)
  })
})

describe('moleculeCandidates', () => {
  it('tries powers of two up to the atoms and the concurrency, and the planned count', () => {
    expect(moleculeCandidates(100, 1000, 7)).toEqual([1, 2, 4, 7, 8, 16, 32, 64, 100])
    expect(moleculeCandidates(1e6, 1000, 8)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000])
  })
})
