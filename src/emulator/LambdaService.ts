/**
 * The Lambda Invoke API of fanout's emulator. moto stores the functions
 * (CreateFunction, CloudFormation) but cannot run them without Docker; this
 * service looks each function up in moto, fetches and unzips its code once per
 * CodeSha256, and runs it in warm child processes on the Node of its runtime:
 * synchronous invocations answer with the result or a Lambda-shaped error,
 * `Event` invocations are acknowledged with 202 at once and queued.
 */
import { randomUUID } from 'node:crypto'
import { realpathSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { downloadFunctionCode } from './codeDownload.js'
import { EventQueue, type EventRun, type FunctionRunner, type QueuedEvent } from './EventQueue.js'
import { FunctionPool, type InvocationOutcome } from './FunctionPool.js'
import { FaultInjector, type RuntimeFault } from './faultInjector.js'
import {
  type FunctionConfig,
  fetchFunctionConfig,
  type LookupKey,
  lookupKey,
  missingFunctionArn,
  qualifiedName,
} from './functionConfig.js'
import {
  checkInvocation,
  type HttpReply,
  INVOCATION_TYPES,
  type InvokeRequest,
  outcomeReply,
  serviceError,
} from './invokeApi.js'
import { CodeCache, findAwsSdkDir } from './lambdaCode.js'
import type { LogWriter } from './logs.js'
import type { MotoClient } from './motoClient.js'
import { describeRuntimeNode, NodeSelector, type RuntimeNode } from './NodeSelector.js'
import type { RuntimeSpec } from './RuntimeProcess.js'
import { runtimeSpec } from './runtimeSpec.js'

/** Options of {@link LambdaService}. */
export interface LambdaServiceOptions {
  stateDir: string
  moto: MotoClient
  logs: LogWriter
  /** The gateway's URL, given to handlers as `AWS_ENDPOINT_URL`. */
  endpointUrl: string
  /** Path of the built `lambdaRuntime.js`. */
  runtimePath: string
  /** Picks the Node binary of each runtime. @default a NodeSelector of this process's environment */
  nodes?: NodeSelector
  /** Most processes per function. @default max(8, 4 × CPUs) */
  maxProcessesPerFunction?: number
  /** Idle processes older than this are stopped. @default 600000 (10 min) */
  idleTimeoutMs?: number
  /** Delays before the retries of a failed `Event` invocation. @default [1000, 2000] */
  asyncRetryDelaysMs?: number[]
  /** How long a GetFunction answer is reused (writes through the gateway clear it). @default 1000 */
  configTtlMs?: number
  /**
   * Run function processes under Node's permission model, each with its own
   * `/tmp` (see sandbox.ts), so that reading a host path fails as on Lambda.
   * @default true (FANOUT_EMULATOR_SANDBOX=off turns it off in the gateway)
   */
  sandbox?: boolean
}

/** Per-function process counts and queue lengths, for the health route and tests. */
export type FunctionStats = Record<
  string,
  {
    processes: number
    idle: number
    busy: number
    inflight: number
    queued: number
    pids: number[]
  }
>

/** Runs Lambda invocations for the gateway. */
export class LambdaService {
  readonly #options: LambdaServiceOptions
  readonly #faults = new FaultInjector()
  readonly #code: CodeCache
  readonly #nodes: NodeSelector
  readonly #events: EventQueue
  readonly #runners = new Map<string, FunctionRunner>()
  readonly #configs = new Map<string, { at: number; config: Promise<FunctionConfig | undefined> }>()
  /** `function|major` pairs already warned about a Node fallback. */
  readonly #warned = new Set<string>()
  readonly #reaper: NodeJS.Timeout
  readonly #maxProcesses: number

  constructor(options: LambdaServiceOptions) {
    this.#options = options
    this.#code = new CodeCache(options.stateDir)
    // the /tmp of processes of an earlier gateway that did not stop cleanly
    rmSync(join(options.stateDir, 'tmp'), { recursive: true, force: true })
    this.#nodes = options.nodes ?? new NodeSelector()
    this.#maxProcesses = options.maxProcessesPerFunction ?? Math.max(8, availableParallelism() * 4)
    this.#events = new EventQueue({
      maxConcurrency: this.#maxProcesses,
      ...(options.asyncRetryDelaysMs ? { retryDelaysMs: options.asyncRetryDelaysMs } : {}),
      run: (runner, event) => this.#runEvent(runner, event),
    })
    const idleMs = options.idleTimeoutMs ?? 600_000
    this.#reaper = setInterval(
      () => {
        for (const runner of this.#runners.values()) runner.pool.reap(idleMs)
      },
      Math.min(30_000, idleMs),
    )
    this.#reaper.unref()
  }

  /** Forgets every cached GetFunction answer (the gateway calls it on Lambda writes). */
  invalidate(): void {
    this.#configs.clear()
  }

  /** Looks up the Node of these runtimes now, so that health and status can tell it before any invocation. */
  prepareRuntimes(runtimes: readonly string[]): void {
    for (const runtime of runtimes) void this.#nodes.select(runtime)
  }

  /** The Node binary of every runtime looked up so far. */
  runtimes(): Promise<RuntimeNode[]> {
    return this.#nodes.known()
  }

  /** Per-function process counts and queue lengths. */
  stats(): FunctionStats {
    const out: FunctionStats = {}
    for (const [name, runner] of this.#runners) {
      const s = runner.pool.stats()
      out[name] = {
        processes: s.processes,
        idle: s.idle,
        busy: s.busy,
        inflight: runner.inflight,
        queued: runner.queue.length,
        pids: runner.pool.pids(),
      }
    }
    return out
  }

  /** Pids of every runtime process. */
  pids(): number[] {
    return [...this.#runners.values()].flatMap((r) => r.pool.pids())
  }

  /** Answers one Invoke call. Never rejects. */
  async invoke(request: InvokeRequest): Promise<HttpReply> {
    const requestId = randomUUID()
    try {
      return await this.#invoke(request, requestId)
    } catch (error) {
      return serviceError(
        500,
        'ServiceException',
        `fanout emulator: ${(error as Error).message}`,
        requestId,
      )
    }
  }

  async #invoke(request: InvokeRequest, requestId: string): Promise<HttpReply> {
    const type = request.invocationType ?? 'RequestResponse'
    if (!(INVOCATION_TYPES as readonly string[]).includes(type)) {
      return serviceError(
        400,
        'InvalidParameterValueException',
        `Unsupported InvocationType: ${type}`,
        requestId,
      )
    }
    const key = lookupKey(request)
    const config = await this.#config(key)
    if (!config) {
      return serviceError(
        404,
        'ResourceNotFoundException',
        `Function not found: ${missingFunctionArn(key)}`,
        requestId,
      )
    }
    const refused = checkInvocation(config, type, request.payload, requestId)
    if (refused) return refused
    const payload = request.payload.toString('utf8')
    const runner = this.#runner(config)
    runner.reserved = config.reservedConcurrency
    const versionHeader = {
      'x-amz-executed-version': config.version,
      'x-amzn-requestid': requestId,
    }

    if (type === 'DryRun') return { status: 204, headers: versionHeader, body: '' }
    if (type === 'Event') {
      const injected = this.#faults.onInvoke(payload)
      if (injected.throttle) {
        return serviceError(
          429,
          'TooManyRequestsException',
          'Rate Exceeded. (injected fault)',
          requestId,
          {
            Reason: 'ConcurrentInvocationLimitExceeded',
          },
        )
      }
      const fault = injected.fault ? { fault: injected.fault } : {}
      this.#events.push(runner, { requestId, payload, attempt: 0, key, ...fault })
      return { status: 202, headers: { 'x-amzn-requestid': requestId }, body: '' }
    }

    if (runner.reserved !== undefined && runner.inflight >= runner.reserved) {
      return serviceError(429, 'TooManyRequestsException', 'Rate Exceeded.', requestId, {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      })
    }
    runner.inflight++
    let outcome: InvocationOutcome
    try {
      const spec = await this.#spec(config, key)
      outcome = await runner.pool.invoke(spec, requestId, payload, {
        collectLogs: request.logType === 'Tail',
        ...(request.clientContext ? { clientContext: request.clientContext } : {}),
      })
    } finally {
      runner.inflight--
      this.#events.pump(runner)
    }
    return outcomeReply(outcome, versionHeader)
  }

  /** One run of a queued `Event` invocation. */
  async #runEvent(runner: FunctionRunner, event: QueuedEvent): Promise<EventRun> {
    const name = runner.pool.functionName
    let config: FunctionConfig | undefined
    let failed = true
    try {
      config = await this.#config(event.key)
      if (!config) {
        this.#options.logs.write(
          name,
          `fanout emulator: dropped async event ${event.requestId}: the function no longer exists`,
        )
        return { failed: true, maxRetries: undefined }
      }
      runner.reserved = config.reservedConcurrency
      const spec = await this.#spec(config, event.key)
      const outcome = await runner.pool.invoke(spec, event.requestId, event.payload, {
        background: true,
        ...faultOf(event, this.#faults),
      })
      failed = outcome.error !== undefined
    } catch (error) {
      this.#options.logs.write(
        name,
        `fanout emulator: async event ${event.requestId} failed: ${(error as Error).message}`,
      )
    }
    return { failed, maxRetries: config?.maximumRetryAttempts }
  }

  #runner(config: FunctionConfig): FunctionRunner {
    let runner = this.#runners.get(config.functionArn)
    if (!runner) {
      const pool = new FunctionPool({
        functionName: config.functionName,
        logs: this.#options.logs,
        maxProcesses: this.#maxProcesses,
      })
      runner = { pool, inflight: 0, reserved: undefined, queue: [] }
      this.#runners.set(config.functionArn, runner)
    }
    return runner
  }

  /** The function's configuration from moto, cached for `configTtlMs`; undefined when it does not exist. */
  #config(key: LookupKey): Promise<FunctionConfig | undefined> {
    const cacheKey = `${key.accessKey}|${key.region}|${qualifiedName(key.name, key.qualifier)}`
    const cached = this.#configs.get(cacheKey)
    const ttl = this.#options.configTtlMs ?? 1000
    if (cached && Date.now() - cached.at < ttl) return cached.config
    const config = fetchFunctionConfig(this.#options.moto, key)
    this.#configs.set(cacheKey, { at: Date.now(), config })
    config.then(
      (c) => {
        if (!c) this.#configs.delete(cacheKey)
      },
      () => this.#configs.delete(cacheKey),
    )
    return config
  }

  /** The runtime spec of a function: its code unzipped, its Node, its environment, its context facts. */
  async #spec(config: FunctionConfig, key: LookupKey): Promise<RuntimeSpec> {
    const [codeDir, node] = await Promise.all([
      this.#code.ensure(config.codeSha256, () =>
        downloadFunctionCode(this.#options.moto, config, key.accessKey),
      ),
      this.#nodes.select(config.runtime),
    ])
    if (!node.matches) this.#warnFallback(config.functionName, node)
    const { endpointUrl, runtimePath } = this.#options
    return runtimeSpec(config, {
      codeDir,
      endpointUrl,
      runtimePath,
      nodePath: node.path,
      nodeVersion: node.version,
      ...(this.#options.sandbox === false ? {} : { sandbox: this.#sandboxPaths(codeDir) }),
    })
  }

  /** What a sandboxed function process may read besides its /tmp: its code, the runtime, the SDK. */
  #sandboxPaths(codeDir: string): { tmpRoot: string; read: string[] } {
    const real = (p: string) => {
      try {
        return realpathSync(p)
      } catch {
        return p
      }
    }
    const read = [real(codeDir), real(dirname(this.#options.runtimePath))]
    const codeRoot = real(this.#code.root)
    read.push(join(codeRoot, 'package.json'))
    // Lambda's runtime ships the AWS SDK; the emulator links fanout's into <code>/node_modules:
    // Node checks the link's path, then loads the modules from where they really are
    read.push(join(codeRoot, 'node_modules'))
    const sdk = findAwsSdkDir()
    if (sdk) read.push(dirname(real(sdk)))
    return { tmpRoot: join(this.#options.stateDir, 'tmp'), read }
  }

  /** One log line per function and Node major when its functions fall back to the gateway's Node. */
  #warnFallback(functionName: string, node: RuntimeNode): void {
    const key = `${functionName}|${node.wantedMajor ?? node.runtime}`
    if (this.#warned.has(key)) return
    this.#warned.add(key)
    this.#options.logs.write(functionName, `fanout emulator: ${describeRuntimeNode(node)}`)
  }

  /** Stops every process and drops queued events. */
  async close(): Promise<void> {
    clearInterval(this.#reaper)
    this.#events.close()
    for (const runner of this.#runners.values()) {
      runner.queue.length = 0
      runner.pool.close()
    }
  }
}

/** The injected fault of one run of a queued event: drawn at Invoke for the first, afresh for Lambda's retries. */
function faultOf(event: QueuedEvent, faults: FaultInjector): { fault?: RuntimeFault } {
  const fault = event.attempt === 0 ? event.fault : faults.onRetry(event.payload, event.attempt)
  return fault ? { fault } : {}
}
