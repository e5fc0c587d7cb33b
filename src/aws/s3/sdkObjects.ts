import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { DataError } from '../../core/data/errors.js'
import { byteOrder, type S3Objects } from '../../runtime/data/objectStore.js'

function failed(verb: string, where: string, error: unknown): DataError {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  const why =
    status === 403
      ? 'access denied (check the credentials this machine uses)'
      : status === 404 || (error as Error).name === 'NoSuchBucket'
        ? 'no such bucket'
        : (error as Error).message
  return new DataError(`cannot ${verb} ${where}: ${why}`, { cause: error })
}

/**
 * The {@link S3Objects} of the CLI, over the AWS SDK client of the target
 * (the user's own credentials): what `objects('s3://...')` lists while the
 * runner plans a cloud job.
 */
export function sdkS3Objects(client: S3Client): S3Objects {
  return {
    async list(bucket, prefix) {
      const out: { key: string; size: number }[] = []
      let token: string | undefined
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          )
          for (const o of page.Contents ?? []) {
            if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, size: Number(o.Size ?? 0) })
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined
        } while (token)
      } catch (error) {
        throw failed('list', `s3://${bucket}/${prefix}`, error)
      }
      return out.sort((a, b) => byteOrder(a.key, b.key))
    },
    async read(bucket, key, start, end) {
      if (end <= start) return new Uint8Array(0)
      try {
        const got = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
        )
        return got.Body ? await got.Body.transformToByteArray() : new Uint8Array(0)
      } catch (error) {
        throw failed('read', `s3://${bucket}/${key}`, error)
      }
    },
  }
}
