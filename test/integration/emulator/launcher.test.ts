import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'

// The moto launcher's refusals: they happen before any server starts, so they are quick.
let dir: string
let launcher: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-launcher-'))
  launcher = resolveEmulatorFiles().launcher
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function runLauncher(args: string[], env: Record<string, string>, pythonArgs: string[] = []) {
  return spawnSync('python3', [...pythonArgs, launcher, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  })
}

describe('moto_launcher.py', () => {
  it('exits 4 naming the required version when another moto is installed', async () => {
    // Prepare: a fake moto 5.0.0 first on the path
    await mkdir(join(dir, 'fake', 'moto'), { recursive: true })
    await writeFile(join(dir, 'fake', 'moto', '__init__.py'), '__version__ = "5.0.0"\n')
    // Act
    const run = runLauncher(['--port', '1'], { MOTO_PORT: '1', PYTHONPATH: join(dir, 'fake') })
    // Assess
    expect(run.status).toBe(4)
    expect(run.stderr).toContain('moto 5.0.0 is installed')
    expect(run.stderr).toContain('pip install "moto[server]==5.2.1"')
  })

  it('exits 3 with the install command when moto is missing', () => {
    // Prepare: -S hides site-packages, where moto lives
    const pythonArgs = ['-S']
    // Act
    const run = runLauncher(['--port', '1'], { MOTO_PORT: '1' }, pythonArgs)
    // Assess
    expect(run.status).toBe(3)
    expect(run.stderr).toContain('moto is not installed')
    expect(run.stderr).toContain('pip install "moto[server]==5.2.1"')
  })

  it('exits 2 when MOTO_PORT (the gateway port) is not set', () => {
    // Prepare
    const env = {}
    // Act
    const run = runLauncher(['--port', '1'], env)
    // Assess
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('MOTO_PORT')
  })
})
