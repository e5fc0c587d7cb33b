/**
 * `fanout emulator start|stop|status`: the Docker-less local cloud as two
 * detached background processes, moto's server (patched, on a private port)
 * and fanout's gateway (on 127.0.0.1:4566 by default), recorded in
 * `<stateDir>/emulator.json` so that later commands find and stop them.
 */
import { execFile, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { EmulatorError } from './errors.js'
import { HEALTH_PATH } from './gateway.js'

/** The moto version the launcher's patches target. */
export const REQUIRED_MOTO_VERSION = '5.2.1'
/** The command that installs it. */
export const MOTO_INSTALL_COMMAND = `pip install "moto[server]==${REQUIRED_MOTO_VERSION}"`
/** Where `startEmulator` keeps its state unless told otherwise. */
export const DEFAULT_STATE_DIR = '.fanout/emulator'
/** The gateway's default port (LocalStack's). */
export const DEFAULT_PORT = 4566

const STATE_FILE = 'emulator.json'
const LOCK_FILE = 'emulator.lock'
const HOST = '127.0.0.1'

const stateSchema = z.object({
  version: z.literal(1),
  endpoint: z.string(),
  port: z.number().int(),
  motoPort: z.number().int(),
  gatewayPid: z.number().int(),
  motoPid: z.number().int(),
  stateDir: z.string(),
  startedAt: z.string(),
})

/** What `emulator.json` records about a running emulator. */
export type EmulatorInfo = z.infer<typeof stateSchema>

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

/** What {@link emulatorStatus} found. */
export interface EmulatorStatus {
  running: boolean
  /** Set when a state file exists. */
  info?: EmulatorInfo
  gatewayAlive: boolean
  motoAlive: boolean
  /** Both processes answer on their ports. */
  healthy: boolean
  message: string
}

/** The files fanout needs to start the emulator. */
export interface EmulatorFiles {
  packageRoot: string
  gateway: string
  runtime: string
  launcher: string
}

/**
 * Finds fanout's package root (the nearest `package.json` named "fanout" above
 * this module) and the emulator's entry files in it.
 *
 * @throws EmulatorError when the build is missing.
 */
export function resolveEmulatorFiles(from: string = import.meta.url): EmulatorFiles {
  let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from)
  let packageRoot: string | undefined
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fanout') {
          packageRoot = dir
          break
        }
      } catch {
        // not a readable package.json: keep walking up
      }
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  if (!packageRoot) throw new EmulatorError(`cannot find fanout's package.json above ${from}`)
  const files: EmulatorFiles = {
    packageRoot,
    gateway: join(packageRoot, 'dist', 'emulatorGateway.js'),
    runtime: join(packageRoot, 'dist', 'lambdaRuntime.js'),
    launcher: join(packageRoot, 'src', 'emulator', 'moto_launcher.py'),
  }
  for (const file of [files.gateway, files.runtime]) {
    if (!existsSync(file))
      throw new EmulatorError(`${file} is missing: run \`npm run build\` first`)
  }
  if (!existsSync(files.launcher))
    throw new EmulatorError(`${files.launcher} is missing from the fanout package`)
  return files
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A zombie (exited, not yet reaped) counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return true
  }
}

/** True when `pid` is alive and (where /proc tells) runs a command containing `marker`. */
function isOurs(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)
  } catch {
    return true
  }
}

function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const req = get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume()
      resolvePromise(res.statusCode === 200)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolvePromise(false))
  })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolvePromise(false)
      else reject(error)
    })
    server.listen(port, HOST, () => server.close(() => resolvePromise(true)))
  })
}

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolvePromise(port))
    })
  })
}

async function readState(stateDir: string): Promise<EmulatorInfo | undefined> {
  let text: string
  try {
    text = await readFile(join(stateDir, STATE_FILE), 'utf8')
  } catch {
    return undefined
  }
  const parsed = stateSchema.safeParse(JSON.parse(text || '{}'))
  return parsed.success ? parsed.data : undefined
}

function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Checks that `python` has exactly the moto the launcher patches. */
async function checkMoto(python: string): Promise<void> {
  const script =
    'import sys\ntry:\n import moto, flask\nexcept ImportError as e:\n print("missing:" + str(e)); sys.exit(0)\nprint("version:" + moto.__version__)'
  const output = await new Promise<string>((resolvePromise, reject) => {
    execFile(python, ['-c', script], { timeout: 30_000 }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code
        reject(
          new EmulatorError(
            code === 'ENOENT'
              ? `${python} was not found. fanout's emulator needs Python 3 with moto: install Python 3, then run: ${MOTO_INSTALL_COMMAND}`
              : `${python} could not check for moto (${error.message.trim()}). Install it with: ${MOTO_INSTALL_COMMAND}`,
            { cause: error },
          ),
        )
      } else resolvePromise(stdout.trim())
    })
  })
  if (output.startsWith('missing:')) {
    throw new EmulatorError(
      `moto is not installed for ${python} (${output.slice(8)}). fanout's emulator needs it: ${MOTO_INSTALL_COMMAND}`,
    )
  }
  const version = output.replace(/^version:/, '')
  if (version !== REQUIRED_MOTO_VERSION) {
    throw new EmulatorError(
      `${python} has moto ${version}, but fanout's emulator needs exactly moto ${REQUIRED_MOTO_VERSION}: ${MOTO_INSTALL_COMMAND}`,
    )
  }
}

const inProcess = new Map<string, Promise<unknown>>()

/** Runs `fn` holding `<stateDir>/emulator.lock` (one start or stop at a time, across processes). */
async function withLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(stateDir) ?? Promise.resolve()
  const run = previous
    .catch(() => {})
    .then(async () => {
      const lock = join(stateDir, LOCK_FILE)
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const holder = Number(await readFile(lock, 'utf8').catch(() => '0'))
        if (holder && holder !== process.pid && isAlive(holder)) {
          throw new EmulatorError(
            `another fanout process (pid ${holder}) is starting or stopping the emulator in ${stateDir}; try again when it is done`,
          )
        }
        await rm(lock, { force: true }) // left by a process that died
        await writeFile(lock, String(process.pid), { flag: 'wx' })
      }
      try {
        return await fn()
      } finally {
        await rm(lock, { force: true })
      }
    })
  inProcess.set(stateDir, run)
  try {
    return await run
  } finally {
    if (inProcess.get(stateDir) === run) inProcess.delete(stateDir)
  }
}

/** True while any process of the group led by `pgid` exists (on Linux, zombies excepted). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
  }
  try {
    // kill(-pgid, 0) also counts zombies: look for a live member in /proc where there is one.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let stat: string
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      } catch {
        continue
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true
    }
    return false
  } catch {
    return true
  }
}

/** SIGTERM to each process group, wait until every member is gone, SIGKILL what is left. */
async function killGroups(pgids: number[], timeoutMs = 5000): Promise<void> {
  const signal = (pgid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig) // the whole group: the gateway's Lambda processes go with it
    } catch {
      try {
        process.kill(pgid, sig)
      } catch {
        // already gone
      }
    }
  }
  const waitGone = async (ms: number) => {
    const deadline = Date.now() + ms
    while (pgids.some(groupAlive) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
  }
  for (const pgid of pgids) signal(pgid, 'SIGTERM')
  await waitGone(timeoutMs)
  if (pgids.some(groupAlive)) {
    for (const pgid of pgids) signal(pgid, 'SIGKILL')
    await waitGone(2000)
  }
}

/**
 * Reports whether the emulator recorded in `stateDir` is running and answering.
 *
 * @example
 * ```ts
 * const { running, info } = await emulatorStatus({ stateDir: '.fanout/emulator' })
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
  const [gatewayOk, motoOk] = await Promise.all([
    gatewayAlive ? httpOk(`${info.endpoint}${HEALTH_PATH}`) : false,
    motoAlive ? httpOk(`http://${HOST}:${info.motoPort}/moto-api/`) : false,
  ])
  const running = gatewayAlive && motoAlive
  const healthy = gatewayOk && motoOk
  const message = running
    ? `the emulator is running on ${info.endpoint} (gateway pid ${info.gatewayPid}, moto pid ${info.motoPid} on port ${info.motoPort})${healthy ? '' : ', but does not answer'}`
    : `the emulator in ${stateDir} is not running (stale state: gateway ${gatewayAlive ? 'alive' : 'gone'}, moto ${motoAlive ? 'alive' : 'gone'})`
  return { running, info, gatewayAlive, motoAlive, healthy, message }
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
      await rm(join(stateDir, STATE_FILE), { force: true })
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
    await writeFile(join(stateDir, STATE_FILE), `${JSON.stringify(info, null, 2)}\n`)

    const fail = async (reason: string): Promise<never> => {
      await killGroups([info.gatewayPid, info.motoPid].filter((pid) => pid > 0))
      await rm(join(stateDir, STATE_FILE), { force: true })
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
  if (!existsSync(join(stateDir, STATE_FILE))) {
    return {
      wasRunning: false,
      stopped: [],
      message: 'the emulator is not running; nothing to stop',
    }
  }
  return withLock(stateDir, async () => {
    const info = await readState(stateDir)
    if (!info) {
      await rm(join(stateDir, STATE_FILE), { force: true })
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
    await rm(join(stateDir, STATE_FILE), { force: true })
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
