import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { describeValue, StoreError } from '../../core/errors.js'
import type { PutOptions, ResultStore } from '../../store/ResultStore.js'
import { s3ClientConfig, type TargetConnection } from '../connection.js'
import { checkKey, checkMaxKeys, contentType, normalizePrefix } from './s3Keys.js'

/** Options of {@link S3ResultStore}. */
export interface S3ResultStoreOptions {
  /** Keys per ListObjectsV2 page (S3 returns at most 1000). @default 1000 */
  maxKeys?: number
}

interface AwsErrorLike {
  name?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
}

function status(error: unknown): number | undefined {
  return (error as AwsErrorLike | undefined)?.$metadata?.httpStatusCode
}

function errorName(error: unknown): string | undefined {
  const e = error as AwsErrorLike | undefined
  return e?.name ?? e?.Code
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error)
  return name === 'NoSuchKey' || name === 'NotFound' || status(error) === 404
}

/**
 * The {@link ResultStore} over an S3 bucket (or any S3-compatible endpoint):
 * a key is an object key under `prefix`.
 *
 * - `put` is one PutObject, so readers see the old object or the whole new
 *   one. With `ifAbsent`, it sends `If-None-Match: *`: S3 answers 412
 *   PreconditionFailed when the key exists (→ `false`), and 409
 *   ConditionalRequestConflict when a concurrent conditional write to the
 *   same key is in flight, which is also treated as "exists" (→ `false`): the
 *   other writer's object wins.
 * - `get` and `exists` read a missing key as `undefined` / `false`.
 * - `list` follows ListObjectsV2 continuation tokens and sorts the keys.
 *
 * @example
 * ```ts
 * const store = new S3ResultStore(s3ClientFor(connectionFor('aws', process.env)), 'my-bucket')
 * await store.put('jobs/j1/partials/000000.parquet', bytes, { ifAbsent: true }) // true, then false
 * store.describe('jobs/j1/result.parquet') // 's3://my-bucket/jobs/j1/result.parquet'
 * ```
 */
export class S3ResultStore implements ResultStore {
  /** The key prefix every store key is put under: `''` or ending in `/`. */
  readonly prefix: string
  private readonly maxKeys: number

  /**
   * @param client - the S3 client (see {@link s3ClientFor})
   * @param bucket - the bucket name
   * @param prefix - a key prefix for every key, e.g. `fanout/` (a missing trailing `/` is added). @default ''
   */
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    prefix = '',
    options: S3ResultStoreOptions = {},
  ) {
    if (typeof bucket !== 'string' || bucket === '') {
      throw new StoreError(`Expected a bucket name, got ${describeValue(bucket)}`)
    }
    this.prefix = normalizePrefix(prefix)
    this.maxKeys = checkMaxKeys(options.maxKeys ?? 1000)
  }

  private objectKey(key: string): string {
    return this.prefix + checkKey(key)
  }

  /** Write `body` at `key` (one PutObject). With `ifAbsent`, returns false when the key exists. */
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: body,
          ContentType: contentType(key),
          ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      )
      return true
    } catch (error) {
      if (options.ifAbsent) {
        const name = errorName(error)
        const code = status(error)
        if (name === 'PreconditionFailed' || code === 412) return false
        if (name === 'ConditionalRequestConflict' || code === 409) return false
      }
      throw new StoreError(`cannot write ${this.describe(key)}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** The bytes at `key`, or `undefined` when there is no object. */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      )
      if (!out.Body) return new Uint8Array(0)
      return await out.Body.transformToByteArray()
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw new StoreError(`cannot read ${this.describe(key)}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** The last `bytes` bytes of the object at `key` (a suffix Range GET), or `undefined`. */
  async getTail(key: string, bytes: number): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: `bytes=-${bytes}`,
        }),
      )
      if (!out.Body) return new Uint8Array(0)
      return await out.Body.transformToByteArray()
    } catch (error) {
      if (isNotFound(error)) return undefined
      // an empty object has no suffix to give (416): it is all there is
      if (status(error) === 416) return this.get(key)
      throw new StoreError(`cannot read ${this.describe(key)}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** Keys that start with `prefix` (`''` for all), sorted, every page followed. */
  async list(prefix: string): Promise<string[]> {
    checkKey(prefix, 'prefix')
    const keys: string[] = []
    let token: string | undefined
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: this.maxKeys,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      )
      for (const object of out.Contents ?? []) {
        if (object.Key?.startsWith(this.prefix)) keys.push(object.Key.slice(this.prefix.length))
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token)
    return keys.sort()
  }

  /** True when an object exists at `key` (HeadObject). */
  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      )
      return true
    } catch (error) {
      if (isNotFound(error)) return false
      throw new StoreError(`cannot check ${this.describe(key)}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** `s3://<bucket>/<prefix><key>`. */
  describe(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`
  }
}

/**
 * An S3 client for a target's connection: AWS itself, or an S3-compatible
 * endpoint (fanout's emulator, LocalStack) with path-style addressing. See
 * {@link s3ClientConfig}.
 *
 * @param maxAttempts - SDK attempts per request. @default 5
 * @example
 * ```ts
 * const s3 = s3ClientFor(connectionFor('localstack', process.env))
 * ```
 */
export function s3ClientFor(connection: TargetConnection, maxAttempts = 5): S3Client {
  return new S3Client(s3ClientConfig(connection, maxAttempts))
}
