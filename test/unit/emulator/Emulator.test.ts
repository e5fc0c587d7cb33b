import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  emulatorStatus,
  resolveEmulatorFiles,
  stopEmulator,
} from '../../../src/emulator/Emulator.js'
import { EmulatorError } from '../../../src/emulator/errors.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-emulator-unit-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A pid that is certainly not running: past the kernel's default pid_max. */
const deadPid = 4_194_304 + 17

describe('resolveEmulatorFiles', () => {
  it('asks for a build when dist is missing', async () => {
    // Prepare: a fake fanout package without dist/
    const root = join(dir, 'pkg')
    await mkdir(join(root, 'src', 'emulator'), { recursive: true })
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'fanout' }))
    const from = pathToFileURL(join(root, 'src', 'emulator', 'Emulator.js')).href
    // Act
    const attempt = () => resolveEmulatorFiles(from)
    // Assess
    expect(attempt).toThrow(EmulatorError)
    expect(attempt).toThrow('run `npm run build` first')
  })

  it('says so when no fanout package.json is above', async () => {
    // Prepare
    const other = join(dir, 'other')
    await mkdir(other, { recursive: true })
    await writeFile(join(other, 'package.json'), JSON.stringify({ name: 'not-fanout' }))
    // Act
    const attempt = () => resolveEmulatorFiles(join(other, 'x.js'))
    // Assess
    expect(attempt).toThrow(/cannot find fanout's package.json/)
  })
})

describe('emulatorStatus and stopEmulator on stale state', () => {
  it('reports not running for an empty state dir', async () => {
    // Prepare
    const stateDir = join(dir, 'empty')
    // Act
    const status = await emulatorStatus({ stateDir })
    // Assess
    expect(status).toMatchObject({ running: false, healthy: false })
    expect(status.info).toBeUndefined()
  })

  it('treats a state file whose processes are gone as stale and cleans it on stop', async () => {
    // Prepare
    const stateDir = join(dir, 'stale')
    await mkdir(stateDir, { recursive: true })
    await writeFile(
      join(stateDir, 'emulator.json'),
      JSON.stringify({
        version: 1,
        endpoint: 'http://127.0.0.1:1',
        port: 1,
        motoPort: 2,
        gatewayPid: deadPid,
        motoPid: deadPid + 1,
        stateDir,
        startedAt: new Date().toISOString(),
      }),
    )
    // Act
    const status = await emulatorStatus({ stateDir })
    const stopped = await stopEmulator({ stateDir })
    // Assess
    expect(status.running).toBe(false)
    expect(status.message).toMatch(/stale/)
    expect(stopped).toMatchObject({ wasRunning: false, stopped: [] })
    expect(await readdir(stateDir)).toEqual([])
  })
})
