/**
 * S3 object reads for the functions, over signed fetch (no AWS SDK): a byte
 * range of an object, an object streamed to a file with its sha256 checked,
 * and a prefix listed with object sizes. Used by the data access of the
 * Lambda functions, in the stack's bucket and in the user's data buckets.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { StoreError } from '../../core/errors.js'
import { byteOrder } from '../../runtime/data/objectStore.js'
import { AwsHttpError } from '../errors.js'
import { type AwsFetchConnection, awsErrorCode } from '../signedFetch.js'
import { encodeKeyPath, encodeRfc3986, unescapeXml } from './s3Keys.js'

/** The URL of a bucket: path-style against a custom endpoint (emulators), virtual-hosted against AWS. */
export function bucketUrl(connection: AwsFetchConnection, bucket: string): string {
  return connection.endpoint
    ? `${connection.endpoint}/${encodeURIComponent(bucket)}`
    : `https://${bucket}.s3.${connection.region}.amazonaws.com`
}

function objectUrl(connection: AwsFetchConnection, bucket: string, key: string): string {
  return `${bucketUrl(connection, bucket)}/${encodeKeyPath(key)}`
}

async function failure(res: Response, verb: string, where: string): Promise<StoreError> {
  const body = await res.text().catch(() => '')
  const code = awsErrorCode(body, `Http${res.status}`, res.headers)
  const hint =
    res.status === 403
      ? ' (access denied: the stack reads only its own bucket and the data buckets named at deploy time, -c dataBuckets=...)'
      : ''
  return new StoreError(`cannot ${verb} ${where}: ${res.status} ${code}${hint}`, {
    cause: new AwsHttpError(code, res.status, body.slice(0, 500)),
  })
}

/**
 * The bytes `[start, end)` of an object (one range GET).
 *
 * @throws {@link StoreError} for a missing object or any error answer
 */
export async function getRange(
  connection: AwsFetchConnection,
  bucket: string,
  key: string,
  start: number,
  end: number,
): Promise<Uint8Array> {
  if (end <= start) return new Uint8Array(0)
  const res = await connection.client.fetch(objectUrl(connection, bucket, key), {
    method: 'GET',
    headers: { Range: `bytes=${start}-${end - 1}` },
  })
  if (res.status !== 206 && res.status !== 200) {
    throw await failure(res, 'read', `s3://${bucket}/${key}`)
  }
  const bytes = new Uint8Array(await res.arrayBuffer())
  // a server that ignores Range sends the whole object: keep the range asked for
  return res.status === 200 && (start > 0 || bytes.byteLength > end - start)
    ? bytes.slice(start, end)
    : bytes
}

/**
 * Stream an object to `path` (through a temp file, then a rename), checking
 * that its bytes hash to `sha256`.
 *
 * @returns the bytes written
 * @throws {@link StoreError} for a missing object, an error answer, or other bytes
 */
export async function downloadVerified(
  connection: AwsFetchConnection,
  bucket: string,
  key: string,
  sha256: string,
  path: string,
): Promise<number> {
  const res = await connection.client.fetch(objectUrl(connection, bucket, key), { method: 'GET' })
  if (!res.ok || !res.body) throw await failure(res, 'download', `s3://${bucket}/${key}`)
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const hash = createHash('sha256')
  let bytes = 0
  try {
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bytes += chunk.byteLength
    })
    await pipeline(body, createWriteStream(tmp))
    const actual = hash.digest('hex')
    if (actual !== sha256) {
      throw new StoreError(
        `s3://${bucket}/${key} has sha256 ${actual}, not the ${sha256} the job staged: refusing to use it (stage the file again by running the job again)`,
      )
    }
    await rename(tmp, path)
  } finally {
    await rm(tmp, { force: true })
  }
  return bytes
}

/**
 * Every object under `prefix` with its size, in key order, every
 * ListObjectsV2 page followed. "Folder" markers (keys ending in `/`) are left out.
 *
 * @throws {@link StoreError} for an error answer (a missing bucket, access denied)
 */
export async function listObjects(
  connection: AwsFetchConnection,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = []
  let token: string | undefined
  do {
    const params: [string, string][] = [
      ['list-type', '2'],
      ['max-keys', '1000'],
      ['prefix', prefix],
    ]
    if (token) params.push(['continuation-token', token])
    const query = params.map(([k, v]) => `${k}=${encodeRfc3986(v)}`).join('&')
    const res = await connection.client.fetch(`${bucketUrl(connection, bucket)}/?${query}`, {
      method: 'GET',
    })
    if (!res.ok) throw await failure(res, 'list', `s3://${bucket}/${prefix}`)
    const xml = await res.text()
    for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const body = m[1] as string
      const key = unescapeXml(/<Key>([^<]*)<\/Key>/.exec(body)?.[1] ?? '')
      const size = Number(/<Size>(\d+)<\/Size>/.exec(body)?.[1] ?? Number.NaN)
      if (key && !key.endsWith('/') && Number.isFinite(size)) out.push({ key, size })
    }
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml)
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1]
    token = truncated && next ? unescapeXml(next) : undefined
  } while (token)
  return out.sort((a, b) => byteOrder(a.key, b.key))
}
