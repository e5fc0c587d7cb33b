import { describe, expect, it } from 'vitest'
import {
  finalStatus,
  isFinished,
  markCrashed,
  markDone,
  markStarted,
  pendingDispatches,
  progressOf,
} from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

function manifest(maxAttempts = 2) {
  return testManifest({
    target: 'local',
    numAtoms: 10,
    boundaries: [0, 3, 5, 8, 10],
    workers: 2,
    maxAttempts,
    now: new Date(0),
  })
}

describe('schedule', () => {
  it('dispatches every pending molecule with attempt 1, then none once started', () => {
    // Prepare
    let m = manifest()
    // Act
    const first = pendingDispatches(m)
    for (const d of first) m = markStarted(m, d.moleculeId, d.attempt, 1)
    // Assess
    expect(first).toEqual([
      { moleculeId: 0, start: 0, end: 3, attempt: 1 },
      { moleculeId: 1, start: 3, end: 5, attempt: 1 },
      { moleculeId: 2, start: 5, end: 8, attempt: 1 },
      { moleculeId: 3, start: 8, end: 10, attempt: 1 },
    ])
    expect(pendingDispatches(m)).toEqual([])
    expect(m.status).toBe('running')
    expect(isFinished(m)).toBe(false)
  })

  it('retries a crashed molecule with the next attempt, then fails it after maxAttempts', () => {
    // Prepare
    let m = markStarted(manifest(2), 1, 1, 1)
    // Act
    m = markCrashed(m, 1, 1, 'worker died', 2)
    const retry = pendingDispatches(m).find((d) => d.moleculeId === 1)
    m = markStarted(m, 1, 2, 3)
    m = markCrashed(m, 1, 2, 'worker died again', 4)
    // Assess
    expect(retry?.attempt).toBe(2)
    expect(m.molecules[1]?.status).toBe('failed')
    expect(m.molecules[1]?.attempts.map((a) => a.error)).toEqual([
      'worker died',
      'worker died again',
    ])
  })

  it('counts atoms by state and decides the final status', () => {
    // Prepare
    let m = manifest(1)
    for (const d of pendingDispatches(m)) m = markStarted(m, d.moleculeId, 1, 1)
    // Act
    m = markDone(m, 0, { attempt: 1, startedAt: 1, atomsOk: 3, atomsFailed: 0 }, 2)
    m = markDone(m, 1, { attempt: 1, startedAt: 1, atomsOk: 1, atomsFailed: 1 }, 2)
    m = markDone(m, 2, { attempt: 1, startedAt: 1, atomsOk: 3, atomsFailed: 0 }, 2)
    const before = isFinished(m)
    m = markCrashed(m, 3, 1, 'boom', 3)
    // Assess
    expect(before).toBe(false)
    expect(isFinished(m)).toBe(true)
    expect(progressOf(m)).toEqual({
      molecules: 4,
      moleculesDone: 3,
      moleculesFailed: 1,
      atoms: 10,
      atomsDone: 10,
      atomsFailed: 3,
    })
    expect(finalStatus(m)).toBe('failed')
  })

  it('never mutates the manifest it is given', () => {
    // Prepare
    const m = manifest()
    const copy = structuredClone(m)
    // Act
    markStarted(m, 0, 1, 5)
    markCrashed(m, 0, 1, 'x', 6)
    // Assess
    expect(m).toEqual(copy)
  })
})
