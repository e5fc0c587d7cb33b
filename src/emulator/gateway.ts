/**
 * The emulator's front door on 127.0.0.1:<port> (4566 by default, like
 * LocalStack): every request is proxied to moto's private port, streamed
 * both ways, except the Lambda Invoke API, which {@link LambdaService} runs
 * itself, and fanout's own `/_fanout/*` routes (health, logs: fanoutRoutes.ts).
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { EmulatorError } from './errors.js'
import { fanoutRoute } from './fanoutRoutes.js'
import { type HttpReply, serviceError } from './invokeApi.js'
import { LambdaService, type LambdaServiceOptions } from './LambdaService.js'
import { LogWriter } from './logs.js'
import { MotoClient } from './motoClient.js'
import { DEFAULT_RUNTIMES } from './NodeSelector.js'

/** Options of {@link startGateway}. */
export interface GatewayOptions
  extends Pick<
    LambdaServiceOptions,
    | 'maxProcessesPerFunction'
    | 'idleTimeoutMs'
    | 'asyncRetryDelaysMs'
    | 'configTtlMs'
    | 'nodes'
    | 'sandbox'
  > {
  /** Port to listen on; 0 picks a free one. @default 4566 */
  port?: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** moto's private port. */
  motoPort: number
  /** Where logs and unzipped code live. */
  stateDir: string
  /** Path of the built `lambdaRuntime.js`. */
  runtimePath: string
}

/** A running gateway. */
export interface Gateway {
  /** `http://127.0.0.1:<port>`. */
  url: string
  port: number
  server: Server
  lambda: LambdaService
  /** Stops listening, stops every Lambda process, flushes the logs. */
  close(): Promise<void>
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/
const INVOKE_ASYNC = /^\/2014-11-13\/functions\/([^/]+)\/invoke-async\/?$/
const LAMBDA_WRITE = /^\/\d{4}-\d{2}-\d{2}\/functions(\/|$)/
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
])

function endToEnd(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value
  }
  return out
}

function send(res: ServerResponse, r: HttpReply): void {
  const body = Buffer.from(r.body)
  res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length) })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete)
        reject(new Error('the client closed the connection before sending the whole request'))
    })
  })
}

/**
 * Starts the gateway in this process.
 *
 * @example
 * ```ts
 * const gateway = await startGateway({ port: 4566, motoPort: 5001, stateDir: '.fanout/emulator', runtimePath })
 * ```
 * @throws EmulatorError when the port is in use.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1'
  const moto = new MotoClient(options.motoPort)
  const proxyAgent = new Agent({ keepAlive: true, maxSockets: 256 })
  const logs = new LogWriter(options.stateDir)
  let lambda: LambdaService | undefined
  const started = Date.now()
  let port = options.port ?? 4566

  const own = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    send(
      res,
      await fanoutRoute(req.method ?? 'GET', url, {
        stateDir: options.stateDir,
        motoPort: options.motoPort,
        port,
        startedAt: started,
        lambda,
      }),
    )
  }

  const invoke = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    name: string,
    legacyAsync: boolean,
  ) => {
    const payload = await readBody(req)
    const header = (h: string) => {
      const v = req.headers[h]
      return Array.isArray(v) ? v[0] : v
    }
    const qualifier = url.searchParams.get('Qualifier') ?? undefined
    const r = await (lambda as LambdaService).invoke({
      functionName: decodeURIComponent(name),
      ...(qualifier ? { qualifier } : {}),
      invocationType: legacyAsync
        ? 'Event'
        : (header('x-amz-invocation-type') ?? 'RequestResponse'),
      ...(header('x-amz-log-type') ? { logType: header('x-amz-log-type') } : {}),
      ...(header('x-amz-client-context') ? { clientContext: header('x-amz-client-context') } : {}),
      ...(header('authorization') ? { authorization: header('authorization') } : {}),
      payload,
    })
    if (legacyAsync && r.status === 202) send(res, { ...r, body: JSON.stringify({ Status: 202 }) })
    else send(res, r)
  }

  const proxy = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const isLambdaWrite = req.method !== 'GET' && req.method !== 'HEAD' && LAMBDA_WRITE.test(path)
    const upstream = request({
      host: '127.0.0.1',
      port: options.motoPort,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: proxyAgent,
    })
    upstream.on('response', (answer) => {
      if (isLambdaWrite) answer.on('end', () => lambda?.invalidate())
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers))
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', (error) => {
      if (!res.headersSent) {
        send(
          res,
          serviceError(
            502,
            'ServiceUnavailableException',
            `fanout emulator: moto is not reachable: ${error.message}`,
          ),
        )
      } else res.destroy()
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    if (isLambdaWrite) lambda?.invalidate()
    req.pipe(upstream)
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway')
    const path = url.pathname
    const handle = async () => {
      if (path.startsWith('/_fanout/')) return own(req, res, url)
      if (req.method === 'POST') {
        const sync = INVOKE.exec(path)
        if (sync) return invoke(req, res, url, sync[1] as string, false)
        const legacy = INVOKE_ASYNC.exec(path)
        if (legacy) return invoke(req, res, url, legacy[1] as string, true)
      }
      proxy(req, res, path)
    }
    handle().catch((error: unknown) => {
      if (!res.headersSent)
        send(
          res,
          serviceError(500, 'ServiceException', `fanout emulator: ${(error as Error).message}`),
        )
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
  server.requestTimeout = 0

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new EmulatorError(
              `port ${port} on ${host} is already in use; stop what uses it or choose another port`,
              {
                cause: error,
              },
            )
          : error,
      )
    })
    server.listen(port, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const url = `http://${host}:${port}`
  lambda = new LambdaService({
    stateDir: options.stateDir,
    moto,
    logs,
    endpointUrl: url,
    runtimePath: options.runtimePath,
    ...(options.maxProcessesPerFunction !== undefined
      ? { maxProcessesPerFunction: options.maxProcessesPerFunction }
      : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.sandbox !== undefined ? { sandbox: options.sandbox } : {}),
    ...(options.asyncRetryDelaysMs !== undefined
      ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs }
      : {}),
    ...(options.configTtlMs !== undefined ? { configTtlMs: options.configTtlMs } : {}),
    ...(options.nodes ? { nodes: options.nodes } : {}),
  })
  const service = lambda
  service.prepareRuntimes(DEFAULT_RUNTIMES)

  return {
    url,
    port,
    server,
    lambda: service,
    async close() {
      await service.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      proxyAgent.destroy()
      moto.close()
      await logs.close()
    },
  }
}
