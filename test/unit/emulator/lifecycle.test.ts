import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorStatus } from '../../../src/emulator/emulatorStatus.js'
import { stopEmulator } from '../../../src/emulator/lifecycle.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-emulator-unit-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A pid that is certainly not running: past the kernel's default pid_max. */
const deadPid = 4_194_304 + 17

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

describe('stopEmulator on an unreadable state file', () => {
  it('removes it and says so', async () => {
    // Prepare
    const stateDir = join(dir, 'corrupt')
    await mkdir(stateDir, { recursive: true })
    await writeFile(join(stateDir, 'emulator.json'), '{ not json')
    // Act
    const status = await emulatorStatus({ stateDir })
    const stopped = await stopEmulator({ stateDir })
    // Assess
    expect(status.running).toBe(false)
    expect(stopped).toMatchObject({ wasRunning: false, stopped: [] })
    expect(stopped.message).toMatch(/removed an unreadable state file/)
    expect(await readdir(stateDir)).toEqual([])
  })
})
