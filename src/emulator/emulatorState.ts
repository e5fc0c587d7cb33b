/**
 * The emulator's record in its state directory: `emulator.json` (the pids
 * and ports of a running emulator, read by later commands) and
 * `emulator.lock` (one start or stop at a time, across processes).
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { EmulatorError } from './errors.js'
import { isAlive } from './processes.js'

/** Where `startEmulator` keeps its state unless told otherwise. */
export const DEFAULT_STATE_DIR = '.fanout/emulator'
/** The state file's name in the state directory. */
export const STATE_FILE = 'emulator.json'
const LOCK_FILE = 'emulator.lock'

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

/** The state file's path in `stateDir`. */
export function stateFile(stateDir: string): string {
  return join(stateDir, STATE_FILE)
}

/** The recorded emulator of `stateDir`; undefined when there is none or the file is unreadable. */
export async function readState(stateDir: string): Promise<EmulatorInfo | undefined> {
  let text: string
  try {
    text = await readFile(stateFile(stateDir), 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text || '{}'))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** Records a started emulator. */
export async function writeState(info: EmulatorInfo): Promise<void> {
  await writeFile(stateFile(info.stateDir), `${JSON.stringify(info, null, 2)}\n`)
}

/** Forgets the recorded emulator of `stateDir`. */
export async function removeState(stateDir: string): Promise<void> {
  await rm(stateFile(stateDir), { force: true })
}

const inProcess = new Map<string, Promise<unknown>>()

/**
 * Runs `fn` holding `<stateDir>/emulator.lock`: one start or stop at a time,
 * in this process (queued) and across processes (refused while another live
 * process holds it; a lock left by a dead process is taken over).
 *
 * @throws EmulatorError when another live process holds the lock.
 */
export async function withLock<T>(stateDir: string, fn: () => Promise<T>): Promise<T> {
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
