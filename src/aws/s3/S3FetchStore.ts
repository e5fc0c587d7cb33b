import { StoreError } from '../../core/errors.js'
import type { PutOptions, ResultStore } from '../../store/ResultStore.js'
import { AwsHttpError } from '../errors.js'
import { type AwsFetchConnection, awsErrorCode } from '../signedFetch.js'
import type { S3ResultStoreOptions } from './S3ResultStore.js'
import {
  checkKey,
  checkMaxKeys,
  contentType,
  encodeRfc3986,
  normalizePrefix,
  unescapeXml,
} from './s3Keys.js'

/** S3 keys are sent RFC 3986-encoded, each segment on its own (slashes stay), as they are signed. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/')
}

/**
 * The S3 adapter of the {@link ResultStore} port over signed `fetch`, with the
 * same contract as `S3ResultStore` (one PUT per write; `ifAbsent` is
 * `If-None-Match: *`, and a 412 or 409 answers false; missing keys read as
 * undefined/false; every list page followed) but without loading the AWS SDK.
 * The Lambda functions use it, where cold-start time counts; credentials come
 * from the environment, as Lambda provides them.
 *
 * @example
 * ```ts
 * const store = new S3FetchStore(fetchConnection(connectionFor('aws', process.env), 's3'), 'my-bucket')
 * ```
 */
export class S3FetchStore implements ResultStore {
  /** The key prefix every store key is put under: `''` or ending in `/`. */
  readonly prefix: string
  private readonly maxKeys: number
  private readonly base: string

  constructor(
    private readonly connection: AwsFetchConnection,
    readonly bucket: string,
    prefix = '',
    options: S3ResultStoreOptions = {},
  ) {
    if (typeof bucket !== 'string' || bucket === '') {
      throw new StoreError(`Expected a bucket name, got ${JSON.stringify(bucket)}`)
    }
    this.prefix = normalizePrefix(prefix)
    this.maxKeys = checkMaxKeys(options.maxKeys ?? 1000)
    // path-style against a custom endpoint (emulators), virtual-hosted against AWS
    this.base = connection.endpoint
      ? `${connection.endpoint}/${encodeURIComponent(bucket)}`
      : `https://${bucket}.s3.${connection.region}.amazonaws.com`
  }

  private url(key: string): string {
    return `${this.base}/${encodeKey(this.prefix + checkKey(key))}`
  }

  private async failure(res: Response, verb: string, key: string): Promise<StoreError> {
    const body = await res.text().catch(() => '')
    const code = awsErrorCode(body, `Http${res.status}`, res.headers)
    return new StoreError(`cannot ${verb} ${this.describe(key)}: ${res.status} ${code}`, {
      cause: new AwsHttpError(code, res.status, body.slice(0, 500)),
    })
  }

  /** Write `body` at `key` (one PUT). With `ifAbsent`, returns false when the key exists. */
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    const headers: Record<string, string> = { 'Content-Type': contentType(key) }
    if (options.ifAbsent) headers['If-None-Match'] = '*'
    const res = await this.connection.client.fetch(this.url(key), { method: 'PUT', body, headers })
    if (options.ifAbsent && (res.status === 412 || res.status === 409)) {
      await res.arrayBuffer()
      return false
    }
    if (!res.ok) throw await this.failure(res, 'write', key)
    await res.arrayBuffer()
    return true
  }

  /** The bytes at `key`, or `undefined` when there is no object. */
  async get(key: string): Promise<Uint8Array | undefined> {
    const res = await this.connection.client.fetch(this.url(key), { method: 'GET' })
    if (res.status === 404) {
      await res.arrayBuffer()
      return undefined
    }
    if (!res.ok) throw await this.failure(res, 'read', key)
    return new Uint8Array(await res.arrayBuffer())
  }

  /** The last `bytes` bytes of the object at `key` (a suffix Range GET), or `undefined`. */
  async getTail(key: string, bytes: number): Promise<Uint8Array | undefined> {
    const res = await this.connection.client.fetch(this.url(key), {
      method: 'GET',
      headers: { Range: `bytes=-${bytes}` },
    })
    if (res.status === 404) {
      await res.arrayBuffer()
      return undefined
    }
    // an empty object has no suffix to give (416): it is all there is
    if (res.status === 416) {
      await res.arrayBuffer()
      return this.get(key)
    }
    if (!res.ok) throw await this.failure(res, 'read', key)
    return new Uint8Array(await res.arrayBuffer())
  }

  /** True when an object exists at `key` (HEAD). */
  async exists(key: string): Promise<boolean> {
    const res = await this.connection.client.fetch(this.url(key), { method: 'HEAD' })
    if (res.status === 404) return false
    if (!res.ok) throw await this.failure(res, 'check', key)
    return true
  }

  /** Keys that start with `prefix` (`''` for all), sorted, every ListObjectsV2 page followed. */
  async list(prefix: string): Promise<string[]> {
    checkKey(prefix, 'prefix')
    const keys: string[] = []
    let token: string | undefined
    do {
      // built by hand: URLSearchParams writes a space as '+', which S3 and SigV4 read differently
      const params: [string, string][] = [
        ['list-type', '2'],
        ['max-keys', String(this.maxKeys)],
        ['prefix', this.prefix + prefix],
      ]
      if (token) params.push(['continuation-token', token])
      const query = params.map(([k, v]) => `${k}=${encodeRfc3986(v)}`).join('&')
      const res = await this.connection.client.fetch(`${this.base}/?${query}`, { method: 'GET' })
      if (!res.ok) throw await this.failure(res, 'list', prefix)
      const xml = await res.text()
      for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) {
        const objectKey = unescapeXml(m[1] as string)
        if (objectKey.startsWith(this.prefix)) keys.push(objectKey.slice(this.prefix.length))
      }
      const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml)
      const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1]
      token = truncated && next ? unescapeXml(next) : undefined
      if (truncated && !token) {
        throw new StoreError(
          `cannot list ${this.describe(prefix)}: a truncated page without a continuation token`,
        )
      }
    } while (token)
    return keys.sort()
  }

  /** `s3://<bucket>/<prefix><key>`. */
  describe(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`
  }
}
