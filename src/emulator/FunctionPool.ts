/**
 * Warm Lambda "containers" of one function: a pool of {@link RuntimeProcess}es
 * that grows on demand up to a cap and reuses idle processes. The pool
 * enforces the timeout, writes the CloudWatch-like START/END/REPORT lines,
 * and retires processes whose code or configuration is outdated.
 */
import { availableParallelism, setPriority } from 'node:os'
import type { LogWriter } from './logs.js'
import { RuntimeProcess, type RuntimeSpec } from './RuntimeProcess.js'
import type { InvokeMessage, LambdaErrorBody } from './runtimeProtocol.js'

/** How one invocation ended. */
export interface InvocationOutcome {
  requestId: string
  /** The handler's result, JSON text (absent on error). */
  payload?: string
  /** The function error (absent on success). */
  error?: LambdaErrorBody
  timedOut: boolean
  durationMs: number
  /** Set when this invocation started a new process. */
  initDurationMs?: number
  maxMemoryUsedMb?: number
  /** The invocation's log lines (only when requested), for `X-Amz-Log-Result`. */
  logLines?: string[]
}

/** Options of {@link FunctionPool}. */
export interface FunctionPoolOptions {
  functionName: string
  logs: LogWriter
  /** Most processes this function may have at once. */
  maxProcesses: number
  /**
   * Most processes starting at once. A burst then grows the pool a few
   * processes at a time instead of starting them all together on a small
   * machine; the warm ones keep serving meanwhile. @default availableParallelism()
   */
  maxConcurrentStarts?: number
}

/** The warm processes of one function. */
export class FunctionPool {
  readonly functionName: string
  readonly #logs: LogWriter
  readonly #maxProcesses: number
  readonly #maxStarts: number
  #starting = 0
  readonly #processes = new Set<RuntimeProcess>()
  #idle: RuntimeProcess[] = []
  #waiters: (() => void)[] = []
  #generation: string | undefined
  #closed = false

  constructor(options: FunctionPoolOptions) {
    this.functionName = options.functionName
    this.#logs = options.logs
    this.#maxProcesses = options.maxProcesses
    this.#maxStarts = Math.max(1, options.maxConcurrentStarts ?? availableParallelism())
  }

  /** Counts of processes by state, for health output and tests. */
  stats(): { processes: number; idle: number; busy: number; waiting: number } {
    let busy = 0
    for (const p of this.#processes) if (p.state === 'busy' || p.state === 'starting') busy++
    return {
      processes: this.#processes.size,
      idle: this.#idle.length,
      busy,
      waiting: this.#waiters.length,
    }
  }

  /** The pids of the live processes. */
  pids(): number[] {
    return [...this.#processes]
      .map((p) => p.child.pid)
      .filter((pid): pid is number => pid !== undefined)
  }

  #log = (message: string): void => this.#logs.write(this.functionName, message)

  #remove(process: RuntimeProcess): void {
    this.#processes.delete(process)
    this.#idle = this.#idle.filter((p) => p !== process)
    this.#wake()
  }

  #wake(): void {
    this.#waiters.shift()?.()
  }

  /** A ready process for `spec`: an idle warm one, a new one, or the next freed (waits at the cap). */
  async #acquire(
    spec: RuntimeSpec,
  ): Promise<{ process: RuntimeProcess } | { initError: LambdaErrorBody; initDurationMs: number }> {
    if (this.#generation !== spec.generation) {
      this.#generation = spec.generation
      for (const old of this.#idle) old.kill()
    }
    for (;;) {
      if (this.#closed)
        return {
          initError: {
            errorType: 'Runtime.ExitError',
            errorMessage: 'the emulator is shutting down',
          },
          initDurationMs: 0,
        }
      this.#idle = this.#idle.filter((p) => p.state === 'idle')
      const warm = this.#idle.pop()
      if (warm) {
        warm.state = 'busy'
        return { process: warm }
      }
      if (this.#processes.size < this.#maxProcesses && this.#starting < this.#maxStarts) {
        const process = new RuntimeProcess(spec, this.#log)
        this.#processes.add(process)
        process.child.once('exit', () => this.#remove(process))
        this.#starting++
        const ready = await process.ready
        this.#starting--
        this.#wake() // a waiter may start the next process now
        if (!ready.ok) {
          process.kill()
          this.#remove(process)
          return { initError: ready.error, initDurationMs: ready.initDurationMs }
        }
        process.state = 'busy'
        return { process }
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  #release(process: RuntimeProcess): void {
    if (process.state === 'dead' || process.generation !== this.#generation || this.#closed) {
      process.kill()
      this.#remove(process)
      return
    }
    process.state = 'idle'
    process.lastUsed = Date.now()
    this.#idle.push(process)
    this.#wake()
  }

  /**
   * Runs one invocation in a warm or new process and writes its
   * START/END/REPORT lines. Never rejects: errors come back in the outcome.
   */
  async invoke(
    spec: RuntimeSpec,
    requestId: string,
    payload: string,
    options: {
      collectLogs?: boolean
      clientContext?: string
      background?: boolean
      fault?: InvokeMessage['fault']
    } = {},
  ): Promise<InvocationOutcome> {
    const logLines = options.collectLogs ? ([] as string[]) : undefined
    const log = (message: string): void => {
      this.#logs.write(this.functionName, message)
      logLines?.push(message)
    }
    const acquired = await this.#acquire(spec)
    const started = performance.now()
    const timeoutMs = spec.timeoutSeconds * 1000
    log(`START RequestId: ${requestId} Version: ${spec.info.functionVersion}`)
    let outcome: InvocationOutcome
    if ('initError' in acquired) {
      const error = acquired.initError
      log(
        `${new Date().toISOString()}\tundefined\tERROR\tUncaught Exception \t${JSON.stringify(error)}`,
      )
      log(
        `INIT_REPORT Init Duration: ${acquired.initDurationMs.toFixed(2)} ms\tPhase: invoke\tStatus: error\tError Type: ${error.errorType}`,
      )
      outcome = {
        requestId,
        error,
        timedOut: false,
        durationMs: performance.now() - started,
        initDurationMs: acquired.initDurationMs,
      }
    } else {
      const process = acquired.process
      if (options.background) lowerPriority(process.child.pid)
      const initDurationMs = process.pendingInitMs
      process.pendingInitMs = undefined
      process.onLog = log
      const result = await process.invoke(
        {
          type: 'invoke',
          requestId,
          payload,
          deadlineMs: Date.now() + timeoutMs,
          function: spec.info,
          ...(options.clientContext ? { clientContext: options.clientContext } : {}),
          ...(options.fault ? { fault: options.fault } : {}),
        },
        timeoutMs,
      )
      process.onLog = this.#log
      const durationMs = performance.now() - started
      outcome = {
        requestId,
        timedOut: false,
        durationMs,
        ...(initDurationMs !== undefined ? { initDurationMs } : {}),
      }
      if ('timeout' in result) {
        const message = `${new Date().toISOString()} ${requestId} Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`
        log(message)
        outcome.timedOut = true
        outcome.error = { errorType: 'Sandbox.Timedout', errorMessage: message }
      } else if ('exit' in result) {
        outcome.error = {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: ${result.exit}`,
        }
      } else {
        outcome.maxMemoryUsedMb = result.maxMemoryUsedMb
        if (result.error) outcome.error = result.error
        else outcome.payload = result.payload ?? 'null'
      }
      this.#release(process)
    }
    const d = outcome.durationMs
    log(`END RequestId: ${requestId}`)
    log(
      `REPORT RequestId: ${requestId}\tDuration: ${d.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(d))} ms\tMemory Size: ${spec.memoryMb} MB\tMax Memory Used: ${outcome.maxMemoryUsedMb ?? 0} MB` +
        (outcome.initDurationMs !== undefined
          ? `\tInit Duration: ${outcome.initDurationMs.toFixed(2)} ms`
          : '') +
        (outcome.timedOut
          ? '\tStatus: timeout'
          : outcome.error?.errorType === 'Runtime.ExitError'
            ? '\tStatus: error'
            : ''),
    )
    if (logLines) outcome.logLines = logLines
    return outcome
  }

  /** Kills idle processes unused for `idleMs`. */
  reap(idleMs: number): void {
    const now = Date.now()
    for (const process of this.#idle) {
      if (now - process.lastUsed >= idleMs) {
        process.kill()
        this.#remove(process)
      }
    }
  }

  /** Kills every process; later invocations fail. */
  close(): void {
    this.#closed = true
    for (const process of this.#processes) process.kill()
    this.#processes.clear()
    this.#idle = []
    for (const waiter of this.#waiters.splice(0)) waiter()
  }
}

/**
 * Asynchronous (`Event`) executions run at a lower CPU priority. On AWS they run
 * on other machines and take nothing from their caller; on a laptop they share
 * its cores with the gateway, moto and the function that invoked them (plan's
 * dispatch loop), which would otherwise slow down while the workers run.
 */
const lowered = new Set<number>()
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined || lowered.has(pid)) return
  lowered.add(pid)
  try {
    setPriority(pid, 10)
  } catch {
    // not permitted here: run at normal priority
  }
}
