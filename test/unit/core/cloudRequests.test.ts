import { describe, expect, it } from 'vitest'
import { cloudRequests, tallyLoops } from '../../../src/core/cloudRequests.js'

describe('cloudRequests', () => {
  it('counts the requests of a run of 8 molecules, one retried, one with atom errors', () => {
    // Prepare: 9 attempts (one retry), 8 finished to their PUT, 8 partials, 1 errors file,
    // 8 containers, 4 tallies, 20 reads of the manifest by the CLI
    const shape = {
      molecules: 8,
      attempts: 9,
      finishedAttempts: 8,
      storedPartials: 8,
      errorFiles: 1,
      containers: 8,
      tallies: 4,
      clientPolls: 20,
    }
    // Act
    const r = cloudRequests(shape)
    // Assess
    expect(r.invocations).toEqual({ plan: 1, worker: 9, tally: 4, reduce: 1, total: 15 })
    expect(r.transitions).toBe(3 * 4 + 3)
    // PUTs: bundle 1 + plan 2 + partials 8 + errors 1 + manifest by tallies 4 + reduce 2 + errors table 1 + summary 1
    expect(r.s3Puts).toBe(20)
    // LISTs: each tally lists partials (1 page) and crash records
    expect(r.s3Lists).toBe(8)
    // GETs: CLI 20 + 5; plan 3; HEAD per attempt 9; bundle per container 8; tallies 4;
    // footers 8; reduce: manifest 1, partials 8, errors 1
    expect(r.s3Gets).toBe(20 + 5 + 3 + 9 + 8 + 4 + 8 + 1 + 8 + 1)
  })

  it('pages the LIST of partials by 1,000 keys', () => {
    const r = cloudRequests({
      molecules: 2500,
      attempts: 2500,
      finishedAttempts: 2500,
      storedPartials: 2500,
      errorFiles: 0,
      containers: 1000,
      tallies: 10,
      clientPolls: 0,
    })
    expect(r.s3Lists).toBe(10 * (3 + 1))
  })
})

describe('tallyLoops', () => {
  it('tallies every pollSeconds while molecules end, and waits longer while none does', () => {
    // Assess: ends at 1 s and 1.5 s are seen by the first tally (2 s); the last (2.5 s) by the second
    expect(tallyLoops([1000, 1500, 2500], { pollSeconds: 2, tallyMs: 100 })).toEqual({
      loops: 2,
      doneAtMs: 4100,
    })
    // one molecule of 30 s: waits 2, 3, 5, 8, 10, 10 s (+ 100 ms per tally) until one sees it
    expect(tallyLoops([30_000], { pollSeconds: 2, tallyMs: 100 })).toEqual({
      loops: 6,
      doneAtMs: 38_500,
    })
  })

  it('needs one tally when everything ended before the first', () => {
    expect(tallyLoops([], { pollSeconds: 2, tallyMs: 50 })).toEqual({ loops: 1, doneAtMs: 2000 })
  })
})
