import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionFor } from '../../../../src/aws/connection.js'
import { fetchInvoker } from '../../../../src/aws/lambda/fetchInvoker.js'
import { MAX_ASYNC_PAYLOAD_BYTES } from '../../../../src/aws/lambda/invoke.js'
import { isRetryableAwsError } from '../../../../src/aws/retry.js'
import { fetchConnection } from '../../../../src/aws/signedFetch.js'
import type { WorkerEvent } from '../../../../src/contracts/events.js'
import { UsageError } from '../../../../src/core/errors.js'

const event: WorkerEvent = {
  jobId: 'j1',
  bundleKey: `bundles/${'a'.repeat(64)}.mjs`,
  sha256: 'a'.repeat(64),
  params: { n: 1 },
  moleculeId: 4,
  start: 10,
  end: 20,
  attempt: 2,
}

// A real HTTP server on loopback standing in for Lambda's Invoke API.
let server: Server
let endpoint: string
let answer = { status: 202, body: '' }
const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] =
  []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const invoker = () =>
  fetchInvoker(
    fetchConnection(
      connectionFor('localstack', { AWS_REGION: 'eu-west-1' }, { endpoint }),
      'lambda',
      {
        tries: 1,
      },
    ),
    'fanout-worker',
  )

describe('fetchInvoker', () => {
  it('invokes the function asynchronously, signed, with the event as JSON', async () => {
    // Prepare
    answer = { status: 202, body: '' }
    seen.length = 0
    // Act
    await invoker()(event)
    // Assess
    expect(seen).toHaveLength(1)
    const req = seen[0]
    expect(req?.method).toBe('POST')
    expect(req?.url).toBe('/2015-03-31/functions/fanout-worker/invocations')
    expect(req?.headers['x-amz-invocation-type']).toBe('Event')
    expect(req?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=.*x-amz-invocation-type.*, Signature=[0-9a-f]{64}$/,
    )
    expect(JSON.parse(req?.body ?? '')).toEqual(event)
  })

  it('throws a throttling error the retry policy recognises on 429', async () => {
    // Prepare
    answer = { status: 429, body: '{"Type":"User","message":"Rate Exceeded."}' }
    // Act
    const error = await invoker()(event).catch((e: unknown) => e)
    // Assess
    expect(error).toMatchObject({
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 429 },
    })
    expect(isRetryableAwsError(error)).toBe(true)
    expect((error as Error).message).toBe(
      'invoking fanout-worker for molecule 4 (attempt 2) answered 429 TooManyRequestsException, not 202',
    )
  })

  it('names the error of any other answer, and does not retry a missing function', async () => {
    // Prepare
    answer = {
      status: 404,
      body: '{"Type":"User","__type":"ResourceNotFoundException","message":"no"}',
    }
    // Act
    const error = await invoker()(event).catch((e: unknown) => e)
    // Assess
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    })
    expect(isRetryableAwsError(error)).toBe(false)
  })

  it('refuses an event over the 1 MB async limit before sending it', async () => {
    // Prepare
    seen.length = 0
    const big = { ...event, params: { blob: 'x'.repeat(MAX_ASYNC_PAYLOAD_BYTES) } }
    // Act / Assess
    await expect(invoker()(big)).rejects.toThrow(UsageError)
    expect(seen).toHaveLength(0)
  })
})
