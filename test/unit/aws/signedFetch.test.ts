import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connectionFor } from '../../../src/aws/connection.js'
import { S3FetchStore } from '../../../src/aws/s3/S3FetchStore.js'
import { fetchConnection, SignedFetch } from '../../../src/aws/signedFetch.js'
import { FanoutError } from '../../../src/core/errors.js'

// A real HTTP server on loopback stands in for S3 and Lambda. Every signature
// it receives is recomputed with the AWS SDK's own signer (@smithy/signature-v4)
// over the request as it arrived: path, query and headers as sent.

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}
type Answer = (req: Seen, res: ServerResponse) => void

let server: Server
let endpoint: string
let seen: Seen[] = []
let answers: Answer[] = []
const ok: Answer = (_req, res) => res.writeHead(200).end('ok')

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(s)
      ;(answers.shift() ?? ok)(s, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

beforeEach(() => {
  seen = []
  answers = []
})

type SourceData = string | ArrayBuffer | ArrayBufferView
const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data)

/** A sha256 for the SDK's signer, over node:crypto. */
class Sha256 {
  private hash: Hash | Hmac
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret))
  }
  update(data: SourceData) {
    this.hash.update(bytesOf(data))
  }
  async digest() {
    return new Uint8Array(this.hash.digest())
  }
  reset() {}
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN',
}

/** The Authorization the AWS SDK's signer computes for a request as the server received it. */
async function sdkAuthorization(req: Seen, service: string): Promise<string> {
  const auth = String(req.headers.authorization)
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? []
  const headers: Record<string, string> = {}
  for (const name of signedNames) headers[name] = String(req.headers[name])
  const [path, search = ''] = req.url.split('?') as [string, string?]
  const query: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(search)) query[k] = v
  const date = String(req.headers['x-amz-date'])
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  )
  const signer = new SignatureV4({
    service,
    region: 'eu-west-1',
    credentials,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    // sign the headers the request carried, no more: a payload hash header is S3's alone
    applyChecksum: false,
  })
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path,
      query,
      headers,
      body: req.body,
    },
    { signingDate },
  )
  return signed.headers.authorization as string
}

function client(
  service: 's3' | 'lambda',
  options: ConstructorParameters<typeof SignedFetch>[3] = {},
) {
  return new SignedFetch(credentials, service, 'eu-west-1', {
    retry: { baseDelayMs: 1 },
    ...options,
  })
}

describe('SignedFetch: signatures', () => {
  it('signs S3 requests with odd keys, list queries and a session token as the AWS SDK does', async () => {
    // Prepare: S3FetchStore builds the URLs, as the worker does
    const store = new S3FetchStore(
      { region: 'eu-west-1', endpoint, client: client('s3') },
      'my-bucket',
      'pre fix',
    )
    answers = [
      ok,
      ok,
      (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'application/xml' })
          .end(
            '<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>a+b/c==</NextContinuationToken></ListBucketResult>',
          ),
      (_req, res) => res.writeHead(200).end('<ListBucketResult></ListBucketResult>'),
    ]
    // Act
    await store.put("jobs/it's (1)!*.json", '{}', { ifAbsent: true })
    await store.get('jobs/été ü+x.json')
    await store.list('jobs/a b+')
    // Assess
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PUT /my-bucket/pre%20fix/jobs/it%27s%20%281%29%21%2A.json',
      'GET /my-bucket/pre%20fix/jobs/%C3%A9t%C3%A9%20%C3%BC%2Bx.json',
      'GET /my-bucket/?list-type=2&max-keys=1000&prefix=pre%20fix%2Fjobs%2Fa%20b%2B',
      'GET /my-bucket/?list-type=2&max-keys=1000&prefix=pre%20fix%2Fjobs%2Fa%20b%2B&continuation-token=a%2Bb%2Fc%3D%3D',
    ])
    for (const req of seen) {
      expect(req.headers.authorization).toBe(await sdkAuthorization(req, 's3'))
      expect(req.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
      expect(req.headers['x-amz-security-token']).toBe(credentials.sessionToken)
    }
    expect(String(seen[0]?.headers.authorization)).toMatch(
      /SignedHeaders=content-type;host;if-none-match;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
    )
  })

  it('signs a Lambda Invoke with its payload hash as the AWS SDK does', async () => {
    // Act
    await client('lambda').fetch(`${endpoint}/2015-03-31/functions/Fanout-Worker%3A1/invocations`, {
      method: 'POST',
      body: new TextEncoder().encode('{"jobId":"j1","moleculeId":3}'),
      headers: { 'X-Amz-Invocation-Type': 'Event', 'Content-Type': 'application/json' },
    })
    // Assess
    const req = seen[0] as Seen
    expect(req.body).toBe('{"jobId":"j1","moleculeId":3}')
    expect(req.headers['x-amz-content-sha256']).toBeUndefined()
    expect(req.headers.authorization).toBe(await sdkAuthorization(req, 'lambda'))
    expect(String(req.headers.authorization)).toContain('x-amz-invocation-type')
  })
})

describe('SignedFetch: retries', () => {
  it('retries 503 SlowDown and 429, signing each try afresh, until an answer is good', async () => {
    // Prepare
    answers = [
      (_req, res) => res.writeHead(503).end('<Error><Code>SlowDown</Code></Error>'),
      (_req, res) => res.writeHead(429).end('{"__type":"TooManyRequestsException"}'),
    ]
    // Act
    const res = await client('s3').fetch(`${endpoint}/b/k`, { method: 'GET' })
    // Assess
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('ok')
    expect(seen).toHaveLength(3)
    expect(seen.every((r) => String(r.headers.authorization).startsWith('AWS4-HMAC-SHA256 '))).toBe(
      true,
    )
  })

  it('returns the last error answer, readable, once the tries are spent', async () => {
    // Prepare
    const slowDown: Answer = (_req, res) =>
      res.writeHead(503).end('<Error><Code>SlowDown</Code></Error>')
    answers = [slowDown, slowDown, slowDown]
    // Act
    const res = await client('s3', { tries: 3 }).fetch(`${endpoint}/b/k`, { method: 'GET' })
    // Assess
    expect(seen).toHaveLength(3)
    expect(res.status).toBe(503)
    expect(await res.text()).toBe('<Error><Code>SlowDown</Code></Error>')
  })

  it('does not retry an answer that another try cannot cure', async () => {
    // Prepare
    answers = [(_req, res) => res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>')]
    // Act
    const res = await client('s3').fetch(`${endpoint}/b/k`, { method: 'GET' })
    // Assess
    expect(seen).toHaveLength(1)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('AccessDenied')
  })

  it('retries a dropped keep-alive connection', async () => {
    // Prepare: the first request's socket is closed without an answer
    answers = [(_req, res) => res.socket?.destroy()]
    // Act
    const res = await client('s3').fetch(`${endpoint}/b/dropped`, { method: 'GET' })
    // Assess
    expect(res.status).toBe(200)
    expect(seen.map((r) => r.url)).toEqual(['/b/dropped', '/b/dropped'])
  })

  it('aborts a try that takes longer than its timeout, and retries it', async () => {
    // Prepare: the first request is never answered
    answers = [() => undefined]
    // Act
    const res = await client('s3', { timeoutMs: 200 }).fetch(`${endpoint}/b/slow`, {
      method: 'GET',
    })
    // Assess
    expect(res.status).toBe(200)
    expect(seen).toHaveLength(2)
  })

  it('throws the connection error once the tries are spent', async () => {
    // Prepare
    const drop: Answer = (_req, res) => res.socket?.destroy()
    answers = [drop, drop]
    // Act
    const error = await client('s3', { tries: 2 })
      .fetch(`${endpoint}/b/k`, { method: 'GET' })
      .catch((e: unknown) => e)
    // Assess
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('fetch failed')
    expect(seen).toHaveLength(2)
  })
})

describe('fetchConnection', () => {
  it("takes the connection's region, the service's endpoint and its credentials", async () => {
    // Prepare
    const connection = connectionFor(
      'localstack',
      { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_LAMBDA: `${endpoint}/` },
      {},
    )
    // Act
    const s3 = fetchConnection(connection, 's3')
    const lambda = fetchConnection(connection, 'lambda')
    await lambda.client.fetch(`${lambda.endpoint}/x`, { method: 'GET' })
    // Assess
    expect(s3.endpoint).toBe('http://127.0.0.1:4566')
    expect(lambda.endpoint).toBe(endpoint)
    expect(lambda.region).toBe('eu-west-1')
    expect(String(seen[0]?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/lambda\/aws4_request, /,
    )
  })

  it('says how to get credentials when the connection has none', () => {
    // Act / Assess
    expect(() => fetchConnection(connectionFor('aws', {}), 's3')).toThrow(FanoutError)
    expect(() => fetchConnection(connectionFor('aws', {}), 's3')).toThrow(
      "no AWS credentials for s3: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them for the function's role), or point AWS_ENDPOINT_URL at an emulator",
    )
  })
})
