import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'
import { LambdaService } from '../../../src/emulator/LambdaService.js'
import { LogWriter } from '../../../src/emulator/logs.js'
import { MotoClient } from '../../../src/emulator/motoClient.js'
import { createZip } from '../../helpers/zip.js'

// LambdaService against a fake moto: no code route (plain moto), so the code is found the way a
// CDK deployment leaves it, by the S3 key of Code.Location in an asset bucket.
const assetBucket = 'cdk-hnb659fds-assets-123456789012-us-east-1'
const zip = await createZip({
  'index.mjs': 'export const handler = async (e) => ({ doubled: e.n * 2 })',
})
const sha = createHash('sha256').update(zip).digest('base64')
const seen: string[] = []

let fakeMoto: Server
let stateDir: string
let logs: LogWriter
let moto: MotoClient
let service: LambdaService

function getFunction(name: string, runtime = 'nodejs22.x') {
  return {
    Configuration: {
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      Runtime: runtime,
      Handler: 'index.handler',
      Timeout: 3,
      MemorySize: 128,
      CodeSha256: sha,
      PackageType: 'Zip',
      Version: '$LATEST',
    },
    Code: {
      Location: `https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com/assethash.zip`,
    },
  }
}

beforeAll(async () => {
  fakeMoto = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://moto')
    seen.push(`${req.method} ${req.url}`)
    const fn = /^\/2015-03-31\/functions\/([^/]+)$/.exec(url.pathname)
    if (fn && (fn[1] === 'doubler' || fn[1] === 'python-fn')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify(getFunction(fn[1], fn[1] === 'python-fn' ? 'python3.12' : 'nodejs22.x')),
      )
    } else if (url.pathname === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/xml' })
      res.end(
        `<ListAllMyBucketsResult><Buckets><Bucket><Name>other</Name></Bucket><Bucket><Name>${assetBucket}</Name></Bucket></Buckets></ListAllMyBucketsResult>`,
      )
    } else if (url.pathname === `/${assetBucket}/assethash.zip`) {
      res.writeHead(200, { 'content-type': 'application/zip' })
      res.end(zip)
    } else {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"Type":"User","Message":"not found"}')
    }
  })
  await new Promise<void>((r) => fakeMoto.listen(0, '127.0.0.1', r))
  stateDir = await mkdtemp(join(tmpdir(), 'fanout-lambda-service-'))
  logs = new LogWriter(stateDir)
  moto = new MotoClient((fakeMoto.address() as AddressInfo).port)
  service = new LambdaService({
    stateDir,
    moto,
    logs,
    endpointUrl: 'http://127.0.0.1:1',
    runtimePath: resolveEmulatorFiles().runtime,
    maxProcessesPerFunction: 2,
  })
})

afterAll(async () => {
  await service.close()
  moto.close()
  await logs.close()
  await new Promise((r) => fakeMoto.close(r))
  await rm(stateDir, { recursive: true, force: true })
})

describe('LambdaService with plain moto (code from the CDK asset bucket)', () => {
  it('finds the zip by the S3 key of Code.Location, unzips it once, and runs it', async () => {
    // Prepare
    const payload = Buffer.from('{"n": 21}')
    // Act
    const first = await service.invoke({ functionName: 'doubler', payload })
    const second = await service.invoke({ functionName: 'doubler', payload })
    // Assess
    expect(first.status).toBe(200)
    expect(JSON.parse(first.body)).toEqual({ doubled: 42 })
    expect(second.body).toBe(first.body)
    expect(seen.filter((s) => s === `GET /${assetBucket}/assethash.zip`)).toHaveLength(1)
    const codeDir = join(stateDir, 'code', Buffer.from(sha, 'base64').toString('hex'))
    expect(await readFile(join(codeDir, 'index.mjs'), 'utf8')).toContain('doubled')
  })

  it('answers DryRun with 204 and Event with 202', async () => {
    // Prepare
    const payload = Buffer.from('{"n": 1}')
    // Act
    const dry = await service.invoke({ functionName: 'doubler', invocationType: 'DryRun', payload })
    const event = await service.invoke({
      functionName: 'doubler',
      invocationType: 'Event',
      payload,
    })
    // Assess
    expect(dry.status).toBe(204)
    expect(event.status).toBe(202)
    expect(event.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it.each([
    ['an unknown function', { functionName: 'nope' }, 404, 'ResourceNotFoundException'],
    [
      'a body that is not JSON',
      { functionName: 'doubler', payload: Buffer.from('{oops') },
      400,
      'InvalidRequestContentException',
    ],
    [
      'a payload over 6 MB',
      { functionName: 'doubler', payload: Buffer.alloc(6 * 1024 * 1024 + 1, 32) },
      413,
      'RequestTooLargeException',
    ],
    [
      'an Event payload over 1 MB',
      {
        functionName: 'doubler',
        invocationType: 'Event',
        payload: Buffer.alloc(1024 * 1024 + 1, 32),
      },
      413,
      'RequestTooLargeException',
    ],
    ['a runtime other than Node.js', { functionName: 'python-fn' }, 502, 'InvalidRuntimeException'],
    [
      'an unknown invocation type',
      { functionName: 'doubler', invocationType: 'Sometimes' },
      400,
      'InvalidParameterValueException',
    ],
  ])('rejects %s like Lambda', async (_, request, status, errorType) => {
    // Prepare
    const call = { payload: Buffer.from('{}'), ...request }
    // Act
    const reply = await service.invoke(call)
    // Assess
    expect(reply.status).toBe(status)
    expect(reply.headers['x-amzn-errortype']).toBe(errorType)
    expect(JSON.parse(reply.body).message).toBeTruthy()
  })

  it('resolves a function ARN with a qualifier to the name and qualifier', async () => {
    // Prepare
    const functionName = 'arn:aws:lambda:eu-west-1:123456789012:function:doubler:7'
    // Act
    await service.invoke({ functionName, payload: Buffer.from('{"n":1}') })
    // Assess
    expect(seen).toContain('GET /2015-03-31/functions/doubler?Qualifier=7')
  })
})
