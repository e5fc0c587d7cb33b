/**
 * One warm Lambda "container": a runtime child process (`dist/lambdaRuntime.js`,
 * forked with IPC on the Node binary of the function's runtime) that loads the
 * handler once and runs one invocation at a time. It reports its init, relays
 * its console and stdout lines, and dies on a timeout (SIGKILL).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type {
  ChildMessage,
  InvokeMessage,
  LambdaErrorBody,
  ResultMessage,
  RuntimeFunctionInfo,
} from './runtimeProtocol.js'
import { sandboxArgs } from './sandbox.js'

/** A process's own `/tmp` and the flags and environment that confine it to it. */
function sandboxOf(sandbox: NonNullable<RuntimeSpec['sandbox']>) {
  if (sandboxArgs(sandbox.nodeVersion, { read: [], write: [] }) === undefined) return undefined
  const dir = join(sandbox.tmpRoot, `p-${process.pid}-${randomBytes(6).toString('hex')}`)
  mkdirSync(dir, { recursive: true })
  // the permission model checks real paths
  const tmpDir = realpathSync(dir)
  const execArgv = sandboxArgs(sandbox.nodeVersion, { read: sandbox.read, write: [tmpDir] }) ?? []
  return {
    tmpDir,
    execArgv,
    // HOME too: a Lambda filesystem has no ~/.aws (the SDK looks there), only /tmp is writable
    env: { TMPDIR: tmpDir, TMP: tmpDir, TEMP: tmpDir, FANOUT_TMP: tmpDir, HOME: tmpDir },
  }
}

/** Everything needed to start a runtime process for one version of a function. */
export interface RuntimeSpec {
  /** Changes whenever the code or configuration changes; processes of another generation are retired. */
  generation: string
  /** The unzipped code (`LAMBDA_TASK_ROOT`). */
  codeDir: string
  /** The full environment of the process. */
  env: Record<string, string>
  /** Path of `lambdaRuntime.js`. */
  runtimePath: string
  /** The Node binary that runs it (the runtime's major when one was found). */
  nodePath: string
  /** Facts for the handler's `context`. */
  info: RuntimeFunctionInfo
  timeoutSeconds: number
  memoryMb: number
  /**
   * Run under Node's permission model: each process gets its own directory
   * under `tmpRoot` as its `/tmp` (`TMPDIR`, `FANOUT_TMP`), removed when it
   * exits, and may read only `read` and that directory. Absent: no sandbox.
   */
  sandbox?: { tmpRoot: string; read: readonly string[]; nodeVersion: string }
}

/** Where a runtime process is in its life. */
export type ProcessState = 'starting' | 'idle' | 'busy' | 'dead'

/** How a runtime process's start ended. */
export type ReadyOutcome =
  | { ok: true; initDurationMs: number }
  | { ok: false; error: LambdaErrorBody; initDurationMs: number }

/** One runtime child process. */
export class RuntimeProcess {
  readonly child: ChildProcess
  readonly generation: string
  readonly ready: Promise<ReadyOutcome>
  state: ProcessState = 'starting'
  lastUsed = Date.now()
  /** Init duration (fork to handler loaded), reported with the first invocation only. */
  pendingInitMs: number | undefined
  readonly #spawnedAt = performance.now()
  /** Where console and stdout lines go; the pool points it at the running invocation. */
  onLog: (message: string) => void
  #pending: ((result: ResultMessage | { exit: string }) => void) | undefined
  #exitReason: string | undefined

  /** This process's `/tmp`, when sandboxed. */
  readonly tmpDir: string | undefined

  constructor(spec: RuntimeSpec, onLog: (message: string) => void) {
    this.generation = spec.generation
    this.onLog = onLog
    const sandbox = spec.sandbox && sandboxOf(spec.sandbox)
    this.tmpDir = sandbox?.tmpDir
    this.child = fork(spec.runtimePath, [], {
      cwd: spec.codeDir,
      env: sandbox ? { ...spec.env, ...sandbox.env } : spec.env,
      execPath: spec.nodePath,
      execArgv: sandbox?.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    })
    if (sandbox) {
      this.child.once('exit', () => rmSync(sandbox.tmpDir, { recursive: true, force: true }))
    }
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream)
        createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (l) =>
          this.onLog(l),
        )
    }
    let settleReady: (outcome: ReadyOutcome) => void = () => {}
    this.ready = new Promise((resolve) => {
      settleReady = resolve
    })
    this.child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'ready':
          this.pendingInitMs = performance.now() - this.#spawnedAt
          if (this.state === 'starting') this.state = 'idle'
          settleReady({ ok: true, initDurationMs: message.initDurationMs })
          break
        case 'initError':
          this.state = 'dead'
          settleReady({ ok: false, error: message.error, initDurationMs: message.initDurationMs })
          break
        case 'log':
          this.onLog(message.message)
          break
        case 'result': {
          const pending = this.#pending
          this.#pending = undefined
          if (message.exiting) this.state = 'dead'
          pending?.(message)
          break
        }
      }
    })
    // The runtime is gone: fail its init if it was starting, and the invocation it was running.
    const die = (reason: string) => {
      this.#exitReason ??= reason
      const wasStarting = this.state === 'starting'
      this.state = 'dead'
      if (wasStarting) {
        settleReady({
          ok: false,
          error: { errorType: 'Runtime.ExitError', errorMessage: this.#exitReason },
          initDurationMs: 0,
        })
      }
      const pending = this.#pending
      this.#pending = undefined
      pending?.({ exit: this.#exitReason })
    }
    // A failed spawn (missing cwd, no node) emits 'error' and maybe no 'exit': settle everything here too.
    this.child.on('error', (error) => die(`Runtime failed to start: ${error.message}`))
    this.child.on('exit', (code, signal) =>
      die(`Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}`),
    )
  }

  /** Runs one invocation; resolves with its outcome (never rejects). */
  invoke(
    message: InvokeMessage,
    timeoutMs: number,
  ): Promise<ResultMessage | { exit: string } | { timeout: true }> {
    this.state = 'busy'
    this.lastUsed = Date.now()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined
        this.#exitReason = 'Task timed out'
        this.kill()
        resolve({ timeout: true })
      }, timeoutMs)
      this.#pending = (result) => {
        clearTimeout(timer)
        resolve(result)
      }
      try {
        this.child.send(message)
      } catch (error) {
        this.#pending = undefined
        clearTimeout(timer)
        resolve({ exit: `Runtime exited with error: ${(error as Error).message}` })
      }
    })
  }

  /** Kills the process at once (SIGKILL). */
  kill(): void {
    this.state = 'dead'
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}
