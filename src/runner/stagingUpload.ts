/**
 * Staging one local file in the stack's bucket, content-addressed: its
 * sha256 (one streaming pass), then nothing when `data/<sha256>` exists with
 * its size, else an upload by the AWS SDK's `@aws-sdk/lib-storage` (one PUT
 * for a small file, a multipart upload in parallel parts for a large one),
 * with progress.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { StoreError } from '../core/errors.js'
import type { StagingEvent } from './stagingEvents.js'

/** Parts of a multipart upload: 16 MiB (S3 allows 5 MiB to 5 GiB, at most 10,000 parts). */
export const PART_BYTES = 16 * 1024 * 1024
/** Parts in flight at once (each is held in memory while it uploads). */
export const PARTS_IN_FLIGHT = 4

/** The sha256 of a file, hex, by one streaming pass. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

/** True when `key` exists in `bucket` with `size` bytes. */
async function present(client: S3Client, bucket: string, key: string, size: number) {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return head.ContentLength === size
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    if (status === 404 || (error as Error).name === 'NotFound') return false
    throw new StoreError(`cannot check s3://${bucket}/${key}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

/** What {@link stageFile} did. */
export interface StagedFile {
  sha256: string
  size: number
  /** False when the bucket had it already. */
  uploaded: boolean
}

/**
 * Stage `path` at `keyOf(sha256)` in `bucket`, unless it is there already.
 *
 * @param name - what progress events call it
 * @throws {@link StoreError} when the upload fails
 */
export async function stageFile(
  client: S3Client,
  bucket: string,
  path: string,
  size: number,
  keyOf: (sha256: string) => string,
  name: string,
  options: { onStaging?: (event: StagingEvent) => void; signal?: AbortSignal } = {},
): Promise<StagedFile> {
  const emit = options.onStaging ?? (() => {})
  emit({ kind: 'hash', name, bytes: size })
  const sha256 = await sha256OfFile(path)
  const key = keyOf(sha256)
  if (await present(client, bucket, key, size)) {
    emit({ kind: 'skip', name, bytes: size })
    return { sha256, size, uploaded: false }
  }
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const upload = new Upload({
    client,
    params: {
      Bucket: bucket,
      Key: key,
      Body: createReadStream(path, { highWaterMark: 1 << 20 }),
      ContentType: 'application/octet-stream',
      ContentLength: size,
    },
    partSize: PART_BYTES,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: false,
    abortController: controller,
  })
  upload.on('httpUploadProgress', (p) => {
    emit({ kind: 'upload', name, bytes: size, loaded: p.loaded ?? 0 })
  })
  // the upload starts: 0 bytes so far (the SDK reports progress as parts complete)
  emit({ kind: 'upload', name, bytes: size, loaded: 0 })
  try {
    await upload.done()
  } catch (error) {
    throw new StoreError(
      `cannot stage ${path} at s3://${bucket}/${key}: ${(error as Error).message}`,
      { cause: error },
    )
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  emit({ kind: 'done', name, bytes: size, loaded: size })
  return { sha256, size, uploaded: true }
}
