import { AwsV4Signer } from 'aws4fetch'
import { describe, expect, it } from 'vitest'
import { signRequest } from '../../../src/aws/sigv4.js'

// fanout's signer against an independent, widely used SigV4 implementation
// (aws4fetch, a devDependency kept for exactly this check), on the requests
// the Lambda functions send.
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}
const datetime = '20261127T120000Z'

async function reference(input: {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
  service: string
  sessionToken?: string
}): Promise<string> {
  const signer = new AwsV4Signer({
    method: input.method,
    url: input.url,
    headers: input.headers,
    body: input.body,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: input.sessionToken,
    service: input.service,
    region: 'eu-west-1',
    datetime,
    // sign every header, as fanout does (aws4fetch leaves content-type out by default)
    allHeaders: true,
  })
  const signed = await signer.sign()
  return signed.headers.get('authorization') as string
}

const cases: {
  name: string
  method: string
  url: string
  headers: Record<string, string>
  body?: string
  service: string
  sessionToken?: string
}[] = [
  {
    name: 'an S3 PUT with If-None-Match (virtual-hosted)',
    method: 'PUT',
    url: 'https://my-bucket.s3.eu-west-1.amazonaws.com/jobs/j1/partials/000003.parquet',
    headers: { 'Content-Type': 'application/vnd.apache.parquet', 'If-None-Match': '*' },
    body: 'PAR1...',
    service: 's3',
  },
  {
    name: 'an S3 ListObjectsV2 with a query (path-style, odd characters)',
    method: 'GET',
    url: 'http://127.0.0.1:4566/my-bucket/?list-type=2&prefix=jobs%2Fa%20b%2F&max-keys=1000&continuation-token=x%2By%3D%3D',
    headers: {},
    service: 's3',
  },
  {
    name: 'an S3 GET of a key with spaces and unicode',
    method: 'GET',
    url: 'https://my-bucket.s3.eu-west-1.amazonaws.com/bundles/a%20b/%C3%A9t%C3%A9.mjs',
    headers: {},
    service: 's3',
    sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN',
  },
  {
    name: "an S3 GET of a key with RFC 3986 reserved characters (!'()*)",
    method: 'GET',
    url: 'https://my-bucket.s3.eu-west-1.amazonaws.com/jobs/it%27s%281%29%21%2A.json',
    headers: {},
    service: 's3',
  },
  {
    name: 'a Lambda Invoke of type Event with a JSON body',
    method: 'POST',
    url: 'https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/Fanout-Worker-1A2B/invocations',
    headers: { 'X-Amz-Invocation-Type': 'Event', 'Content-Type': 'application/json' },
    body: '{"jobId":"j1","moleculeId":3}',
    service: 'lambda',
    sessionToken: 'FQoGZXIvYXdzEXAMPLETOKEN',
  },
]

describe('signRequest (SigV4)', () => {
  it.each(cases)('signs $name exactly as an independent implementation does', async (c) => {
    // Act
    const ours = signRequest({
      method: c.method,
      url: new URL(c.url),
      headers: c.headers,
      body: c.body,
      service: c.service,
      region: 'eu-west-1',
      credentials: { ...credentials, sessionToken: c.sessionToken },
      datetime,
    })
    // Assess
    expect(ours.authorization).toBe(
      await reference({ ...c, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) }),
    )
    expect(ours['x-amz-date']).toBe(datetime)
    if (c.service === 's3') expect(ours['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD')
    if (c.sessionToken) expect(ours['x-amz-security-token']).toBe(c.sessionToken)
  })
})
