import { createHash, createHmac } from 'node:crypto'

/**
 * AWS Signature Version 4, synchronous over node:crypto. The Lambda functions
 * sign their S3 and Lambda requests with it instead of loading the AWS SDK;
 * a unit test checks every signature against an independent implementation.
 */

/** AWS credentials, as Lambda puts them in a function's environment. */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
}

/** One request to sign. */
export interface SignInput {
  method: string
  url: URL
  /** Headers to send and sign (names in any case). */
  headers: Record<string, string>
  body?: Uint8Array | string | undefined
  service: string
  region: string
  credentials: AwsCredentials
  /** `YYYYMMDDTHHMMSSZ`. @default now */
  datetime?: string
}

const sha256hex = (data: Uint8Array | string): string =>
  createHash('sha256').update(data).digest('hex')
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest()

/** RFC 3986 percent-encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** The canonical URI: S3 signs the path as sent; other services encode each segment once more. */
function canonicalPath(url: URL, service: string): string {
  const path = url.pathname || '/'
  if (service === 's3') return path
  return path
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .map((segment) => encodeRfc3986(segment))
    .join('/')
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

const signingKeys = new Map<string, Buffer>()
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\n${date}\n${region}\n${service}`
  let key = signingKeys.get(id)
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request')
    if (signingKeys.size > 64) signingKeys.clear()
    signingKeys.set(id, key)
  }
  return key
}

/**
 * Sign a request: returns the headers to send (the given ones plus `host`,
 * `x-amz-date`, `x-amz-content-sha256` for S3, `x-amz-security-token` with a
 * session, and `authorization`). S3 payloads are sent unsigned
 * (`UNSIGNED-PAYLOAD`, over TLS), as the AWS SDK does for streaming bodies.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const datetime = input.datetime ?? new Date().toISOString().replace(/[:-]|\.\d{3}/g, '')
  const date = datetime.slice(0, 8)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = String(v).trim()
  headers.host = input.url.host
  headers['x-amz-date'] = datetime
  const payloadHash = input.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256hex(input.body ?? '')
  if (input.service === 's3') headers['x-amz-content-sha256'] = payloadHash
  if (input.credentials.sessionToken)
    headers['x-amz-security-token'] = input.credentials.sessionToken
  const names = Object.keys(headers).sort()
  const canonicalHeaders = names
    .map((n) => `${n}:${(headers[n] as string).replace(/\s+/g, ' ')}\n`)
    .join('')
  const signedHeaders = names.join(';')
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(input.url, input.service),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n')
  const scope = `${date}/${input.region}/${input.service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', datetime, scope, sha256hex(canonicalRequest)].join('\n')
  const key = signingKey(input.credentials.secretAccessKey, date, input.region, input.service)
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return headers
}
