import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import {
  effectiveStatus,
  finalStatus,
  isResumable,
  markCancelled,
  markCrashed,
  markDone,
  markInterrupted,
  markStarted,
  pendingDispatches,
  shouldCommit,
  speculativeDispatches,
  timedOutAttempts,
} from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

function manifest(maxAttempts = 3): Manifest {
  return testManifest({
    target: 'local',
    numAtoms: 100,
    boundaries: [0, 25, 50, 75, 100],
    workers: 4,
    maxAttempts,
    now: new Date(0),
  })
}

function startAll(m: Manifest, at = 0): Manifest {
  let out = m
  for (const d of pendingDispatches(out)) out = markStarted(out, d.moleculeId, d.attempt, at)
  return out
}

const ok = (attempt: number, durationMs: number, startedAt = 0) => ({
  attempt,
  startedAt,
  endedAt: startedAt + durationMs,
  durationMs,
  atomsOk: 25,
  atomsFailed: 0,
})

describe('speculative copies', () => {
  it('copies a straggler once half the molecules are done and it runs 3× the median', () => {
    // Prepare: molecules 0 and 1 took 2 s; 2 is done late; 3 still runs
    let m = startAll(manifest())
    m = markDone(m, 0, ok(1, 2000), 2000)
    m = markDone(m, 1, ok(1, 2000), 2000)
    // Act
    const early = speculativeDispatches(m, 6000)
    const late = speculativeDispatches(m, 6001)
    // Assess: threshold = 3 × 2000 ms
    expect(early).toEqual([])
    expect(late).toEqual([
      { moleculeId: 2, start: 50, end: 75, attempt: 2, speculative: true },
      { moleculeId: 3, start: 75, end: 100, attempt: 2, speculative: true },
    ])
  })

  it('makes one copy per molecule, and none before half are done', () => {
    let m = startAll(manifest())
    m = markDone(m, 0, ok(1, 100), 100)
    expect(speculativeDispatches(m, 60_000)).toEqual([])
    m = markDone(m, 1, ok(1, 100), 100)
    m = markStarted(m, 3, 2, 5000, true)
    const copies = speculativeDispatches(m, 60_000)
    expect(copies.map((d) => d.moleculeId)).toEqual([2])
  })

  it('keeps the copy that stores the partial first and cancels the other', () => {
    let m = startAll(manifest())
    m = markStarted(m, 3, 2, 7000, true)
    // Act: the copy wins
    m = markDone(m, 3, ok(2, 1000, 7000), 8000)
    // Assess
    const molecule = m.molecules[3]
    expect(molecule?.status).toBe('done')
    expect(molecule?.attempts).toEqual([
      {
        attempt: 1,
        startedAt: 0,
        endedAt: 8000,
        cancelled: true,
        error: 'cancelled: attempt 2 stored the partial first',
      },
      { ...ok(2, 1000, 7000), speculative: true },
    ])
  })

  it('keeps a molecule running while one copy crashed and the other still runs', () => {
    let m = startAll(manifest(1))
    m = markStarted(m, 3, 2, 7000, true)
    m = markCrashed(m, 3, 1, 'worker died', 7500)
    expect(m.molecules[3]?.status).toBe('running')
    m = markCrashed(m, 3, 2, 'worker died again', 7600)
    expect(m.molecules[3]?.status).toBe('failed')
  })
})

describe('retries, timeouts and interruptions', () => {
  it('finds attempts past their timeout', () => {
    const m = markStarted(startAll(manifest()), 0, 2, 900)
    expect(timedOutAttempts(m, 1000, 1000)).toEqual([])
    expect(timedOutAttempts(m, 1001, 1000)).toEqual([
      { moleculeId: 0, attempt: 1 },
      { moleculeId: 1, attempt: 1 },
      { moleculeId: 2, attempt: 1 },
      { moleculeId: 3, attempt: 1 },
    ])
  })

  it('does not count cancelled copies or interruptions as failures', () => {
    let m = startAll(manifest(1))
    m = markStarted(m, 0, 2, 10, true)
    m = markCancelled(m, 0, 2, 'cancelled: not needed', 20)
    expect(m.molecules[0]?.status).toBe('running')
    m = markInterrupted(m, 30)
    expect(m.molecules.map((x) => x.status)).toEqual(['pending', 'pending', 'pending', 'pending'])
    expect(pendingDispatches(m)[0]).toMatchObject({ moleculeId: 0, attempt: 3 })
    expect(m.molecules[1]?.attempts[0]).toMatchObject({ error: 'interrupted', interrupted: true })
  })

  it('gives a resumed job its whole retry budget again', () => {
    let m = startAll(manifest(1))
    m = markCrashed(m, 0, 1, 'boom', 10)
    expect(m.molecules[0]?.status).toBe('failed')
    // Act: resume
    m = { ...m, resumedAt: new Date(20).toISOString() }
    m = { ...m, molecules: m.molecules.map((x) => (x.id === 0 ? { ...x, status: 'pending' } : x)) }
    m = markStarted(m, 0, 2, 30)
    m = markCrashed(m, 0, 2, 'boom again', 40)
    // Assess: one failure since the resume, the budget of 1 is spent
    expect(m.molecules[0]?.status).toBe('failed')
    expect(m.molecules[0]?.attempts.map((a) => a.attempt)).toEqual([1, 2])
  })

  it('stores a partial with atom errors only on the last attempt with --retry-atoms', () => {
    expect(shouldCommit({ maxAttempts: 3 }, 1, 5)).toBe(true)
    expect(shouldCommit({ maxAttempts: 3, retryAtoms: true }, 1, 5)).toBe(false)
    expect(shouldCommit({ maxAttempts: 3, retryAtoms: true }, 2, 0)).toBe(true)
    expect(shouldCommit({ maxAttempts: 3, retryAtoms: true }, 3, 5)).toBe(true)
  })
})

describe('job status', () => {
  it('succeeds with failed atoms within --tolerate-failures, fails past it', () => {
    let m = startAll(manifest())
    for (const id of [0, 1, 2]) m = markDone(m, id, ok(1, 10), 10)
    m = markDone(m, 3, { ...ok(1, 10), atomsOk: 20, atomsFailed: 5 }, 10)
    expect(finalStatus(m)).toBe('failed')
    expect(finalStatus({ ...m, options: { ...m.options, tolerateFailures: 0.05 } })).toBe(
      'succeeded',
    )
    expect(finalStatus({ ...m, options: { ...m.options, tolerateFailures: 0.049 } })).toBe('failed')
  })

  it('shows a job whose CLI is gone as interrupted and resumable', () => {
    const m: Manifest = {
      ...startAll(manifest()),
      owner: { pid: 4242, host: 'here', heartbeatAt: new Date(1000).toISOString() },
    }
    const check = { now: 2000, host: 'here', isAlive: (pid: number) => pid !== 4242 }
    expect(effectiveStatus(m, check)).toBe('interrupted')
    expect(effectiveStatus(m, { ...check, isAlive: () => true })).toBe('running')
    // another machine's job: only a stale heartbeat tells
    expect(effectiveStatus(m, { ...check, host: 'elsewhere' })).toBe('running')
    expect(effectiveStatus(m, { ...check, host: 'elsewhere', now: 62_001 })).toBe('interrupted')
    expect(isResumable(m, 'interrupted')).toBe(true)
    expect(isResumable(m, 'running')).toBe(false)
  })
})
