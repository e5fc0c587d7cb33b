/**
 * `fanout emulator start|stop`: the Docker-less local cloud as two detached
 * background processes, moto's server (patched, on a private port) and
 * fanout's gateway (on 127.0.0.1:4566 by default), recorded in
 * `<stateDir>/emulator.json` so that later commands find and stop them.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { resolveEmulatorFiles } from './emulatorFiles.js'
import {
  DEFAULT_STATE_DIR,
  type EmulatorInfo,
  readState,
  removeState,
  stateFile,
  withLock,
  writeState,
} from './emulatorState.js'
import { emulatorStatus } from './emulatorStatus.js'
import { EmulatorError } from './errors.js'
import { HEALTH_PATH } from './fanoutRoutes.js'
import { freePort, HOST, httpOk, portFree } from './localNet.js'
import { checkMoto } from './motoCheck.js'
import { isOurs, killGroups } from './processes.js'

/** The gateway's default port (LocalStack's). */
export const DEFAULT_PORT = 4566

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions {
  /** The gateway's port. @default 4566 */
  port?: number
  /** State directory (pids, logs, code cache). @default '.fanout/emulator' */
  stateDir?: string
  /** The Python that has moto. @default process.env.FANOUT_PYTHON ?? 'python3' */
  python?: string
  /** How long to wait for both processes to answer. @default 60000 */
  timeoutMs?: number
  /** Most processes per Lambda function in the gateway. */
  maxProcessesPerFunction?: number
  /**
   * Faults the gateway injects at the Lambda and S3 boundary, for chaos tests
   * (`FANOUT_FAULTS` syntax, e.g. `crash=0.2,seed=7`). @default the caller's `FANOUT_FAULTS`, if set
   */
  faults?: string
}

/** What {@link startEmulator} did. */
export interface StartEmulatorResult extends EmulatorInfo {
  /** True when the emulator was already running and nothing was started. */
  alreadyRunning: boolean
  /** A line for the user. */
  message: string
}

/** What {@link stopEmulator} did. */
export interface StopEmulatorResult {
  /** False when there was nothing to stop. */
  wasRunning: boolean
  /** The pids that were signalled. */
  stopped: number[]
  message: string
}

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Starts moto and the gateway as detached background processes (they outlive
 * the caller) and waits until both answer. Idempotent: when the emulator of
 * `stateDir` already runs, reports it and starts nothing.
 *
 * @example
 * ```ts
 * const { endpoint } = await startEmulator({ port: 4566 })
 * process.env.AWS_ENDPOINT_URL = endpoint
 * ```
 * @throws EmulatorError when moto is missing (saying what to install), the port is in use,
 * the build is missing, or a process dies or does not answer in time.
 */
export async function startEmulator(
  options: StartEmulatorOptions = {},
): Promise<StartEmulatorResult> {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR)
  const port = options.port ?? DEFAULT_PORT
  const python = options.python ?? process.env.FANOUT_PYTHON ?? 'python3'
  await mkdir(stateDir, { recursive: true })
  return withLock(stateDir, async () => {
    const status = await emulatorStatus({ stateDir })
    if (status.info && status.running) {
      return {
        ...status.info,
        alreadyRunning: true,
        message:
          status.info.port === port
            ? `${status.message}; nothing to do`
            : `${status.message}; not starting another one on port ${port} (stop it first)`,
      }
    }
    if (status.info) {
      // Stale: whatever is left of a previous run goes before a new start.
      await killGroups([
        ...(status.gatewayAlive ? [status.info.gatewayPid] : []),
        ...(status.motoAlive ? [status.info.motoPid] : []),
      ])
      await removeState(stateDir)
    }

    const files = resolveEmulatorFiles()
    if (!(await portFree(port))) {
      throw new EmulatorError(
        `port ${port} on ${HOST} is already in use (LocalStack or another emulator?); stop it or start fanout's emulator on another port`,
      )
    }
    await checkMoto(python)
    const motoPort = await freePort()

    const motoLog = join(stateDir, 'moto.log')
    const gatewayLog = join(stateDir, 'gateway.log')
    const motoOut = openSync(motoLog, 'a')
    const gatewayOut = openSync(gatewayLog, 'a')
    const moto = spawn(python, [files.launcher, '--port', String(motoPort)], {
      detached: true,
      stdio: ['ignore', motoOut, motoOut],
      env: { ...process.env, MOTO_PORT: String(port), FANOUT_MOTO_PRIVATE_PORT: String(motoPort) },
    })
    const gateway = spawn(process.execPath, [files.gateway], {
      detached: true,
      stdio: ['ignore', gatewayOut, gatewayOut],
      env: {
        ...process.env,
        FANOUT_GATEWAY_PORT: String(port),
        FANOUT_MOTO_PORT: String(motoPort),
        FANOUT_EMULATOR_STATE_DIR: stateDir,
        FANOUT_LAMBDA_RUNTIME: files.runtime,
        ...(options.maxProcessesPerFunction
          ? { FANOUT_EMULATOR_MAX_PROCESSES: String(options.maxProcessesPerFunction) }
          : {}),
        ...(options.faults !== undefined ? { FANOUT_FAULTS: options.faults } : {}),
      },
    })
    closeSync(motoOut)
    closeSync(gatewayOut)
    const exited = new Map<string, string>()
    moto.on('exit', (code, signal) => exited.set('moto', `exited with ${signal ?? `code ${code}`}`))
    gateway.on('exit', (code, signal) =>
      exited.set('gateway', `exited with ${signal ?? `code ${code}`}`),
    )
    moto.on('error', (error) => exited.set('moto', `failed to start: ${error.message}`))
    gateway.on('error', (error) => exited.set('gateway', `failed to start: ${error.message}`))
    moto.unref()
    gateway.unref()

    const info: EmulatorInfo = {
      version: 1,
      endpoint: `http://${HOST}:${port}`,
      port,
      motoPort,
      gatewayPid: gateway.pid ?? -1,
      motoPid: moto.pid ?? -1,
      stateDir,
      startedAt: new Date().toISOString(),
    }
    await writeState(info)

    const fail = async (reason: string): Promise<never> => {
      await killGroups([info.gatewayPid, info.motoPid].filter((pid) => pid > 0))
      await removeState(stateDir)
      throw new EmulatorError(
        `${reason}\n--- ${motoLog} (tail)\n${logTail(motoLog)}\n--- ${gatewayLog} (tail)\n${logTail(gatewayLog)}`,
      )
    }
    const deadline = Date.now() + (options.timeoutMs ?? 60_000)
    let motoUp = false
    let gatewayUp = false
    while (!(motoUp && gatewayUp)) {
      if (exited.size > 0) {
        const [which, how] = [...exited.entries()][0] as [string, string]
        await fail(`the emulator's ${which} process ${how} during start`)
      }
      if (Date.now() > deadline) {
        await fail(
          `the emulator did not answer within ${options.timeoutMs ?? 60_000} ms (moto ${motoUp ? 'up' : 'down'}, gateway ${gatewayUp ? 'up' : 'down'})`,
        )
      }
      ;[motoUp, gatewayUp] = await Promise.all([
        motoUp || httpOk(`http://${HOST}:${motoPort}/moto-api/`, 500),
        gatewayUp || httpOk(`${info.endpoint}${HEALTH_PATH}`, 500),
      ])
      if (!(motoUp && gatewayUp)) await new Promise((r) => setTimeout(r, 100))
    }
    return {
      ...info,
      alreadyRunning: false,
      message: `the emulator is running on ${info.endpoint} (gateway pid ${info.gatewayPid}, moto pid ${info.motoPid} on port ${motoPort})`,
    }
  })
}

/**
 * Stops the emulator recorded in `stateDir`: signals both process groups
 * (the gateway's Lambda processes included), waits until they are gone, and
 * removes the state file. Stopping an emulator that is not running is fine.
 *
 * @example
 * ```ts
 * const { wasRunning, message } = await stopEmulator({ stateDir: '.fanout/emulator' })
 * ```
 */
export async function stopEmulator(
  options: { stateDir?: string } = {},
): Promise<StopEmulatorResult> {
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR)
  if (!existsSync(stateFile(stateDir))) {
    return {
      wasRunning: false,
      stopped: [],
      message: 'the emulator is not running; nothing to stop',
    }
  }
  return withLock(stateDir, async () => {
    const info = await readState(stateDir)
    if (!info) {
      await removeState(stateDir)
      return {
        wasRunning: false,
        stopped: [],
        message: 'the emulator is not running; removed an unreadable state file',
      }
    }
    const pids = [
      ...(isOurs(info.gatewayPid, 'emulatorGateway') ? [info.gatewayPid] : []),
      ...(isOurs(info.motoPid, 'moto_launcher') ? [info.motoPid] : []),
    ]
    await killGroups(pids)
    await removeState(stateDir)
    if (pids.length === 0) {
      return {
        wasRunning: false,
        stopped: [],
        message: 'the emulator was not running; removed its stale state file',
      }
    }
    return {
      wasRunning: true,
      stopped: pids,
      message: `stopped the emulator on ${info.endpoint} (pids ${pids.join(', ')})`,
    }
  })
}
