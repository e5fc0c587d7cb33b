/** `fanout emulator status`: is the emulator of a state directory running, answering, and on which Node its functions run. */
import { resolve } from 'node:path'
import { z } from 'zod'
import { DEFAULT_STATE_DIR, type EmulatorInfo, readState } from './emulatorState.js'
import { HEALTH_PATH } from './fanoutRoutes.js'
import { HOST, httpJson, httpOk } from './localNet.js'
import { describeRuntimeNode, type RuntimeNode } from './NodeSelector.js'
import { isOurs } from './processes.js'

/** What {@link emulatorStatus} found. */
export interface EmulatorStatus {
  running: boolean
  /** Set when a state file exists. */
  info?: EmulatorInfo
  gatewayAlive: boolean
  motoAlive: boolean
  /** Both processes answer on their ports. */
  healthy: boolean
  /** The Node binary that runs each Lambda runtime's functions, as the running gateway reports it. */
  runtimes?: RuntimeNode[]
  message: string
}

/** The part of the gateway's health answer that status reads. */
const healthSchema = z.object({
  runtimes: z
    .array(
      z.object({
        runtime: z.string(),
        wantedMajor: z.number().optional(),
        path: z.string(),
        version: z.string(),
        source: z.enum(['env', 'current', 'path', 'npx-cache', 'fallback']),
        matches: z.boolean(),
        reason: z.string().optional(),
      }),
    )
    .default([]),
})

/** How long the gateway may take to answer status: its first answer waits for the Node lookup. */
const GATEWAY_HEALTH_TIMEOUT_MS = 5000

/**
 * Reports whether the emulator recorded in `stateDir` is running and
 * answering, and which Node runs each Lambda runtime's functions.
 *
 * @example
 * ```ts
 * const { running, info, message } = await emulatorStatus({ stateDir: '.fanout/emulator' })
 * ```
 */
export async function emulatorStatus(options: { stateDir?: string } = {}): Promise<EmulatorStatus> {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR)
  const info = await readState(stateDir)
  if (!info) {
    return {
      running: false,
      gatewayAlive: false,
      motoAlive: false,
      healthy: false,
      message: 'the emulator is not running',
    }
  }
  const gatewayAlive = isOurs(info.gatewayPid, 'emulatorGateway')
  const motoAlive = isOurs(info.motoPid, 'moto_launcher')
  const [health, motoOk] = await Promise.all([
    gatewayAlive
      ? httpJson(`${info.endpoint}${HEALTH_PATH}`, GATEWAY_HEALTH_TIMEOUT_MS)
      : Promise.resolve(undefined),
    motoAlive ? httpOk(`http://${HOST}:${info.motoPort}/moto-api/`) : false,
  ])
  const running = gatewayAlive && motoAlive
  const healthy = health !== undefined && motoOk
  const parsed = healthSchema.safeParse(health ?? {})
  const runtimes: RuntimeNode[] = parsed.success ? parsed.data.runtimes : []
  const nodes = runtimes.map((r) => `; ${describeRuntimeNode(r)}`).join('')
  const message = running
    ? `the emulator is running on ${info.endpoint} (gateway pid ${info.gatewayPid}, moto pid ${info.motoPid} on port ${info.motoPort})${healthy ? '' : ', but does not answer'}${nodes}`
    : `the emulator in ${stateDir} is not running (stale state: gateway ${gatewayAlive ? 'alive' : 'gone'}, moto ${motoAlive ? 'alive' : 'gone'})`
  return {
    running,
    info,
    gatewayAlive,
    motoAlive,
    healthy,
    ...(runtimes.length > 0 ? { runtimes } : {}),
    message,
  }
}
