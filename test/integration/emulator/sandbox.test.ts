/**
 * The emulator's sandbox with real Node binaries: a function process reads
 * its code and its own /tmp, and is refused any other host path, as on
 * Lambda, on the Node 20 running the tests and on Node 22 (the binary the
 * emulator prefers for nodejs22.x functions).
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'
import { FunctionPool } from '../../../src/emulator/FunctionPool.js'
import { LogWriter } from '../../../src/emulator/logs.js'
import { findNodeBinary } from '../../../src/emulator/nodeBinary.js'
import type { RuntimeSpec } from '../../../src/emulator/RuntimeProcess.js'
import { ensureNode22 } from './node22.js'

let root: string
let logs: LogWriter
let hostFile: string
const pools: FunctionPool[] = []
const nodes: { label: string; path: string; version: string }[] = []

const HANDLER = `
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
const tryRead = (p) => { try { return readFileSync(p, 'utf8').trim() } catch (e) { return e.code } }
export const handler = async (event) => {
  const mine = join(process.env.TMPDIR, 'mine.txt')
  writeFileSync(mine, 'written')
  let outside
  try { writeFileSync(event.writeTo, 'x'); outside = 'written' } catch (e) { outside = e.code }
  return {
    code: tryRead(new URL('./data.txt', import.meta.url)),
    tmp: tryRead(mine),
    host: tryRead(event.host),
    writeOutside: outside,
    tmpdir: process.env.TMPDIR,
    fanoutTmp: process.env.FANOUT_TMP,
  }
}`

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-sandbox-'))
  logs = new LogWriter(join(root, 'state'))
  hostFile = join(root, 'host-secret.txt')
  await writeFile(hostFile, 'host data')
  nodes.push({ label: 'this Node', path: process.execPath, version: process.version })
  if (ensureNode22()) {
    const { binary } = await findNodeBinary(22)
    if (binary) nodes.push({ label: 'Node 22', path: binary.path, version: binary.version })
  }
}, 300_000)

afterAll(async () => {
  for (const pool of pools) pool.close()
  await logs.close()
  await rm(root, { recursive: true, force: true })
})

async function sandboxed(name: string, node: { path: string; version: string }) {
  const codeDir = join(root, name, 'code')
  await mkdir(codeDir, { recursive: true })
  await writeFile(join(codeDir, 'index.mjs'), HANDLER)
  await writeFile(join(codeDir, 'data.txt'), 'code data')
  const pool = new FunctionPool({ functionName: name, logs, maxProcesses: 1 })
  pools.push(pool)
  const runtime = resolveEmulatorFiles().runtime
  const spec: RuntimeSpec = {
    generation: name,
    codeDir,
    runtimePath: runtime,
    nodePath: node.path,
    env: { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: codeDir, _HANDLER: 'index.handler' },
    timeoutSeconds: 10,
    memoryMb: 128,
    sandbox: {
      tmpRoot: join(root, name, 'tmp'),
      read: [codeDir, join(runtime, '..')],
      nodeVersion: node.version,
    },
    info: {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      memoryLimitInMB: '128',
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'stream',
    },
  }
  return { pool, spec }
}

/** Poll `condition` until it holds, failing after `ms`. */
async function waitUntil(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('the function sandbox', () => {
  it('runs on Node 22 too (npx could fetch it)', () => {
    // Assess: without a Node 22 the next test would cover this Node only
    expect(nodes.map((n) => n.version)).toContainEqual(expect.stringMatching(/^v22\./))
  })

  it('lets a function read its code and its own /tmp, and refuses any other host path, on each Node', async () => {
    for (const [i, node] of nodes.entries()) {
      // Prepare
      const { pool, spec } = await sandboxed(`sandboxed-${i}`, node)
      const writeTo = join(root, `outside-${i}.txt`)

      // Act
      const outcome = await pool.invoke(
        spec,
        `req-${i}`,
        JSON.stringify({ host: hostFile, writeTo }),
      )
      const result = JSON.parse(outcome.payload ?? '{}')
      const processTmp = result.tmpdir as string
      pool.close()

      // Assess
      expect(outcome.error, `${node.label}: ${JSON.stringify(outcome.error)}`).toBeUndefined()
      expect(result, node.label).toMatchObject({
        code: 'code data',
        tmp: 'written',
        host: 'ERR_ACCESS_DENIED',
        writeOutside: 'ERR_ACCESS_DENIED',
      })
      expect(existsSync(writeTo)).toBe(false)
      // the process's /tmp goes with it, as a Lambda container's does
      await waitUntil(() => !existsSync(processTmp), 10_000)
      expect(processTmp.startsWith(join(root, `sandboxed-${i}`, 'tmp'))).toBe(true)
      expect(result.fanoutTmp).toBe(processTmp)
    }
  })
})
