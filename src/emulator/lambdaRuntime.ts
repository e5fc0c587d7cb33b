/**
 * The Lambda runtime of fanout's emulator: one child process per warm Lambda
 * "container", forked by the gateway with an IPC channel (built to
 * `dist/lambdaRuntime.js`). At start it imports the handler named by
 * `_HANDLER` from `LAMBDA_TASK_ROOT` (`file.export`, trying `.js`, `.mjs`,
 * `.cjs` like Lambda's Node runtime), then answers `invoke` messages one at a
 * time with the handler's result or its error in Lambda's shape. Console
 * output goes to the gateway as CloudWatch-like lines.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { format } from 'node:util'
import type {
  ChildMessage,
  InvokeMessage,
  LambdaErrorBody,
  RuntimeFunctionInfo,
} from './runtimeProtocol.js'

type Handler = (event: unknown, context: LambdaContext, callback: Callback) => unknown
type Callback = (error?: unknown, result?: unknown) => void

/** The `context` a handler receives: the parts of Lambda's that make sense locally. */
export interface LambdaContext extends RuntimeFunctionInfo {
  awsRequestId: string
  callbackWaitsForEmptyEventLoop: boolean
  clientContext?: unknown
  getRemainingTimeInMillis(): number
}

/** An error the runtime itself reports (Runtime.ImportModuleError, ...). */
class RuntimeError extends Error {
  constructor(errorType: string, message: string) {
    super(message)
    this.name = errorType
  }
}

let currentRequestId: string | undefined

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolvePromise) => {
    if (!process.connected || !process.send) {
      resolvePromise()
      return
    }
    process.send(message, undefined, {}, () => resolvePromise())
  })
}

function toLambdaError(error: unknown): LambdaErrorBody {
  if (error instanceof Error) {
    return {
      errorType: error.name || error.constructor?.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    }
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] }
}

function maxMemoryUsedMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024)
}

/** Console methods become CloudWatch-like lines: `<requestId>\t<LEVEL>\t<text>`. */
function patchConsole(): void {
  const levels: [keyof Console, string][] = [
    ['log', 'INFO'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['debug', 'DEBUG'],
    ['trace', 'TRACE'],
  ]
  for (const [method, level] of levels) {
    Object.assign(console, {
      [method]: (...args: unknown[]) => {
        void send({ type: 'log', message: `${currentRequestId}\t${level}\t${format(...args)}` })
      },
    })
  }
}

async function loadHandler(taskRoot: string, spec: string): Promise<Handler> {
  const match = /^([^.]*)\.(.*)$/.exec(spec)
  if (!match) {
    throw new RuntimeError(
      'Runtime.MalformedHandlerName',
      `Bad handler ${spec}: expected file.export`,
    )
  }
  const [, modulePath = '', exportPath = ''] = match
  const base = resolve(taskRoot, modulePath)
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f))
  if (!file) {
    throw new RuntimeError(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${taskRoot}`,
    )
  }
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`)
    }
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${(error as Error).message}`)
    }
    throw error
  }
  const lookup = (root: unknown): unknown =>
    exportPath
      .split('.')
      .reduce<unknown>(
        (value, key) =>
          value !== null && value !== undefined
            ? (value as Record<string, unknown>)[key]
            : undefined,
        root,
      )
  const handler = lookup(module) ?? lookup(module.default)
  if (typeof handler !== 'function') {
    throw new RuntimeError(
      'Runtime.HandlerNotFound',
      `${modulePath}.${exportPath} is undefined or not exported`,
    )
  }
  return handler as Handler
}

function runHandler(handler: Handler, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    let settled = false
    const callback: Callback = (error, result) => {
      if (settled) return
      settled = true
      if (error !== undefined && error !== null) reject(error)
      else resolvePromise(result)
    }
    try {
      const returned = handler(event, context, callback)
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        ;(returned as Promise<unknown>).then(
          (value) => callback(null, value),
          (error: unknown) => callback(error ?? new Error('handler rejected with no reason')),
        )
      } else if (handler.length < 3) {
        callback(null, returned)
      }
    } catch (error) {
      callback(error ?? new Error('handler threw no reason'))
    }
  })
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  currentRequestId = message.requestId
  const context: LambdaContext = {
    ...message.function,
    awsRequestId: message.requestId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  }
  if (message.clientContext) {
    try {
      context.clientContext = JSON.parse(Buffer.from(message.clientContext, 'base64').toString())
    } catch {
      context.clientContext = undefined
    }
  }
  let payload: string | undefined
  let error: LambdaErrorBody | undefined
  const restoreFetch = message.fault ? injectAtPartialWrite(message.fault) : undefined
  try {
    const event: unknown = message.payload.trim() === '' ? {} : JSON.parse(message.payload)
    const result = await runHandler(handler, event, context)
    try {
      payload = JSON.stringify(result === undefined ? null : result)
    } catch (cause) {
      error = {
        errorType: 'Runtime.MarshalError',
        errorMessage: `Unable to stringify response body: ${(cause as Error).message}`,
      }
    }
  } catch (thrown) {
    error = toLambdaError(thrown)
  } finally {
    restoreFetch?.()
  }
  if (currentRequestId !== message.requestId) return // an uncaught error already answered it
  currentRequestId = undefined
  await send({
    type: 'result',
    requestId: message.requestId,
    ...(error ? { error } : { payload }),
    maxMemoryUsedMb: maxMemoryUsedMb(),
  })
}

const PARTIAL_PUT = /\/jobs\/[^/]+\/partials\/\d+\.parquet$/

/**
 * An injected fault (`FANOUT_FAULTS`, handed over by the gateway, never read by
 * the function) met when the function writes a molecule's partial: `crash`
 * kills this process, `hang` never answers the write (the function's timeout
 * ends it), `s3` answers every try with 503 SlowDown. Returns the undo.
 */
function injectAtPartialWrite(fault: NonNullable<InvokeMessage['fault']>): () => void {
  const realFetch = globalThis.fetch
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method === 'PUT' && PARTIAL_PUT.test(decodeURIComponent(url.pathname))) {
      if (fault === 'crash') process.kill(process.pid, 'SIGKILL')
      if (fault === 'hang') return new Promise<Response>(() => {})
      return new Response(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate. (injected fault)</Message></Error>',
        { status: 503, headers: { 'content-type': 'application/xml' } },
      )
    }
    return realFetch(input, init)
  }) as typeof fetch
  return () => {
    globalThis.fetch = realFetch
  }
}

/** An error outside the handler's promise chain fails the invocation and ends the process, as on Lambda. */
function installCrashHandlers(): void {
  const crash = async (error: LambdaErrorBody) => {
    const requestId = currentRequestId
    currentRequestId = undefined
    if (requestId) {
      await send({
        type: 'result',
        requestId,
        error,
        maxMemoryUsedMb: maxMemoryUsedMb(),
        exiting: true,
      })
    } else {
      await send({
        type: 'log',
        message: `undefined\tERROR\t${error.errorType}: ${error.errorMessage}`,
      })
    }
    process.exit(129)
  }
  process.on('uncaughtException', (error) => void crash(toLambdaError(error)))
  process.on('unhandledRejection', (reason) => {
    const body = toLambdaError(reason)
    void crash({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: `${body.errorType}: ${body.errorMessage}`,
      trace: body.trace ?? [],
    })
  })
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write(
      'lambdaRuntime: must be started by the fanout gateway with an IPC channel\n',
    )
    process.exit(2)
  }
  process.on('disconnect', () => process.exit(0))
  patchConsole()
  installCrashHandlers()
  const started = performance.now()
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd()
  let handler: Handler
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER ?? '')
  } catch (error) {
    await send({
      type: 'initError',
      error: toLambdaError(error),
      initDurationMs: performance.now() - started,
    })
    process.exit(1)
  }
  // One invocation at a time: the gateway never sends the next before the result.
  let queue = Promise.resolve()
  process.on('message', (message: InvokeMessage) => {
    if (message?.type !== 'invoke') return
    queue = queue.then(() => invoke(handler, message))
  })
  await send({ type: 'ready', initDurationMs: performance.now() - started })
}

void main()
