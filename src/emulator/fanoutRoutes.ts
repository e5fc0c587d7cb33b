/**
 * The gateway's own routes under `/_fanout/`: health (pids, per-function
 * process counts, the Node of each runtime) and the functions' logs.
 */
import { type HttpReply, jsonReply, serviceError } from './invokeApi.js'
import type { LambdaService } from './LambdaService.js'
import { listFunctionLogs, readFunctionLogs } from './logs.js'

/** The path of fanout's health route. */
export const HEALTH_PATH = '/_fanout/health'

const LOGS = /^\/_fanout\/logs(?:\/([^/]+))?\/?$/

/** What the routes report on. */
export interface FanoutRouteContext {
  stateDir: string
  motoPort: number
  /** The gateway's port. */
  port: number
  /** When the gateway started (epoch ms). */
  startedAt: number
  lambda: LambdaService | undefined
}

/**
 * Answers a request to `/_fanout/...`.
 *
 * - `GET /_fanout/health`: `{ status, pid, port, motoPort, uptimeMs, functions, lambdaPids, runtimes }`;
 *   its first answer waits for the Node lookup of the runtimes the gateway prepared.
 * - `GET /_fanout/logs`: `{ functions }`, the functions that have logs.
 * - `GET /_fanout/logs/{name}?since&contains&limit`: `{ functionName, events }`.
 */
export async function fanoutRoute(
  method: string,
  url: URL,
  context: FanoutRouteContext,
): Promise<HttpReply> {
  const { lambda, stateDir } = context
  if (url.pathname === HEALTH_PATH) {
    return jsonReply(
      200,
      {},
      {
        status: 'ok',
        pid: process.pid,
        port: context.port,
        motoPort: context.motoPort,
        uptimeMs: Date.now() - context.startedAt,
        functions: lambda?.stats() ?? {},
        lambdaPids: lambda?.pids() ?? [],
        runtimes: (await lambda?.runtimes()) ?? [],
      },
    )
  }
  const logs = LOGS.exec(url.pathname)
  if (logs && method === 'GET') {
    const name = logs[1] ? decodeURIComponent(logs[1]) : undefined
    if (!name) return jsonReply(200, {}, { functions: await listFunctionLogs(stateDir) })
    const query = url.searchParams
    const events = await readFunctionLogs({
      stateDir,
      functionName: name,
      ...(query.has('since') ? { since: Number(query.get('since')) } : {}),
      ...(query.has('contains') ? { contains: query.get('contains') as string } : {}),
      ...(query.has('limit') ? { limit: Number(query.get('limit')) } : {}),
    })
    return jsonReply(200, {}, { functionName: name, events })
  }
  return serviceError(404, 'NotFound', `no fanout route ${method} ${url.pathname}`)
}
