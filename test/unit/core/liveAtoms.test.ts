import { describe, expect, it } from 'vitest'
import {
  liveAtoms,
  MIN_PROGRESS_INTERVAL_MS,
  progressIntervalMs,
  reportsDue,
} from '../../../src/core/liveAtoms.js'
import { markCrashed, markDone, markStarted } from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

function manifest() {
  return testManifest({
    target: 'local',
    numAtoms: 30,
    boundaries: [0, 10, 20, 30],
    workers: 2,
    maxAttempts: 3,
    now: new Date(0),
  })
}

describe('liveAtoms', () => {
  it('counts done molecules whole and running ones by the best report of their open attempts', () => {
    // Prepare: molecule 0 done, molecule 1 running with a backup copy, molecule 2 pending
    let m = manifest()
    m = markStarted(m, 0, 1, 1)
    m = markDone(m, 0, { attempt: 1, startedAt: 1, endedAt: 2, atomsOk: 10, atomsFailed: 0 }, 2)
    m = markStarted(m, 1, 1, 3)
    m = markStarted(m, 1, 2, 4, true)
    const reports: Record<string, number> = { '1/1': 7, '1/2': 4, '2/1': 5 }

    // Act
    const n = liveAtoms(m, (id, a) => reports[`${id}/${a.attempt}`])

    // Assess: 10 + max(7, 4); molecule 2 has no open attempt
    expect(n).toBe(17)
  })

  it("drops a crashed attempt's atoms (they run again) and never counts past a molecule's size", () => {
    let m = manifest()
    m = markStarted(m, 0, 1, 1)
    m = markStarted(m, 1, 1, 1)
    m = markCrashed(m, 0, 1, 'worker crashed', 2)
    m = markStarted(m, 0, 2, 3)
    const reports: Record<string, number> = { '0/1': 8, '0/2': 1, '1/1': 99 }
    expect(liveAtoms(m, (id, a) => reports[`${id}/${a.attempt}`])).toBe(1 + 10)
  })
})

describe('progressIntervalMs', () => {
  it('spends 1% of the compute bill on PUTs by default: every 21.7 s at 1769 MB on arm64', () => {
    expect(progressIntervalMs({ memoryMb: 1769, architecture: 'arm64' })).toBe(21_708)
    expect(progressIntervalMs({ memoryMb: 128, architecture: 'arm64' })).toBe(299_999)
  })

  it('never reports more often than the minimum, and not at all with a share of 0', () => {
    expect(progressIntervalMs({ memoryMb: 10_240, architecture: 'x86_64', share: 1 })).toBe(
      MIN_PROGRESS_INTERVAL_MS,
    )
    expect(progressIntervalMs({ memoryMb: 1769, architecture: 'arm64', share: 0 })).toBeUndefined()
  })

  it('counts the intervals an attempt has passed', () => {
    expect(reportsDue(1000, 1000 + 4999, 2500)).toBe(1)
    expect(reportsDue(1000, 500, 2500)).toBe(0)
  })
})
