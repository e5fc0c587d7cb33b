/**
 * Asynchronous (`Event`) invocations after their 202: queued per function,
 * started while the function has capacity (its reserved concurrency, at most
 * the process cap), and retried after a failure as Lambda does (twice by
 * default, one and two seconds later, or as the function's event-invoke
 * config says).
 */
import type { FunctionPool } from './FunctionPool.js'
import type { LookupKey } from './functionConfig.js'

/** One `Event` invocation waiting to run. */
export interface QueuedEvent {
  requestId: string
  payload: string
  /** 0 for the first run, then 1, 2 for the retries. */
  attempt: number
  key: LookupKey
  /** An injected fault for the first run only (Lambda's own retries run clean). */
  fault?: 'crash' | 'hang' | 's3'
}

/** One function's processes and the counts its sync and async invocations share. */
export interface FunctionRunner {
  readonly pool: FunctionPool
  /** Invocations running now, sync and async. */
  inflight: number
  /** Reserved concurrency, as last read from moto. */
  reserved: number | undefined
  readonly queue: QueuedEvent[]
}

/** How one run of a queued event went. */
export interface EventRun {
  failed: boolean
  /** The retries the function allows; undefined when it must not be retried (the function is gone). */
  maxRetries: number | undefined
}

/** Options of {@link EventQueue}. */
export interface EventQueueOptions {
  /** Most invocations of one function at once, whatever its reserved concurrency. */
  maxConcurrency: number
  /** Delays before the retries of a failed event. @default [1000, 2000] */
  retryDelaysMs?: number[]
  /** Runs one event (never rejects). */
  run(runner: FunctionRunner, event: QueuedEvent): Promise<EventRun>
}

/** Runs queued `Event` invocations with Lambda's concurrency and retries. */
export class EventQueue {
  readonly #options: EventQueueOptions
  readonly #timers = new Set<NodeJS.Timeout>()
  #closed = false

  constructor(options: EventQueueOptions) {
    this.#options = options
  }

  /** Queues an event of `runner`'s function and starts it if there is capacity. */
  push(runner: FunctionRunner, event: QueuedEvent): void {
    runner.queue.push(event)
    this.pump(runner)
  }

  /** Starts queued events while the function has capacity (call it when capacity frees up). */
  pump(runner: FunctionRunner): void {
    const cap = Math.min(runner.reserved ?? Number.POSITIVE_INFINITY, this.#options.maxConcurrency)
    while (!this.#closed && runner.queue.length > 0 && runner.inflight < cap) {
      const event = runner.queue.shift() as QueuedEvent
      runner.inflight++
      void this.#run(runner, event).finally(() => {
        runner.inflight--
        this.pump(runner)
      })
    }
  }

  async #run(runner: FunctionRunner, event: QueuedEvent): Promise<void> {
    const { failed, maxRetries } = await this.#options.run(runner, event)
    if (!failed || maxRetries === undefined || event.attempt >= maxRetries || this.#closed) return
    const delays = this.#options.retryDelaysMs ?? [1000, 2000]
    const delay = delays[Math.min(event.attempt, delays.length - 1)] ?? 1000
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.push(runner, { ...event, attempt: event.attempt + 1 })
    }, delay)
    this.#timers.add(timer)
  }

  /** Cancels pending retries; queued events are left for the caller to drop. */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }
}
