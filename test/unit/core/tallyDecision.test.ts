import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import {
  attemptFromReport,
  MAX_WAIT_SECONDS,
  markStarted,
  markStartedMany,
  nextWaitSeconds,
  type PartialReport,
  pendingDispatches,
  type TallySettings,
  tallyDecision,
} from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

const settings: TallySettings = {
  moleculeTimeoutMs: 1000,
  pollSeconds: 2,
  failureTolerance: 1,
  memoryMb: 1024,
  architecture: 'arm64',
}

/** 10 atoms in molecules [0,3) [3,5) [5,8) [8,10), every molecule started at t=0 with attempt 1. */
function running(maxAttempts = 2): Manifest {
  const m = testManifest({
    target: 'aws',
    numAtoms: 10,
    boundaries: [0, 3, 5, 8, 10],
    workers: 2,
    maxAttempts,
    now: new Date(0),
  })
  return markStartedMany(
    m,
    pendingDispatches(m).map((d) => ({ moleculeId: d.moleculeId, attempt: 1, at: 0 })),
    0,
  )
}

function report(attempt: number, atomsFailed = 0, billedMs = 100): PartialReport {
  return {
    attempt,
    startedAt: 10,
    endedAt: 110,
    durationMs: 99.5,
    billedMs,
    atomsOk: 3 - atomsFailed,
    atomsFailed,
    rows: 3 - atomsFailed,
  }
}

const none = new Map<number, PartialReport>()

describe('markStartedMany', () => {
  it('starts many molecules in one pass, as markStarted does one by one', () => {
    // Prepare
    const base = testManifest({
      target: 'aws',
      numAtoms: 4,
      boundaries: [0, 2, 4],
      workers: 1,
      now: new Date(0),
    })
    // Act
    const many = markStartedMany(
      base,
      [
        { moleculeId: 0, attempt: 1, at: 5 },
        { moleculeId: 1, attempt: 1, at: 6 },
      ],
      7,
    )
    const oneByOne = markStarted(markStarted(base, 0, 1, 5), 1, 1, 6)
    // Assess
    expect(many.molecules).toEqual(oneByOne.molecules)
    expect(many.status).toBe('running')
    expect(markStartedMany(base, [], 7)).toBe(base)
  })
})

describe('nextWaitSeconds', () => {
  it('grows ×1.5 up to 10 s while nothing changes, and drops back to pollSeconds on progress', () => {
    // Act
    const waits: number[] = []
    let w = 2
    for (let i = 0; i < 6; i++) {
      w = nextWaitSeconds(w, 2, false)
      waits.push(w)
    }
    // Assess
    expect(waits).toEqual([3, 5, 8, 10, 10, 10])
    expect(MAX_WAIT_SECONDS).toBe(10)
    expect(nextWaitSeconds(10, 2, true)).toBe(2)
    expect(nextWaitSeconds(undefined, 2, false)).toBe(2)
    expect(nextWaitSeconds(30, 30, false)).toBe(30)
  })
})

describe('tallyDecision', () => {
  it('marks molecules with partials done, with their stats, and keeps polling for the rest', () => {
    // Prepare
    const m = running()
    const partials = new Map([
      [0, report(1)],
      [2, report(1, 1)],
    ])
    // Act
    const d = tallyDecision(m, { donePartials: partials, now: 500 }, settings)
    // Assess
    expect(d.status).toBe('running')
    expect(d.newlyDone).toEqual([0, 2])
    expect(d.redispatch).toEqual([])
    expect(d.manifest.molecules[0]).toMatchObject({
      status: 'done',
      attempts: [attemptFromReport(report(1))],
    })
    expect(d.manifest.molecules[2]?.attempts[0]?.atomsFailed).toBe(1)
    expect(d.progress).toMatchObject({ moleculesDone: 2, atomsFailed: 1 })
    expect(d.waitSeconds).toBe(2)
    expect(m.molecules[0]?.status).toBe('running') // input untouched
  })

  it('returns the same manifest when nothing changed, and waits longer', () => {
    // Prepare
    const m = running()
    // Act
    const d = tallyDecision(m, { donePartials: none, now: 500, previousWaitSeconds: 5 }, settings)
    // Assess
    expect(d.manifest).toBe(m)
    expect(d.status).toBe('running')
    expect(d.waitSeconds).toBe(8)
  })

  it('re-dispatches a molecule with attempt 2 once its timeout passed, and fails it after maxAttempts', () => {
    // Prepare
    let m = running(2)
    const rest = new Map([
      [0, report(1)],
      [1, report(1)],
      [2, report(1)],
    ])
    // Act: exactly at the timeout nothing happens; 1 ms later molecule 3 is re-dispatched
    const atTimeout = tallyDecision(m, { donePartials: rest, now: 1000 }, settings)
    m = atTimeout.manifest
    const late = tallyDecision(m, { donePartials: none, now: 1001 }, settings)
    m = late.manifest
    const stillRunning = tallyDecision(m, { donePartials: none, now: 2001 }, settings)
    const failed = tallyDecision(m, { donePartials: none, now: 2002 }, settings)
    // Assess
    expect(atTimeout.redispatch).toEqual([])
    expect(late.redispatch).toEqual([{ moleculeId: 3, start: 8, end: 10, attempt: 2 }])
    expect(late.lapsed).toEqual([3])
    expect(m.molecules[3]?.status).toBe('running')
    expect(m.molecules[3]?.attempts).toEqual([
      {
        attempt: 1,
        startedAt: 0,
        endedAt: 1001,
        error: 'no partial 1000 ms after attempt 1 was dispatched',
      },
      { attempt: 2, startedAt: 1001 },
    ])
    expect(stillRunning.redispatch).toEqual([])
    expect(failed.redispatch).toEqual([])
    expect(failed.newlyFailed).toEqual([3])
    expect(failed.manifest.molecules[3]?.status).toBe('failed')
    expect(failed.status).toBe('done')
    expect(failed.progress).toMatchObject({ moleculesFailed: 1, atomsFailed: 2 })
  })

  it('turns a crash report of the current attempt into a retry at once, and ignores stale ones', () => {
    // Prepare
    const m = running(3)
    // Act
    const d = tallyDecision(
      m,
      {
        donePartials: none,
        crashes: [
          { moleculeId: 1, attempt: 1, error: 'worker crashed: TypeError: x' },
          { moleculeId: 2, attempt: 7, error: 'stale' },
        ],
        now: 10,
      },
      settings,
    )
    // Assess
    expect(d.redispatch).toEqual([{ moleculeId: 1, start: 3, end: 5, attempt: 2 }])
    expect(d.manifest.molecules[1]?.attempts[0]?.error).toBe('worker crashed: TypeError: x')
    expect(d.manifest.molecules[2]?.attempts).toHaveLength(1)
  })

  it('fails a molecule at once on a permanent crash (a partial past its limit), with attempts left', () => {
    // Prepare
    const m = running(3)
    const crash = [{ moleculeId: 1, attempt: 1, error: 'PartialTooLargeError: …', permanent: true }]
    // Act
    const d = tallyDecision(m, { donePartials: none, crashes: crash, now: 10 }, settings)
    // Assess
    expect(d.redispatch).toEqual([])
    expect(d.newlyFailed).toEqual([1])
    expect(d.manifest.molecules[1]).toMatchObject({ status: 'failed' })
    expect(d.manifest.molecules[1]?.attempts).toHaveLength(1)
  })

  it('looks again at the short wait after a re-dispatch, not the grown one', () => {
    // Prepare: nothing ended for a while (the wait grew to 8 s), then a crash is reported
    const m = running(3)
    const crash = [{ moleculeId: 1, attempt: 1, error: 'worker crashed' }]
    // Act
    const d = tallyDecision(
      m,
      { donePartials: none, crashes: crash, now: 10, previousWaitSeconds: 8 },
      settings,
    )
    // Assess: the retry ends soon; without a re-dispatch the wait would grow to 10 s
    expect(d.redispatch).toHaveLength(1)
    expect(d.waitSeconds).toBe(2)
  })

  it('takes a late partial of a molecule given up on as its result', () => {
    // Prepare
    let m = running(1)
    m = tallyDecision(m, { donePartials: none, now: 5000 }, settings).manifest
    // Act
    const d = tallyDecision(m, { donePartials: new Map([[1, report(1)]]), now: 5001 }, settings)
    // Assess
    expect(m.molecules.every((x) => x.status === 'failed')).toBe(true)
    expect(d.manifest.molecules[1]?.status).toBe('done')
    expect(d.newlyDone).toEqual([1])
  })

  it('takes the partial of a slow attempt 1 that beat its retry, counting its failed atoms', () => {
    // Prepare: molecule 0 timed out and was re-dispatched; then attempt 1's partial lands
    let m = running(3)
    m = tallyDecision(m, { donePartials: none, now: 1001 }, settings).manifest
    // Act
    const d = tallyDecision(m, { donePartials: new Map([[0, report(1, 2)]]), now: 1002 }, settings)
    // Assess
    expect(d.manifest.molecules[0]?.status).toBe('done')
    expect(d.manifest.molecules[0]?.attempts.map((a) => a.attempt)).toEqual([2, 1])
    expect(d.progress.atomsFailed).toBe(2)
  })

  it('stops with failure-threshold only when failed atoms exceed the tolerance, strictly', () => {
    // Prepare: molecule 0 fails 1 atom of 10 (10%)
    const m = running()
    const partials = new Map([[0, report(1, 1)]])
    // Act
    const at = tallyDecision(
      m,
      { donePartials: partials, now: 1 },
      { ...settings, failureTolerance: 0.1 },
    )
    const over = tallyDecision(
      m,
      { donePartials: partials, now: 1 },
      { ...settings, failureTolerance: 0.05 },
    )
    // Assess
    expect(at.status).toBe('running')
    expect(over.status).toBe('failure-threshold')
    expect(over.cause).toBe('1 of 10 atoms failed (10%), more than the failure tolerance of 5%')
    expect(over.manifest.status).toBe('failed')
    expect(over.redispatch).toEqual([])
  })

  it('never stops a job with a tolerance of 1, even when every atom failed', () => {
    // Prepare
    let m = running(1)
    // Act
    m = tallyDecision(m, { donePartials: none, now: 1500 }, settings).manifest
    // Assess
    const d = tallyDecision(m, { donePartials: none, now: 1501 }, settings)
    expect(d.progress.atomsFailed).toBe(10)
    expect(d.status).toBe('done')
  })

  it('re-dispatches only what the cost cap allows, and stops at it once nothing runs', () => {
    // Prepare: molecule 0 stored a partial billed 1,000,000 ms at 1 GB ($0.0133334 compute);
    // molecules 1-3 hung past the timeout at t=1500, so they wait for attempt 2
    const m = running()
    const partials = new Map([[0, report(1, 0, 1_000_000)]])
    const input = { donePartials: partials, now: 1500 }
    // Act
    const roomy = tallyDecision(m, input, { ...settings, costCapUsd: 1 })
    const one = tallyDecision(m, input, { ...settings, costCapUsd: 0.03 })
    const reached = tallyDecision(m, input, { ...settings, costCapUsd: 0.02 })
    // Assess: each next molecule is priced at the mean of those that ended
    expect(roomy.status).toBe('running')
    expect(roomy.redispatch.map((d) => d.moleculeId)).toEqual([1, 2, 3])
    expect(one.status).toBe('running')
    expect(one.redispatch.map((d) => d.moleculeId)).toEqual([1])
    expect(one.manifest.molecules.map((x) => x.status)).toEqual([
      'done',
      'running',
      'pending',
      'pending',
    ])
    expect(reached.status).toBe('cost-cap')
    expect(reached.redispatch).toEqual([])
    expect(reached.manifest.status).toBe('cost-cap')
    expect(reached.cause).toMatch(
      /^the cost so far, \$0\.0133\d*, and \$0\.0133\d* for each next molecule would pass the cost cap of \$0\.02; 3 of 4 molecules not run$/,
    )
    expect(reached.manifest.error).toBe(reached.cause)
  })

  it('prices molecules at the estimate before any ended, and lets running ones finish', () => {
    // Prepare: four molecules running, none ended; the estimate says $0.01 each
    const m = running()
    // Act: the cap is already spoken for by what runs, but nothing is pending yet
    const d = tallyDecision(
      m,
      { donePartials: none, now: 1 },
      { ...settings, costCapUsd: 0.015, estimatedMoleculeUsd: 0.01 },
    )
    // Assess
    expect(d.status).toBe('running')
    expect(d.redispatch).toEqual([])
  })

  it('dispatches nothing after the deadline, and stops once nothing runs', () => {
    // Prepare
    const m = running()
    const all = new Map([0, 1, 2, 3].map((id) => [id, report(1)]))
    // Act
    const runningAt = tallyDecision(
      m,
      { donePartials: none, now: 100 },
      { ...settings, deadline: 100 },
    )
    const hungBefore = tallyDecision(
      m,
      { donePartials: none, now: 1500 },
      { ...settings, deadline: 2000 },
    )
    const hungAfter = tallyDecision(
      m,
      { donePartials: none, now: 1500 },
      { ...settings, deadline: 100 },
    )
    const finished = tallyDecision(
      m,
      { donePartials: all, now: 100 },
      { ...settings, deadline: 100 },
    )
    // Assess: running molecules finish; retries of the hung ones start only before the deadline
    expect(runningAt.status).toBe('running')
    expect(hungBefore.status).toBe('running')
    expect(hungBefore.redispatch).toHaveLength(4)
    expect(hungAfter.status).toBe('deadline')
    expect(hungAfter.redispatch).toEqual([])
    expect(hungAfter.manifest.status).toBe('deadline')
    expect(hungAfter.cause).toBe(
      'the deadline 1970-01-01T00:00:00.100Z passed with 4 of 4 molecules not run',
    )
    expect(finished.status).toBe('done')
  })

  it('is done at once for a job without atoms', () => {
    // Prepare
    const m = testManifest({
      target: 'aws',
      numAtoms: 0,
      boundaries: [0],
      workers: 1,
    })
    // Act
    const d = tallyDecision(m, { donePartials: none, now: 1 }, settings)
    // Assess
    expect(d.status).toBe('done')
    expect(d.redispatch).toEqual([])
  })
})
