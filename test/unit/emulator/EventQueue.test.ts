import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  EventQueue,
  type EventRun,
  type FunctionRunner,
  type QueuedEvent,
} from '../../../src/emulator/EventQueue.js'
import type { FunctionPool } from '../../../src/emulator/FunctionPool.js'
import { waitFor } from '../../helpers/cli.js'

const key = { name: 'f', qualifier: undefined, region: 'us-east-1', accessKey: 'test' }

function runner(reserved?: number): FunctionRunner {
  // The queue never touches the pool: it only schedules on the runner's counts.
  return { pool: {} as FunctionPool, inflight: 0, reserved, queue: [] }
}

function event(requestId: string): QueuedEvent {
  return { requestId, payload: '{}', attempt: 0, key }
}

/** A run function whose runs the test finishes by hand. */
function manualRuns() {
  const started: { event: QueuedEvent; finish: (run: EventRun) => void }[] = []
  const run = (_: FunctionRunner, e: QueuedEvent) =>
    new Promise<EventRun>((resolve) => started.push({ event: e, finish: resolve }))
  return { started, run }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('EventQueue', () => {
  it('runs no more events at once than the reserved concurrency', async () => {
    // Prepare
    const { started, run } = manualRuns()
    const queue = new EventQueue({ maxConcurrency: 10, run })
    const r = runner(2)
    // Act
    for (const id of ['a', 'b', 'c']) queue.push(r, event(id))
    const atOnce = started.length
    started[0]?.finish({ failed: false, maxRetries: 2 })
    await waitFor('the third event to start', () => (started.length === 3 ? true : undefined))
    // Assess
    expect(atOnce).toBe(2)
    expect(started.map((s) => s.event.requestId)).toEqual(['a', 'b', 'c'])
    expect(r.inflight).toBe(2)
    queue.close()
  })

  it('caps at maxConcurrency when the function has no reserved concurrency', () => {
    // Prepare
    const { started, run } = manualRuns()
    const queue = new EventQueue({ maxConcurrency: 3, run })
    const r = runner()
    // Act
    for (const id of ['a', 'b', 'c', 'd', 'e']) queue.push(r, event(id))
    // Assess
    expect(started.length).toBe(3)
    expect(r.queue.map((e) => e.requestId)).toEqual(['d', 'e'])
    queue.close()
  })

  it('retries a failed event as often as the function allows, with rising attempts', async () => {
    // Prepare
    vi.useFakeTimers()
    const attempts: number[] = []
    const queue = new EventQueue({
      maxConcurrency: 1,
      retryDelaysMs: [1000, 2000],
      run: async (_, e) => {
        attempts.push(e.attempt)
        return { failed: true, maxRetries: 2 }
      },
    })
    // Act
    queue.push(runner(), event('a'))
    await vi.advanceTimersByTimeAsync(999)
    const beforeFirstDelay = [...attempts]
    await vi.runAllTimersAsync()
    // Assess
    expect(beforeFirstDelay).toEqual([0])
    expect(attempts).toEqual([0, 1, 2])
    expect(vi.getTimerCount()).toBe(0) // no third retry pending
    queue.close()
  })

  it('does not retry an event whose function is gone, nor after close', async () => {
    // Prepare
    vi.useFakeTimers()
    const runs: string[] = []
    const queue = new EventQueue({
      maxConcurrency: 1,
      run: async (_, e) => {
        runs.push(e.requestId)
        return { failed: true, maxRetries: e.requestId === 'gone' ? undefined : 2 }
      },
    })
    const r = runner()
    // Act
    queue.push(r, event('gone'))
    queue.push(r, event('closed'))
    await vi.advanceTimersByTimeAsync(0)
    const pendingRetries = vi.getTimerCount()
    queue.close()
    const afterClose = vi.getTimerCount()
    await vi.runAllTimersAsync()
    // Assess
    expect(runs).toEqual(['gone', 'closed'])
    expect(pendingRetries).toBe(1) // the retry of 'closed', which close cancels
    expect(afterClose).toBe(0)
  })
})
