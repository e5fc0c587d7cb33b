import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import {
  barText,
  createProgressReporter,
  ProgressState,
  type ProgressView,
  progressLine,
  shortDuration,
} from '../../../src/cli/progress.js'
import type { ProgressEvent } from '../../../src/executors/Executor.js'

function event(over: Partial<ProgressEvent>): ProgressEvent {
  return {
    molecules: 8,
    moleculesDone: 0,
    moleculesFailed: 0,
    atoms: 3600,
    atomsDone: 0,
    atomsFailed: 0,
    atomsRun: 0,
    elapsedMs: 0,
    moleculeId: -1,
    kind: 'atoms',
    ...over,
  }
}

const view: ProgressView = {
  phase: 'running',
  elapsedMs: 3000,
  atoms: 3600,
  atomsRun: 1512,
  atomsFailed: 0,
  molecules: 32,
  moleculesDone: 3,
  moleculesFailed: 0,
  rate: 540,
  remainingMs: 3867,
  costUsd: undefined,
}

/** A stream that records what is written, as stderr without a TTY. */
function sink(tty = false) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text: string }
  stream.text = ''
  stream.write = ((chunk: string) => {
    stream.text += chunk
    return true
  }) as NodeJS.WriteStream['write']
  if (tty) Object.assign(stream, { isTTY: true, columns: 160 })
  return stream
}

describe('progressLine', () => {
  it('says the share of atoms done, the molecules, the rate and the time left', () => {
    expect(progressLine(view)).toBe(
      '42.0% done: 1512/3600 atoms, 3/32 molecules, 540 atoms/s, after 0.05 min, remaining 0.06 min',
    )
  })

  it('adds failures, atom errors and, on cloud targets, the cost so far; ? while the rate is unknown', () => {
    const line = progressLine({
      ...view,
      moleculesFailed: 1,
      atomsFailed: 7,
      remainingMs: undefined,
      costUsd: 0.00123,
    })
    expect(line).toBe(
      '42.0% done: 1512/3600 atoms, 3/32 molecules, 1 failed, 7 atom errors, 540 atoms/s, after 0.05 min, remaining ? min, $0.00123 so far',
    )
  })
})

describe('barText', () => {
  it('shows only the phase and the time so far before the job is planned', () => {
    expect(barText({ ...view, phase: 'bundling', atoms: 0, molecules: 0, atomsRun: 0 })).toEqual({
      head: 'bundling',
      tail: ' | 3s',
      showBar: false,
    })
  })

  it('shows atoms, molecules, rate, ETA and cost once planned', () => {
    const t = barText({ ...view, costUsd: 0.5 })
    expect(t.showBar).toBe(true)
    expect(t.tail).toBe(
      ' 42% | 1512/3600 atoms | 3/32 molecules | 540 atoms/s | ETA 4s | $0.5 so far | 3s',
    )
  })

  it('writes durations as s, m and h', () => {
    expect([shortDuration(400), shortDuration(61_000), shortDuration(3_725_000)]).toEqual([
      '0s',
      '1m01s',
      '1h02m',
    ])
  })
})

describe('ProgressState', () => {
  it('takes the ETA from the atoms/s measured while molecules run, not from molecule ends', () => {
    // Prepare
    let t = 0
    const state = new ProgressState({ now: () => t })

    // Act: 2 s of bundling and planning, then 100 atoms/s, no molecule ended
    state.update(event({ kind: 'phase', phase: 'bundling', atoms: 0, molecules: 0 }))
    t = 2000
    state.update(event({ kind: 'phase', phase: 'running' }))
    for (let i = 1; i <= 8; i++) {
      t = 2000 + i * 250
      state.update(event({ atomsRun: i * 25 }))
    }
    const v = state.view()

    // Assess
    expect(v.rate).toBeCloseTo(100, 6)
    expect(v.remainingMs).toBeCloseTo(((3600 - 200) / 100) * 1000, 3)
    expect(v.phase).toBe('running')
  })

  it('keeps the last cost when a phase event carries none', () => {
    const state = new ProgressState({ now: () => 0 })
    state.update(event({ costUsd: 0.01 }))
    state.update(event({ kind: 'phase', phase: 'reducing' }))
    expect(state.view().costUsd).toBe(0.01)
  })
})

describe('createProgressReporter without a TTY', () => {
  it('writes each phase, and count lines at most one per interval, the last one always', () => {
    // Prepare
    let t = 0
    const stream = sink()
    const reporter = createProgressReporter(stream, { now: () => t, lineIntervalMs: 1000 })

    // Act: atoms reports every 250 ms for 2.5 s, then the molecules end
    reporter.onProgress(event({ kind: 'phase', phase: 'running', detail: undefined }))
    for (let i = 1; i <= 10; i++) {
      t = i * 250
      reporter.onProgress(event({ atomsRun: i * 100 }))
    }
    reporter.onProgress(
      event({ kind: 'molecule-done', atomsRun: 3600, moleculesDone: 8, atomsDone: 3600 }),
    )
    reporter.onProgress(event({ kind: 'phase', phase: 'reducing' }))
    reporter.stop()

    // Assess
    const lines = stream.text.trim().split('\n')
    expect(lines[0]).toBe('running')
    expect(lines.slice(1, -1).map((l) => l.slice(0, l.indexOf(' atoms,')))).toEqual([
      '2.8% done: 100/3600',
      '13.9% done: 500/3600',
      '25.0% done: 900/3600',
      '100.0% done: 3600/3600',
    ])
    expect(lines.at(-1)).toBe('reducing')
  })

  it('says why a molecule runs again', () => {
    const stream = sink()
    const reporter = createProgressReporter(stream, { now: () => 0 })
    reporter.onProgress(
      event({ kind: 'molecule-retry', moleculeId: 3, reason: 'worker crashed: boom' }),
    )
    expect(stream.text.split('\n')[0]).toBe('molecule 3: run again (worker crashed: boom)')
  })
})

describe('createProgressReporter on a TTY', () => {
  it('draws one bar over atoms from the first phase, with phase lines and messages above it', () => {
    // Prepare
    let t = 0
    const stream = sink(true)
    const reporter = createProgressReporter(stream, { now: () => t })

    // Act
    reporter.onProgress(event({ kind: 'phase', phase: 'bundling', detail: 'job.ts', atoms: 0 }))
    reporter.log('fanout: estimate on Lambda (...)\n')
    reporter.onProgress(event({ kind: 'phase', phase: 'running' }))
    t = 1000
    reporter.onProgress(event({ atomsRun: 1800 }))
    reporter.stop()

    // Assess
    expect(stream.text).toContain('bundling: job.ts\n')
    expect(stream.text).toContain('fanout: estimate on Lambda (...)\n')
    expect(stream.text).toContain('50% | 1800/3600 atoms | 0/8 molecules')
    expect(stream.text.indexOf('bundling: job.ts')).toBeLessThan(stream.text.indexOf('1800/3600'))
  })
})
