import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  findNodeBinary,
  nodeVersionOf,
  runtimeNodeMajor,
} from '../../../src/emulator/nodeBinary.js'

// Fake Node binaries: shell scripts that print a version, as `node --version` does.
let dir: string
let count = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-node-binary-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A fresh directory for one test's fake binaries. */
async function fresh(): Promise<string> {
  const d = join(dir, `case-${count++}`)
  await mkdir(d, { recursive: true })
  return d
}

async function fakeNode(path: string, prints: string): Promise<string> {
  await writeFile(path, `#!/bin/sh\necho ${prints}\n`)
  await chmod(path, 0o755)
  return path
}

/** A fake npx cache entry, as `npx -y node@<version> --version` leaves it. */
async function npxEntry(cache: string, hash: string, version: string): Promise<string> {
  const pkg = join(cache, '_npx', hash, 'node_modules', 'node')
  await mkdir(join(pkg, 'bin'), { recursive: true })
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'node', version }))
  return fakeNode(join(pkg, 'bin', 'node'), `v${version}`)
}

/** Search options that see only the fakes: Node 20 running, no npm on PATH. */
function isolated(env: NodeJS.ProcessEnv, home: string) {
  return { env, execPath: '/fake/node20', currentVersion: 'v20.11.1', homeDir: home }
}

describe('runtimeNodeMajor', () => {
  it.each([
    ['nodejs22.x', 22],
    ['nodejs20.x', 20],
    ['python3.12', undefined],
    ['nodejs', undefined],
  ])('%s → %s', (runtime, major) => {
    // Act
    const got = runtimeNodeMajor(runtime)
    // Assess
    expect(got).toBe(major)
  })
})

describe('nodeVersionOf', () => {
  it('reads a version, and refuses what prints none or does not run', async () => {
    // Prepare
    const d = await fresh()
    const good = await fakeNode(join(d, 'good'), 'v22.4.0')
    const bad = await fakeNode(join(d, 'bad'), 'hello')
    // Act
    const versions = await Promise.all([
      nodeVersionOf(good),
      nodeVersionOf(bad),
      nodeVersionOf(join(d, 'missing')),
    ])
    // Assess
    expect(versions).toEqual(['v22.4.0', undefined, undefined])
  })
})

describe('findNodeBinary', () => {
  it('takes node22 on PATH, verified with --version', async () => {
    // Prepare
    const d = await fresh()
    const node22 = await fakeNode(join(d, 'node22'), 'v22.1.0')
    // Act
    const { binary } = await findNodeBinary(22, isolated({ PATH: d }, d))
    // Assess
    expect(binary).toEqual({ path: node22, version: 'v22.1.0', major: 22, source: 'path' })
  })

  it('prefers FANOUT_NODE_22 over PATH', async () => {
    // Prepare
    const d = await fresh()
    await fakeNode(join(d, 'node22'), 'v22.1.0')
    const override = await fakeNode(join(d, 'my-node'), 'v22.9.0')
    // Act
    const { binary } = await findNodeBinary(22, isolated({ PATH: d, FANOUT_NODE_22: override }, d))
    // Assess
    expect(binary).toMatchObject({ path: override, version: 'v22.9.0', source: 'env' })
  })

  it('skips an override of the wrong major, saying why, and goes on', async () => {
    // Prepare
    const d = await fresh()
    const node22 = await fakeNode(join(d, 'node22'), 'v22.1.0')
    const wrong = await fakeNode(join(d, 'old-node'), 'v18.20.0')
    // Act
    const { binary, notes } = await findNodeBinary(
      22,
      isolated({ PATH: d, FANOUT_NODE_22: wrong }, d),
    )
    // Assess
    expect(binary?.path).toBe(node22)
    expect(notes).toEqual([`FANOUT_NODE_22=${wrong} is Node v18.20.0, not 22`])
  })

  it('takes the current Node when its major matches, without running anything', async () => {
    // Prepare
    const d = await fresh()
    await fakeNode(join(d, 'node20'), 'v20.99.0')
    // Act
    const { binary } = await findNodeBinary(20, isolated({ PATH: d }, d))
    // Assess
    expect(binary).toEqual({
      path: '/fake/node20',
      version: 'v20.11.1',
      major: 20,
      source: 'current',
    })
  })

  it('finds the newest Node 22 of the npx cache named by npm_config_cache', async () => {
    // Prepare
    const d = await fresh()
    const cache = join(d, 'npm-cache')
    await npxEntry(cache, 'aaa', '20.5.0')
    await npxEntry(cache, 'bbb', '22.2.0')
    const newest = await npxEntry(cache, 'ccc', '22.10.1')
    // Act
    const { binary } = await findNodeBinary(22, isolated({ PATH: d, npm_config_cache: cache }, d))
    // Assess
    expect(binary).toEqual({ path: newest, version: 'v22.10.1', major: 22, source: 'npx-cache' })
  })

  it('looks in ~/.npm when npm_config_cache is unset and npm cannot be asked', async () => {
    // Prepare
    const home = await fresh()
    const node = await npxEntry(join(home, '.npm'), 'x', '22.3.0')
    // Act
    const { binary } = await findNodeBinary(22, isolated({ PATH: join(home, 'no-bin') }, home))
    // Assess
    expect(binary?.path).toBe(node)
  })

  it('refuses an npx cache binary that is not what its package says', async () => {
    // Prepare
    const d = await fresh()
    const cache = join(d, 'npm-cache')
    const liar = await npxEntry(cache, 'zzz', '22.0.0')
    await fakeNode(liar, 'v21.0.0')
    // Act
    const { binary, notes } = await findNodeBinary(
      22,
      isolated({ PATH: d, npm_config_cache: cache }, d),
    )
    // Assess
    expect(binary).toBeUndefined()
    expect(notes).toEqual([`${liar} is Node v21.0.0, not 22`])
  })

  it('finds nothing when there is no Node 22 anywhere', async () => {
    // Prepare
    const d = await fresh()
    await fakeNode(join(d, 'node22'), 'not a version')
    // Act
    const { binary, notes } = await findNodeBinary(
      22,
      isolated({ PATH: d, npm_config_cache: join(d, 'empty-cache') }, d),
    )
    // Assess
    expect(binary).toBeUndefined()
    expect(notes).toEqual([`${join(d, 'node22')} does not run as \`node --version\``])
  })
})
