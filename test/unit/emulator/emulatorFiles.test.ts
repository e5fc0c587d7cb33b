import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'
import { EmulatorError } from '../../../src/emulator/errors.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-emulator-files-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('resolveEmulatorFiles', () => {
  it('asks for a build when dist is missing', async () => {
    // Prepare: a fake fanout package without dist/
    const root = join(dir, 'pkg')
    await mkdir(join(root, 'src', 'emulator'), { recursive: true })
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'fanout' }))
    const from = pathToFileURL(join(root, 'src', 'emulator', 'emulatorFiles.js')).href
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
