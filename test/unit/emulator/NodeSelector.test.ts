import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeRuntimeNode, NodeSelector } from '../../../src/emulator/NodeSelector.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-node-selector-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('NodeSelector', () => {
  it('looks each major up once, however many runtimes and calls ask for it', async () => {
    // Prepare: a node22 that counts how often it is run
    const bin = await mkdtemp(join(dir, 'bin-'))
    const runs = join(bin, 'runs')
    await writeFile(join(bin, 'node22'), `#!/bin/sh\necho run >> '${runs}'\necho v22.5.0\n`)
    await chmod(join(bin, 'node22'), 0o755)
    const selector = new NodeSelector({
      env: { PATH: bin },
      execPath: '/fake/node20',
      currentVersion: 'v20.11.1',
      homeDir: bin,
    })
    // Act
    const first = await Promise.all([selector.select('nodejs22.x'), selector.select('nodejs22.x')])
    const again = await selector.select('nodejs22.x')
    const known = await selector.known()
    // Assess
    expect(first[0]).toEqual({
      runtime: 'nodejs22.x',
      wantedMajor: 22,
      path: join(bin, 'node22'),
      version: 'v22.5.0',
      source: 'path',
      matches: true,
    })
    expect(again).toBe(first[0])
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(['run'])
    expect(known.map((n) => n.runtime)).toEqual(['nodejs22.x'])
    expect(describeRuntimeNode(again)).toBe(
      `nodejs22.x functions run on Node v22.5.0 (${join(bin, 'node22')})`,
    )
  })

  it('falls back to the current Node, saying what to do', async () => {
    // Prepare
    const empty = await mkdtemp(join(dir, 'empty-'))
    const selector = new NodeSelector({
      env: { PATH: empty, npm_config_cache: join(empty, 'cache') },
      execPath: '/fake/node20',
      currentVersion: 'v20.11.1',
      homeDir: empty,
    })
    // Act
    const node = await selector.select('nodejs22.x')
    // Assess
    expect(node).toMatchObject({
      path: '/fake/node20',
      version: 'v20.11.1',
      source: 'fallback',
      matches: false,
    })
    expect(describeRuntimeNode(node)).toBe(
      'nodejs22.x functions fall back to Node v20.11.1: no Node 22 found (run `npx -y node@22 --version` once, or set FANOUT_NODE_22, then restart the emulator)',
    )
  })

  it('uses the current Node for a runtime whose major it cannot tell', async () => {
    // Prepare
    const selector = new NodeSelector({ execPath: '/fake/node20', currentVersion: 'v20.11.1' })
    // Act
    const node = await selector.select('nodejs')
    // Assess
    expect(node).toMatchObject({ path: '/fake/node20', matches: false })
    expect(node.reason).toBe('cannot tell which Node major nodejs declares')
  })
})
