/**
 * The Lambda Invoke API of fanout's emulator. moto stores the functions
 * (CreateFunction, CloudFormation) but cannot run them without Docker; this
 * service looks each function up in moto (GetFunction, its reserved
 * concurrency and async retry settings), fetches and unzips its code once per
 * CodeSha256, and runs it in warm child processes: synchronous invocations
 * answer with the result or a Lambda-shaped error, `Event` invocations are
 * acknowledged with 202 at once and queued, with Lambda's two retries.
 */
import { createHash, randomUUID } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { dirname } from 'node:path'
import { EmulatorError } from './errors.js'
import { CodeCache } from './lambdaCode.js'
import { FunctionPool, type InvocationOutcome, type RuntimeSpec } from './lambdaPool.js'
import type { LogWriter } from './logs.js'
import { type MotoClient, motoAuthorization, parseAuthorization } from './motoClient.js'

/** Lambda's payload quotas. */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024
const LOG_TAIL_BYTES = 4096

/** What the gateway needs to answer an HTTP request. */
export interface HttpReply {
  status: number
  headers: Record<string, string>
  body: string
}

/** One Invoke call, as parsed from `POST /2015-03-31/functions/{name}/invocations`. */
export interface InvokeRequest {
  /** The function name, ARN or partial ARN (decoded). */
  functionName: string
  qualifier?: string
  /** `X-Amz-Invocation-Type`. @default 'RequestResponse' */
  invocationType?: string
  /** `X-Amz-Log-Type`: `Tail` returns the last 4 KB of the log in `X-Amz-Log-Result`. */
  logType?: string
  /** `X-Amz-Client-Context` (base64 JSON). */
  clientContext?: string
  /** The caller's `Authorization` header: its region and access key select moto's backend. */
  authorization?: string
  payload: Buffer
}

/** A function's configuration, as the emulator needs it. */
export interface FunctionConfig {
  functionName: string
  functionArn: string
  region: string
  accountId: string
  version: string
  runtime: string
  handler: string
  packageType: string
  timeoutSeconds: number
  memoryMb: number
  environment: Record<string, string>
  codeSha256: string
  codeLocation?: string
  /** Reserved concurrency; undefined when the function has none. */
  reservedConcurrency?: number
  /** Retries of a failed `Event` invocation (Lambda's default: 2). */
  maximumRetryAttempts: number
}

/** Options of {@link LambdaService}. */
export interface LambdaServiceOptions {
  stateDir: string
  moto: MotoClient
  logs: LogWriter
  /** The gateway's URL, given to handlers as `AWS_ENDPOINT_URL`. */
  endpointUrl: string
  /** Path of the built `lambdaRuntime.js`. */
  runtimePath: string
  /** Most processes per function. @default max(8, 4 × CPUs) */
  maxProcessesPerFunction?: number
  /** Idle processes older than this are stopped. @default 600000 (10 min) */
  idleTimeoutMs?: number
  /** Delays before the retries of a failed `Event` invocation. @default [1000, 2000] */
  asyncRetryDelaysMs?: number[]
  /** How long a GetFunction answer is reused (writes through the gateway clear it). @default 1000 */
  configTtlMs?: number
}

interface LookupKey {
  name: string
  qualifier: string | undefined
  region: string
  accessKey: string
}

interface AsyncItem {
  requestId: string
  payload: string
  attempt: number
  key: LookupKey
}

class FunctionRunner {
  readonly pool: FunctionPool
  inflight = 0
  reserved: number | undefined
  readonly queue: AsyncItem[] = []
  constructor(pool: FunctionPool) {
    this.pool = pool
  }
}

function reply(status: number, headers: Record<string, string>, body: unknown): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }
}

/** A Lambda service error (not a function error): `x-amzn-ErrorType` plus `{ Type, message }`. */
export function serviceError(
  status: number,
  type: string,
  message: string,
  requestId: string = randomUUID(),
  extra: Record<string, unknown> = {},
): HttpReply {
  return reply(
    status,
    { 'x-amzn-errortype': type, 'x-amzn-requestid': requestId },
    { Type: status >= 500 ? 'Service' : 'User', message, ...extra },
  )
}

function qualifiedName(name: string, qualifier: string | undefined): string {
  return qualifier ? `${name}:${qualifier}` : name
}

/** Runs Lambda invocations for the gateway. */
export class LambdaService {
  readonly #options: LambdaServiceOptions
  readonly #code: CodeCache
  readonly #runners = new Map<string, FunctionRunner>()
  readonly #configs = new Map<string, { at: number; config: Promise<FunctionConfig | undefined> }>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #reaper: NodeJS.Timeout
  readonly #maxProcesses: number
  #closed = false

  constructor(options: LambdaServiceOptions) {
    this.#options = options
    this.#code = new CodeCache(options.stateDir)
    this.#maxProcesses = options.maxProcessesPerFunction ?? Math.max(8, availableParallelism() * 4)
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

  /** Per-function process counts and queue lengths. */
  stats(): Record<
    string,
    { processes: number; idle: number; busy: number; inflight: number; queued: number }
  > {
    const out: Record<
      string,
      { processes: number; idle: number; busy: number; inflight: number; queued: number }
    > = {}
    for (const [name, runner] of this.#runners) {
      const s = runner.pool.stats()
      out[name] = {
        processes: s.processes,
        idle: s.idle,
        busy: s.busy,
        inflight: runner.inflight,
        queued: runner.queue.length,
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
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      return serviceError(
        400,
        'InvalidParameterValueException',
        `Unsupported InvocationType: ${type}`,
        requestId,
      )
    }
    const key = this.#lookupKey(request)
    const config = await this.#config(key)
    if (!config) {
      const arn = key.name.startsWith('arn:')
        ? key.name
        : `arn:aws:lambda:${key.region}:123456789012:function:${qualifiedName(key.name, key.qualifier)}`
      return serviceError(404, 'ResourceNotFoundException', `Function not found: ${arn}`, requestId)
    }
    if (!config.runtime.startsWith('nodejs') || config.packageType !== 'Zip') {
      return serviceError(
        502,
        'InvalidRuntimeException',
        `fanout's emulator runs Node.js zip functions only; ${config.functionName} is ${config.packageType} ${config.runtime || '(no runtime)'}`,
        requestId,
      )
    }
    const limit = type === 'Event' ? ASYNC_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT
    if (request.payload.length > limit) {
      return serviceError(
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        requestId,
      )
    }
    const payload = request.payload.toString('utf8')
    if (payload.trim() !== '') {
      try {
        JSON.parse(payload)
      } catch (error) {
        return serviceError(
          400,
          'InvalidRequestContentException',
          `Could not parse request body into json: ${(error as Error).message}`,
          requestId,
        )
      }
    }
    const runner = this.#runner(config)
    runner.reserved = config.reservedConcurrency
    const versionHeader = {
      'x-amz-executed-version': config.version,
      'x-amzn-requestid': requestId,
    }

    if (type === 'DryRun') return { status: 204, headers: versionHeader, body: '' }
    if (type === 'Event') {
      runner.queue.push({ requestId, payload, attempt: 0, key })
      this.#pump(runner)
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
      this.#pump(runner)
    }
    const headers: Record<string, string> = { ...versionHeader }
    if (outcome.logLines) {
      const tail = Buffer.from(`${outcome.logLines.join('\n')}\n`)
      headers['x-amz-log-result'] = tail
        .subarray(Math.max(0, tail.length - LOG_TAIL_BYTES))
        .toString('base64')
    }
    if (outcome.error) {
      headers['x-amz-function-error'] = 'Unhandled'
      return reply(200, headers, outcome.error)
    }
    const body = outcome.payload ?? 'null'
    if (Buffer.byteLength(body) > SYNC_PAYLOAD_LIMIT) {
      headers['x-amz-function-error'] = 'Unhandled'
      return reply(200, headers, {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${SYNC_PAYLOAD_LIMIT} bytes).`,
      })
    }
    return reply(200, headers, body)
  }

  /** Starts queued `Event` invocations while the function has capacity. */
  #pump(runner: FunctionRunner): void {
    const cap = Math.min(runner.reserved ?? Number.POSITIVE_INFINITY, this.#maxProcesses)
    while (!this.#closed && runner.queue.length > 0 && runner.inflight < cap) {
      const item = runner.queue.shift() as AsyncItem
      runner.inflight++
      void this.#runAsync(runner, item).finally(() => {
        runner.inflight--
        this.#pump(runner)
      })
    }
  }

  async #runAsync(runner: FunctionRunner, item: AsyncItem): Promise<void> {
    const name = runner.pool.functionName
    let config: FunctionConfig | undefined
    let failed = true
    try {
      config = await this.#config(item.key)
      if (!config) {
        this.#options.logs.write(
          name,
          `fanout emulator: dropped async event ${item.requestId}: the function no longer exists`,
        )
        return
      }
      runner.reserved = config.reservedConcurrency
      const spec = await this.#spec(config, item.key)
      const outcome = await runner.pool.invoke(spec, item.requestId, item.payload, {
        background: true,
      })
      failed = outcome.error !== undefined
    } catch (error) {
      this.#options.logs.write(
        name,
        `fanout emulator: async event ${item.requestId} failed: ${(error as Error).message}`,
      )
    }
    const maxRetries = config?.maximumRetryAttempts ?? 2
    if (failed && config && item.attempt < maxRetries && !this.#closed) {
      const delays = this.#options.asyncRetryDelaysMs ?? [1000, 2000]
      const delay = delays[Math.min(item.attempt, delays.length - 1)] ?? 1000
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        runner.queue.push({ ...item, attempt: item.attempt + 1 })
        this.#pump(runner)
      }, delay)
      this.#timers.add(timer)
    }
  }

  #runner(config: FunctionConfig): FunctionRunner {
    const key = config.functionArn
    let runner = this.#runners.get(key)
    if (!runner) {
      runner = new FunctionRunner(
        new FunctionPool({
          functionName: config.functionName,
          logs: this.#options.logs,
          maxProcesses: this.#maxProcesses,
        }),
      )
      this.#runners.set(key, runner)
    }
    return runner
  }

  #lookupKey(request: InvokeRequest): LookupKey {
    const auth = parseAuthorization(request.authorization)
    let region = auth?.region ?? 'us-east-1'
    let name = request.functionName
    let qualifier = request.qualifier
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    const arn = /^arn:[^:]+:lambda:([^:]+):\d+:function:([^:]+)(?::(.+))?$/.exec(name)
    if (arn) {
      region = arn[1] as string
      name = arn[2] as string
      qualifier ??= arn[3]
    } else if (name.includes(':')) {
      const [plain, q] = name.split(':')
      name = plain as string
      qualifier ??= q
    }
    return { name, qualifier, region, accessKey: auth?.accessKey ?? 'test' }
  }

  /** The function's configuration from moto, cached for `configTtlMs`; undefined when it does not exist. */
  #config(key: LookupKey): Promise<FunctionConfig | undefined> {
    const cacheKey = `${key.accessKey}|${key.region}|${qualifiedName(key.name, key.qualifier)}`
    const cached = this.#configs.get(cacheKey)
    const ttl = this.#options.configTtlMs ?? 1000
    if (cached && Date.now() - cached.at < ttl) return cached.config
    const config = this.#fetchConfig(key)
    this.#configs.set(cacheKey, { at: Date.now(), config })
    config.then(
      (c) => {
        if (!c) this.#configs.delete(cacheKey)
      },
      () => this.#configs.delete(cacheKey),
    )
    return config
  }

  async #fetchConfig(key: LookupKey): Promise<FunctionConfig | undefined> {
    const moto = this.#options.moto
    const headers = { authorization: motoAuthorization('lambda', key.region, key.accessKey) }
    const name = encodeURIComponent(key.name)
    const query = key.qualifier ? `?Qualifier=${encodeURIComponent(key.qualifier)}` : ''
    const [fn, concurrency, eventConfig] = await Promise.all([
      moto.send({ path: `/2015-03-31/functions/${name}${query}`, headers }),
      moto.send({ path: `/2019-09-30/functions/${name}/concurrency`, headers }),
      moto.send({ path: `/2019-09-25/functions/${name}/event-invoke-config${query}`, headers }),
    ])
    if (fn.status === 404) return undefined
    if (fn.status !== 200) {
      throw new EmulatorError(
        `moto's GetFunction answered ${fn.status}: ${fn.body.toString().slice(0, 300)}`,
      )
    }
    const body = JSON.parse(fn.body.toString()) as {
      Configuration?: Record<string, unknown>
      Code?: { Location?: string }
      Concurrency?: { ReservedConcurrentExecutions?: number }
    }
    const c = body.Configuration ?? {}
    const arn = String(c.FunctionArn ?? '')
    const arnParts = arn.split(':')
    let reserved = body.Concurrency?.ReservedConcurrentExecutions
    if (concurrency.status === 200) {
      const parsed = JSON.parse(concurrency.body.toString() || '{}') as {
        ReservedConcurrentExecutions?: number | null
      }
      if (typeof parsed?.ReservedConcurrentExecutions === 'number')
        reserved = parsed.ReservedConcurrentExecutions
    }
    let maximumRetryAttempts = 2
    if (eventConfig.status === 200) {
      const parsed = JSON.parse(eventConfig.body.toString() || '{}') as {
        MaximumRetryAttempts?: number
      }
      if (typeof parsed.MaximumRetryAttempts === 'number')
        maximumRetryAttempts = parsed.MaximumRetryAttempts
    }
    const environment =
      (c.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}
    return {
      functionName: String(c.FunctionName ?? key.name),
      functionArn: arn,
      region: arnParts[3] ?? key.region,
      accountId: arnParts[4] ?? '123456789012',
      version: String(c.Version ?? '$LATEST'),
      runtime: String(c.Runtime ?? ''),
      handler: String(c.Handler ?? 'index.handler'),
      packageType: String(c.PackageType ?? 'Zip'),
      timeoutSeconds: Number(c.Timeout ?? 3),
      memoryMb: Number(c.MemorySize ?? 128),
      environment,
      codeSha256: String(c.CodeSha256 ?? ''),
      ...(body.Code?.Location ? { codeLocation: body.Code.Location } : {}),
      ...(typeof reserved === 'number' ? { reservedConcurrency: reserved } : {}),
      maximumRetryAttempts,
    }
  }

  /** The runtime spec of a function: its code unzipped, its environment, its context facts. */
  async #spec(config: FunctionConfig, key: LookupKey): Promise<RuntimeSpec> {
    const codeDir = await this.#code.ensure(config.codeSha256, () => this.#download(config, key))
    const o = this.#options
    const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[${config.version}]${createHash('md5').update(config.functionArn).digest('hex')}`
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: 'UTC',
      ...config.environment,
      AWS_ENDPOINT_URL: o.endpointUrl,
      AWS_REGION: config.region,
      AWS_DEFAULT_REGION: config.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: config.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: config.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
      AWS_LAMBDA_FUNCTION_TIMEOUT: String(config.timeoutSeconds),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      LAMBDA_TASK_ROOT: codeDir,
      LAMBDA_RUNTIME_DIR: dirname(o.runtimePath),
      _HANDLER: config.handler,
      FANOUT_EMULATOR: '1',
    }
    // The log stream name carries the date: keep it out of the generation, or processes would retire daily.
    const generation = createHash('sha256')
      .update(
        JSON.stringify([
          { ...env, AWS_LAMBDA_LOG_STREAM_NAME: '' },
          config.memoryMb,
          config.timeoutSeconds,
        ]),
      )
      .digest('hex')
    return {
      generation,
      codeDir,
      env,
      runtimePath: o.runtimePath,
      timeoutSeconds: config.timeoutSeconds,
      memoryMb: config.memoryMb,
      info: {
        functionName: config.functionName,
        functionVersion: config.version,
        invokedFunctionArn: config.functionArn,
        memoryLimitInMB: String(config.memoryMb),
        logGroupName: `/aws/lambda/${config.functionName}`,
        logStreamName: logStream,
      },
    }
  }

  /**
   * The function's deployment zip. First fanout's moto route (moto holds the
   * code of every function in memory), then `Code.Location` itself through
   * moto, then its S3 key in the buckets moto has (a CDK asset bucket).
   */
  async #download(config: FunctionConfig, key: LookupKey): Promise<Buffer> {
    const moto = this.#options.moto
    const tried: string[] = []
    const direct = await moto.send({
      path: `/_fanout/lambda-code?arn=${encodeURIComponent(config.functionArn)}`,
    })
    if (direct.status === 200) return direct.body
    tried.push(`fanout's moto code route (${direct.status})`)

    const location = config.codeLocation ? new URL(config.codeLocation) : undefined
    const s3Key = location ? decodeURIComponent(location.pathname.slice(1)) : undefined
    const s3Auth = { authorization: motoAuthorization('s3', config.region, key.accessKey) }
    if (location && s3Key) {
      const viaLocation = await moto.send({
        path: location.pathname,
        headers: { ...s3Auth, host: location.host },
      })
      if (viaLocation.status === 200) return viaLocation.body
      tried.push(`Code.Location ${config.codeLocation} (${viaLocation.status})`)

      const list = await moto.send({ path: '/', headers: s3Auth })
      const buckets = [...list.body.toString().matchAll(/<Name>([^<]+)<\/Name>/g)].map(
        (m) => m[1] as string,
      )
      buckets.sort((a, b) => Number(b.includes('assets')) - Number(a.includes('assets')))
      for (const bucket of buckets) {
        const object = await moto.send({
          path: `/${bucket}/${s3Key.split('/').map(encodeURIComponent).join('/')}`,
          headers: s3Auth,
        })
        if (object.status === 200) return object.body
      }
      tried.push(`key ${s3Key} in ${buckets.length} S3 bucket(s)`)
    }
    throw new EmulatorError(
      `cannot find the code of Lambda function ${config.functionName}; tried ${tried.join(', ')}`,
    )
  }

  /** Stops every process and drops queued events. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#reaper)
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    for (const runner of this.#runners.values()) {
      runner.queue.length = 0
      runner.pool.close()
    }
  }
}
