import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda'
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EmulatorError } from '../../../src/emulator/errors.js'
import {
  emulatorStatus,
  freePort,
  type StartEmulatorResult,
  startEmulator,
  stopEmulator,
} from '../../../src/emulator/index.js'
import { readFunctionLogs } from '../../../src/emulator/logs.js'
import { waitFor } from '../../helpers/cli.js'
import { awsQuery, createLambdaRole } from '../../helpers/emulator.js'
import { isAlive } from '../../helpers/process.js'
import { createZip } from '../../helpers/zip.js'

const region = 'us-east-1'
const account = '123456789012'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const bucket = 'fanout-emulator-it'

let stateDir: string
let emulator: StartEmulatorResult
let endpoint: string
let s3: S3Client
let lambda: LambdaClient
let sfn: SFNClient
let roleArn: string
const startedPids: number[] = []

function decode(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString() || 'null')
}

async function createFunction(
  name: string,
  files: Record<string, string>,
  options: { handler?: string; timeout?: number; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      Role: roleArn,
      Handler: options.handler ?? 'index.handler',
      Code: { ZipFile: await createZip(files) },
      Timeout: options.timeout ?? 10,
      MemorySize: 256,
      Environment: { Variables: { BUCKET: bucket, ...options.env } },
    }),
  )
  return out.FunctionArn as string
}

const echoSource = (version: number) => `
console.log('init echo v${version}')
export const handler = async (event, context) => {
  console.log('echo event', JSON.stringify(event))
  return {
    version: ${version},
    event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    remainingMs: context.getRemainingTimeInMillis(),
    endpoint: process.env.AWS_ENDPOINT_URL,
    region: process.env.AWS_REGION,
    memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    timeout: process.env.AWS_LAMBDA_FUNCTION_TIMEOUT,
    custom: process.env.CUSTOM,
    pid: process.pid,
  }
}
`

// Writes to S3 through AWS_ENDPOINT_URL with the SDK the runtime provides (@aws-sdk is not in the zip).
const writerSource = `
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
const s3 = new S3Client({})
export const handler = async (event, context) => {
  if (event.fail) {
    await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: 'retries/' + context.awsRequestId + '/' + Date.now() + Math.random(), Body: 'x' }))
    throw new Error('failing on purpose')
  }
  await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: event.key, Body: JSON.stringify(event) }))
  return { wrote: event.key }
}
`

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fanout-emulator-it-'))
  const port = await freePort()
  emulator = await startEmulator({ port, stateDir, timeoutMs: 30_000 })
  startedPids.push(emulator.gatewayPid, emulator.motoPid)
  endpoint = emulator.endpoint
  const config = { endpoint, region, credentials }
  s3 = new S3Client({ ...config, forcePathStyle: true })
  lambda = new LambdaClient({ ...config, maxAttempts: 1 })
  sfn = new SFNClient(config)
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  roleArn = await createLambdaRole(endpoint, region, 'fanout-it-role')
}, 60_000)

afterAll(async () => {
  s3?.destroy()
  lambda?.destroy()
  sfn?.destroy()
  if (stateDir) await stopEmulator({ stateDir })
  for (const pid of startedPids) {
    if (isAlive(pid)) process.kill(-pid, 'SIGKILL')
  }
  if (stateDir) await rm(stateDir, { recursive: true, force: true })
}, 30_000)

describe('emulator lifecycle', () => {
  it('starts detached processes, reports them, and is idempotent', async () => {
    // Prepare
    const port = emulator.port
    // Act
    const again = await startEmulator({ port, stateDir })
    const status = await emulatorStatus({ stateDir })
    // Assess
    expect(emulator.alreadyRunning).toBe(false)
    expect(emulator.port).not.toBe(4566)
    expect(again.alreadyRunning).toBe(true)
    expect(again.message).toMatch(/already|running/)
    expect(again.gatewayPid).toBe(emulator.gatewayPid)
    expect(status).toMatchObject({ running: true, healthy: true })
    expect(isAlive(emulator.gatewayPid) && isAlive(emulator.motoPid)).toBe(true)
  })

  it('refuses a port that is already in use, with a clear error', async () => {
    // Prepare
    const otherDir = await mkdtemp(join(tmpdir(), 'fanout-emulator-busy-'))
    const blocker: Server = createServer()
    const port = await freePort()
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r))
    // Act
    const attempt = startEmulator({ port, stateDir: otherDir })
    // Assess
    await expect(attempt).rejects.toThrow(EmulatorError)
    await expect(startEmulator({ port, stateDir: otherDir })).rejects.toThrow(/already in use/)
    await new Promise((r) => blocker.close(r))
    await rm(otherDir, { recursive: true, force: true })
  })

  it('says exactly what to install when moto is missing, without hanging', async () => {
    // Prepare: a python3 that cannot see site-packages, so "import moto" fails
    const otherDir = await mkdtemp(join(tmpdir(), 'fanout-emulator-nomoto-'))
    const python = join(otherDir, 'python-without-moto')
    await writeFile(python, '#!/bin/sh\nexec python3 -S "$@"\n')
    await chmod(python, 0o755)
    const started = Date.now()
    // Act
    const attempt = startEmulator({ port: await freePort(), stateDir: otherDir, python })
    // Assess
    await expect(attempt).rejects.toThrow('pip install "moto[server]==5.2.1"')
    expect(Date.now() - started).toBeLessThan(15_000)
    expect((await emulatorStatus({ stateDir: otherDir })).running).toBe(false)
    await rm(otherDir, { recursive: true, force: true })
  })

  it('stopping an emulator that is not running is fine', async () => {
    // Prepare
    const otherDir = await mkdtemp(join(tmpdir(), 'fanout-emulator-none-'))
    // Act
    const result = await stopEmulator({ stateDir: otherDir })
    // Assess
    expect(result.wasRunning).toBe(false)
    expect(result.message).toMatch(/not running/)
    await rm(otherDir, { recursive: true, force: true })
  })
})

describe('proxy to moto', () => {
  it('streams large bodies both ways and passes errors and conditional writes through', async () => {
    // Prepare
    const body = randomBytes(12 * 1024 * 1024)
    const key = 'proxy/large.bin'
    // Act
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    const back = Buffer.from((await got.Body?.transformToByteArray()) ?? [])
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    const conditional = await s3
      .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', IfNoneMatch: '*' }))
      .catch((e: unknown) => e)
    const missing = await s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: 'proxy/missing' }))
      .catch((e: unknown) => e)
    // Assess
    expect(back.equals(body)).toBe(true)
    expect(head.ContentLength).toBe(body.length)
    expect(conditional).toMatchObject({ $metadata: { httpStatusCode: 412 } })
    expect(missing).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })
  })
})

describe('Lambda through the gateway', () => {
  it('runs a function synchronously in a warm process with its environment and context', async () => {
    // Prepare
    await createFunction('echo', { 'index.mjs': echoSource(1) }, { env: { CUSTOM: 'yes' } })
    // Act
    const first = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ n: 1 }) }),
    )
    const second = await lambda.send(
      new InvokeCommand({
        FunctionName: 'echo',
        Payload: JSON.stringify({ n: 2 }),
        LogType: 'Tail',
      }),
    )
    // Assess
    expect(first.StatusCode).toBe(200)
    expect(first.FunctionError).toBeUndefined()
    const a = decode(first.Payload) as Record<string, unknown>
    const b = decode(second.Payload) as Record<string, unknown>
    expect(a).toMatchObject({
      version: 1,
      event: { n: 1 },
      functionName: 'echo',
      endpoint,
      region,
      memory: '256',
      timeout: '10',
      custom: 'yes',
    })
    expect(a.requestId).toBe(first.$metadata.requestId)
    expect(a.remainingMs).toBeGreaterThan(9000)
    expect(b.pid).toBe(a.pid) // warm: the same process
    const tail = Buffer.from(second.LogResult ?? '', 'base64').toString()
    expect(tail).toContain(`START RequestId: ${b.requestId}`)
    expect(tail).toContain('echo event {"n":2}')
    expect(tail).toContain(`REPORT RequestId: ${b.requestId}`)
  })

  it('keeps CloudWatch-like logs per function', async () => {
    // Prepare
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: '{"log":"me"}' }),
    )
    const requestId = (decode(out.Payload) as { requestId: string }).requestId
    // Act
    const events = await waitFor(
      'the REPORT line',
      async () => {
        const found = await readFunctionLogs({
          stateDir,
          functionName: 'echo',
          contains: requestId,
        })
        return found.some((e) => e.message.startsWith('REPORT')) ? found : undefined
      },
      15_000,
      50,
    )
    const viaHttp = (await (
      await fetch(`${endpoint}/_fanout/logs/echo?contains=init%20echo`)
    ).json()) as {
      events: { message: string }[]
    }
    // Assess
    const messages = events.map((e) => e.message)
    expect(messages[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`)
    expect(messages).toContain(`${requestId}\tINFO\techo event {"log":"me"}`)
    expect(messages).toContain(`END RequestId: ${requestId}`)
    expect(messages.at(-1)).toMatch(
      new RegExp(
        `^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 256 MB`,
      ),
    )
    expect(viaHttp.events[0]?.message).toBe('undefined\tINFO\tinit echo v1')
  })

  it('runs new code after UpdateFunctionCode', async () => {
    // Prepare
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'echo',
        ZipFile: await createZip({ 'index.mjs': echoSource(2) }),
      }),
    )
    // Act
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{}' }))
    // Assess
    expect(decode(out.Payload)).toMatchObject({ version: 2 })
  })

  it('acknowledges Event invocations with 202 at once and runs them (the handler writes to S3)', async () => {
    // Prepare
    await createFunction('writer', { 'app.mjs': writerSource }, { handler: 'app.handler' })
    // Act
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'writer',
        InvocationType: 'Event',
        Payload: JSON.stringify({ key: 'async/one.json' }),
      }),
    )
    const body = await waitFor(
      'the object written by the async invocation',
      async () => {
        try {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'async/one.json' }))
          return await got.Body?.transformToString()
        } catch {
          return undefined
        }
      },
      15_000,
      50,
    )
    // Assess
    expect(out.StatusCode).toBe(202)
    expect(JSON.parse(body ?? '{}')).toEqual({ key: 'async/one.json' })
  })

  it('retries a failed Event invocation twice, like Lambda', async () => {
    // Prepare
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'writer',
        InvocationType: 'Event',
        Payload: JSON.stringify({ fail: true }),
      }),
    )
    const prefix = `retries/${out.$metadata.requestId}/`
    // Act
    const keys = await waitFor(
      'three attempts',
      async () => {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))
        return (listed.KeyCount ?? 0) >= 3 ? listed.Contents : undefined
      },
      15_000,
      50,
    )
    // Assess
    expect(out.StatusCode).toBe(202)
    expect(keys).toHaveLength(3)
  })

  it('answers 404 ResourceNotFoundException for an unknown function', async () => {
    // Prepare
    const command = new InvokeCommand({ FunctionName: 'no-such-function', Payload: '{}' })
    // Act
    const error = await lambda.send(command).catch((e: unknown) => e)
    // Assess
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    })
    expect((error as Error).message).toContain('no-such-function')
  })

  it('reports a throwing handler as Lambda does (Unhandled, errorType, errorMessage, trace)', async () => {
    // Prepare: CommonJS .js, resolved like Lambda's Node runtime
    await createFunction('thrower', {
      'index.js': `exports.handler = async () => { const e = new Error('bad input'); e.name = 'ValidationError'; throw e }`,
    })
    // Act
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'thrower', Payload: '{}' }))
    // Assess
    expect(out.StatusCode).toBe(200)
    expect(out.FunctionError).toBe('Unhandled')
    const body = decode(out.Payload) as { errorType: string; errorMessage: string; trace: string[] }
    expect(body.errorType).toBe('ValidationError')
    expect(body.errorMessage).toBe('bad input')
    expect(body.trace[0]).toBe('ValidationError: bad input')
  })

  it('enforces the timeout: kills the process and answers Task timed out', async () => {
    // Prepare
    await createFunction(
      'sleeper',
      {
        'index.mjs':
          'export const handler = () => new Promise((r) => setTimeout(() => r("late"), 3000))',
      },
      { timeout: 1 },
    )
    const started = Date.now()
    // Act
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'sleeper', Payload: '{}' }))
    const elapsed = Date.now() - started
    // Assess
    expect(out.FunctionError).toBe('Unhandled')
    const body = decode(out.Payload) as { errorType: string; errorMessage: string }
    expect(body.errorType).toBe('Sandbox.Timedout')
    expect(body.errorMessage).toContain('Task timed out after 1.00 seconds')
    expect(elapsed).toBeGreaterThanOrEqual(1000)
    expect(elapsed).toBeLessThan(2900)
  })

  it('honours reserved concurrency: a second concurrent sync invocation gets 429', async () => {
    // Prepare
    await createFunction('single', {
      'index.mjs':
        'export const handler = async () => { await new Promise((r) => setTimeout(r, 800)); return "done" }',
    })
    await lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: 'single',
        ReservedConcurrentExecutions: 1,
      }),
    )
    await lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: '{}' })) // warm it up
    // Act
    const results = await Promise.allSettled([
      lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: '{}' })),
      new Promise((r) => setTimeout(r, 100)).then(() =>
        lambda.send(new InvokeCommand({ FunctionName: 'single', Payload: '{}' })),
      ),
    ])
    // Assess: one ran, the other was throttled (whichever reached the gateway second)
    const fulfilled = results.filter((r) => r.status === 'fulfilled')
    const rejected = results.filter((r) => r.status === 'rejected')
    expect(fulfilled).toHaveLength(1)
    expect(fulfilled[0]).toMatchObject({ value: { StatusCode: 200 } })
    expect(rejected).toHaveLength(1)
    expect(rejected[0]?.reason).toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    })
  })

  it('queues Event invocations past reserved concurrency and runs them one at a time', async () => {
    // Prepare: 'single' has reserved concurrency 1 and takes 800 ms
    const before = await readFunctionLogs({ stateDir, functionName: 'single', contains: 'REPORT' })
    const peak = { inflight: 0, queued: 0 }
    // Act
    const acks = await Promise.all(
      [1, 2, 3].map(() =>
        lambda.send(
          new InvokeCommand({ FunctionName: 'single', InvocationType: 'Event', Payload: '{}' }),
        ),
      ),
    )
    await waitFor(
      'three more REPORT lines',
      async () => {
        const health = (await (await fetch(`${endpoint}/_fanout/health`)).json()) as {
          functions: Record<string, { inflight: number; queued: number }>
        }
        const single = Object.entries(health.functions).find(([arn]) =>
          arn.endsWith(':single'),
        )?.[1]
        peak.inflight = Math.max(peak.inflight, single?.inflight ?? 0)
        peak.queued = Math.max(peak.queued, single?.queued ?? 0)
        const after = await readFunctionLogs({
          stateDir,
          functionName: 'single',
          contains: 'REPORT',
        })
        return after.length >= before.length + 3 ? true : undefined
      },
      15_000,
      50,
    )
    // Assess
    expect(acks.map((a) => a.StatusCode)).toEqual([202, 202, 202])
    expect(peak.inflight).toBe(1)
    expect(peak.queued).toBeGreaterThanOrEqual(1)
  })

  it('measures: async ack, 100 concurrent Event invocations, warm sync latency, cold start', async () => {
    // Prepare
    await createFunction('trivial', { 'index.mjs': 'export const handler = async (e) => e' })
    const median = (xs: number[]) =>
      [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number
    const coldStart = performance.now()
    await lambda.send(new InvokeCommand({ FunctionName: 'trivial', Payload: '{}' }))
    const coldMs = performance.now() - coldStart
    // Act
    const warm: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      await lambda.send(new InvokeCommand({ FunctionName: 'trivial', Payload: `{"i":${i}}` }))
      warm.push(performance.now() - t)
    }
    const acks: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      await lambda.send(
        new InvokeCommand({ FunctionName: 'trivial', InvocationType: 'Event', Payload: '{}' }),
      )
      acks.push(performance.now() - t)
    }
    const burst = async () => {
      const t = performance.now()
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          lambda.send(
            new InvokeCommand({
              FunctionName: 'trivial',
              InvocationType: 'Event',
              Payload: `{"i":${i}}`,
            }),
          ),
        ),
      )
      return { ms: performance.now() - t, all202: answers.every((r) => r.StatusCode === 202) }
    }
    const coldPool = await burst() // the pool grows from 1 process while acknowledging
    await waitFor(
      'the queue to drain',
      async () => {
        const health = (await (await fetch(`${endpoint}/_fanout/health`)).json()) as {
          functions: Record<string, { inflight: number; queued: number }>
        }
        const trivial = Object.entries(health.functions).find(([arn]) =>
          arn.endsWith(':trivial'),
        )?.[1]
        return trivial && trivial.inflight === 0 && trivial.queued === 0 ? true : undefined
      },
      15_000,
      50,
    )
    const warmPool = await burst()
    const report = (
      await readFunctionLogs({ stateDir, functionName: 'trivial', contains: 'Init Duration' })
    )[0]
    // Assess
    expect(coldPool.all202 && warmPool.all202).toBe(true)
    const numbers = {
      asyncAckMedianMs: Number(median(acks).toFixed(1)),
      event100ConcurrentColdPoolMs: Number(coldPool.ms.toFixed(1)),
      event100ConcurrentWarmPoolMs: Number(warmPool.ms.toFixed(1)),
      warmSyncMedianMs: Number(median(warm).toFixed(1)),
      coldFirstInvokeMs: Number(coldMs.toFixed(1)),
      coldInitDuration: /Init Duration: ([\d.]+) ms/.exec(report?.message ?? '')?.[1],
    }
    console.log(`emulator measurements: ${JSON.stringify(numbers)}`)
    expect(numbers.event100ConcurrentWarmPoolMs).toBeLessThan(5000)
    expect(numbers.warmSyncMedianMs).toBeLessThan(500)
  })
})

describe('Step Functions through the gateway', () => {
  it('runs a CloudFormation-made state machine whose Task invokes the Lambda, twice without a name', async () => {
    // Prepare: patch 1 (CloudFormation → executing backend), patches 2 and 3 (nameless, repeated starts)
    const echoArn = `arn:aws:lambda:${region}:${account}:function:echo`
    const definition = {
      StartAt: 'Echo',
      States: { Echo: { Type: 'Task', Resource: echoArn, End: true } },
    }
    await awsQuery(endpoint, region, 'cloudformation', {
      Action: 'CreateStack',
      Version: '2010-05-15',
      StackName: 'fanout-it-stack',
      TemplateBody: JSON.stringify({
        Resources: {
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'fanout-it-machine',
              RoleArn: roleArn,
              DefinitionString: JSON.stringify(definition),
            },
          },
        },
      }),
    })
    const stateMachineArn = `arn:aws:states:${region}:${account}:stateMachine:fanout-it-machine`
    // Act
    const runs = []
    for (const n of [1, 2]) {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ run: n }) }),
      )
      const done = await waitFor(
        `execution ${n}`,
        async () => {
          const d = await sfn.send(new DescribeExecutionCommand({ executionArn }))
          return d.status === 'RUNNING' ? undefined : d
        },
        15_000,
        50,
      )
      runs.push(done)
    }
    // Assess
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED'])
    expect(runs[0]?.executionArn).not.toBe(runs[1]?.executionArn)
    expect(runs[0]?.executionArn).not.toMatch(/:None$/)
    expect(JSON.parse(runs[1]?.output ?? '{}')).toMatchObject({
      event: { run: 2 },
      functionName: 'echo',
    })
  })
})

describe('emulator stop', () => {
  it('stops both processes and their Lambda processes, then is idempotent', async () => {
    // Prepare
    const health = (await (await fetch(`${endpoint}/_fanout/health`)).json()) as {
      pid: number
      lambdaPids: number[]
    }
    // Act
    const stopped = await stopEmulator({ stateDir })
    const again = await stopEmulator({ stateDir })
    // Assess
    expect(health.pid).toBe(emulator.gatewayPid)
    expect(stopped.wasRunning).toBe(true)
    expect(stopped.stopped.sort()).toEqual([emulator.gatewayPid, emulator.motoPid].sort())
    expect(isAlive(emulator.gatewayPid)).toBe(false)
    expect(isAlive(emulator.motoPid)).toBe(false)
    expect(health.lambdaPids.length).toBeGreaterThan(0)
    expect(health.lambdaPids.filter(isAlive)).toEqual([])
    expect(again.wasRunning).toBe(false)
    expect((await emulatorStatus({ stateDir })).running).toBe(false)
  })
})
