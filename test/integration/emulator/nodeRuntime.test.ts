// Functions run on the Node major of their declared runtime: nodejs22.x on Node 22 when one is at
// hand (here: the npx cache, filled first), otherwise on the gateway's own Node with one warning.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'
import { emulatorStatus } from '../../../src/emulator/emulatorStatus.js'
import { type Gateway, startGateway } from '../../../src/emulator/gateway.js'
import {
  type StartEmulatorResult,
  startEmulator,
  stopEmulator,
} from '../../../src/emulator/lifecycle.js'
import { freePort } from '../../../src/emulator/localNet.js'
import { readFunctionLogs } from '../../../src/emulator/logs.js'
import {
  describeRuntimeNode,
  NodeSelector,
  type RuntimeNode,
} from '../../../src/emulator/NodeSelector.js'
import { waitFor } from '../../helpers/cli.js'
import { createLambdaRole } from '../../helpers/emulator.js'
import { isAlive } from '../../helpers/process.js'
import { createZip } from '../../helpers/zip.js'
import { ensureNode22 } from './node22.js'

const region = 'us-east-1'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const versionSource =
  'export const handler = async () => ({ node: process.version, pid: process.pid })'

let dir: string
let emulator: StartEmulatorResult
let lambda: LambdaClient
let npxHasNode22: boolean
/** What the gateway should pick for nodejs22.x: the same search, in this process's environment. */
let expected: RuntimeNode
const gateways: Gateway[] = []

function client(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region, credentials, maxAttempts: 1 })
}

async function invokeVersion(
  via: LambdaClient,
  name: string,
): Promise<{ node: string; pid: number }> {
  const out = await via.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }))
  expect(out.FunctionError).toBeUndefined()
  return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString())
}

beforeAll(async () => {
  npxHasNode22 = ensureNode22() // before the gateway starts: it looks Node 22 up once, at start
  expected = await new NodeSelector().select('nodejs22.x')
  dir = await mkdtemp(join(tmpdir(), 'fanout-node-runtime-'))
  emulator = await startEmulator({ port: await freePort(), stateDir: join(dir, 'state') })
  lambda = client(emulator.endpoint)
  const role = await createLambdaRole(emulator.endpoint, region, 'fanout-node-role')
  for (const runtime of ['nodejs22.x', 'nodejs20.x', 'nodejs18.x']) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: `version-${runtime.replace('.', '-')}`,
        Runtime: runtime as 'nodejs22.x',
        Role: role,
        Handler: 'index.handler',
        Code: { ZipFile: await createZip({ 'index.mjs': versionSource }) },
      }),
    )
  }
}, 400_000)

afterAll(async () => {
  lambda?.destroy()
  for (const gateway of gateways) await gateway.close()
  if (emulator) {
    await stopEmulator({ stateDir: emulator.stateDir })
    for (const pid of [emulator.gatewayPid, emulator.motoPid]) {
      if (isAlive(pid)) process.kill(-pid, 'SIGKILL')
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true })
}, 30_000)

describe('the Node of a function', () => {
  it('runs nodejs22.x functions on Node 22 when one is at hand', async () => {
    // Act
    const got = await invokeVersion(lambda, 'version-nodejs22-x')
    // Assess
    if (npxHasNode22) expect(expected).toMatchObject({ matches: true })
    if (expected.matches) expect(got.node).toMatch(/^v22\./)
    expect(got.node).toBe(expected.version)
  })

  it('runs nodejs20.x functions on Node 20 when one is at hand', async () => {
    // Prepare
    const node20 = await new NodeSelector().select('nodejs20.x')
    // Act
    const got = await invokeVersion(lambda, 'version-nodejs20-x')
    // Assess
    expect(got.node).toBe(node20.version)
    if (node20.matches) expect(got.node).toMatch(/^v20\./)
  })

  it('says in fanout emulator status which Node runs nodejs22.x functions', async () => {
    // Act
    const status = await emulatorStatus({ stateDir: emulator.stateDir })
    // Assess
    expect(status.healthy).toBe(true)
    expect(status.runtimes?.find((r) => r.runtime === 'nodejs22.x')).toEqual(expected)
    expect(status.message).toContain(describeRuntimeNode(expected))
    if (expected.matches) {
      expect(status.message).toMatch(/nodejs22\.x functions run on Node v22\.\d+\.\d+ \(/)
    }
  })

  it('falls back to the gateway Node with one warning per function, not per invocation', async () => {
    // Prepare: a second gateway on the same moto whose search sees no other Node; no Node 18 here
    const empty = await mkdtemp(join(dir, 'no-node-'))
    const stateDir = join(dir, 'fallback-state')
    const gateway = await startGateway({
      port: 0,
      motoPort: emulator.motoPort,
      stateDir,
      runtimePath: resolveEmulatorFiles().runtime,
      nodes: new NodeSelector({ env: { PATH: empty, npm_config_cache: empty }, homeDir: empty }),
    })
    gateways.push(gateway)
    const via = client(gateway.url)
    const name = 'version-nodejs18-x'
    // Act
    const runs = []
    for (let i = 0; i < 3; i++) runs.push(await invokeVersion(via, name))
    via.destroy()
    const health = (await (await fetch(`${gateway.url}/_fanout/health`)).json()) as {
      runtimes: RuntimeNode[]
    }
    const events = await waitFor('three REPORT lines', async () => {
      const all = await readFunctionLogs({ stateDir, functionName: name })
      return all.filter((e) => e.message.startsWith('REPORT')).length === 3 ? all : undefined
    })
    // Assess
    expect(runs.map((r) => r.node)).toEqual([process.version, process.version, process.version])
    expect(health.runtimes).toContainEqual(
      expect.objectContaining({ runtime: 'nodejs18.x', matches: false, source: 'fallback' }),
    )
    expect(events.map((e) => e.message).filter((m) => m.includes('fall back'))).toEqual([
      `fanout emulator: nodejs18.x functions fall back to Node ${process.version}: no Node 18 found (run \`npx -y node@18 --version\` once, or set FANOUT_NODE_18, then restart the emulator)`,
    ])
  })
})
