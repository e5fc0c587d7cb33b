import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type DataAccess,
  type DataFile,
  type DataObjectInfo,
  MemoTable,
  type ObjectsLocation,
  type ParquetLayout,
  type PersistAs,
} from '../../core/data/access.js'
import { DataError } from '../../core/data/errors.js'
import { type DataRef, type FolderListing, mapDataRefs } from '../../core/data/refs.js'
import { layoutOf, ParquetFooters } from '../../runtime/data/parquetData.js'
import { dataFactKey, dataKey, jobDataKey } from '../../store/layout.js'
import type { ResultStore } from '../../store/ResultStore.js'
import type { AwsFetchConnection } from '../signedFetch.js'
import { downloadVerified, getRange, listObjects } from './s3Objects.js'

/** Options of {@link S3DataAccess}. */
export interface S3DataAccessOptions {
  /** The job store over the stack's bucket (folder listings, facts, pins). */
  store: ResultStore
  /** Signed fetch for S3: range reads, downloads, listings of data buckets. */
  connection: AwsFetchConnection
  /** The stack's bucket and its key prefix (`FANOUT_PREFIX`). */
  bucket: string
  prefix: string
  /** The function's `/tmp`. */
  tmpDir: string
  /** The buckets the stack may read (`FANOUT_DATA_BUCKETS`, set from `-c dataBuckets=`). */
  dataBuckets: readonly string[]
}

interface Staged {
  ref: DataRef
  /** Files of a folder: name → sha256, size. */
  listing?: FolderListing
}

/**
 * The data access of fanout's Lambda functions. Data params arrive as
 * references to data staged in the stack's bucket; {@link resolveParams}
 * turns each into a path under the function's `/tmp`. A file that a source
 * reads by range (`chunks`, `objects` over a folder) is read with S3 range
 * GETs and never downloaded; every other one is downloaded once per container,
 * before `setup`, and checked against its sha256. `objects('s3://...')` lists
 * the prefix once per job (the first function to ask pins the listing in
 * `jobs/<jobId>/data/`), so every worker sees the same atoms; only buckets
 * named at deploy time may be read.
 *
 * @example
 * ```ts
 * installDataAccess(new S3DataAccess({ store, connection, bucket, prefix: '', tmpDir: '/tmp', dataBuckets: [] }))
 * ```
 */
export class S3DataAccess implements DataAccess {
  readonly #o: S3DataAccessOptions
  readonly #memo = new MemoTable()
  readonly #staged = new Map<string, Staged>()
  readonly #parquet = new ParquetFooters()
  readonly #downloads = new Map<string, Promise<void>>()
  /** Paths that sources opened: read by range, so not downloaded. */
  readonly #opened = new Set<string>()
  /** The paths of the current job's data params. */
  #current: string[] = []
  #jobId: string | undefined
  /** Bytes downloaded whole so far (for logs and tests). */
  downloadedBytes = 0

  constructor(options: S3DataAccessOptions) {
    this.#o = options
  }

  /** Where a staged file or folder lives in this function's `/tmp`. */
  pathOf(ref: DataRef): string {
    const base = join(this.#o.tmpDir, 'fanout-data')
    return ref['fanout:data'] === 'file'
      ? join(base, ref.sha256, ref.name)
      : join(base, `${ref.sha256}.folder`, ref.name)
  }

  /**
   * The params of an invocation of job `jobId`, with each data reference
   * replaced by its path in `/tmp` (folder listings are fetched now; files
   * only when {@link beforeSetup} needs them).
   */
  async resolveParams(params: unknown, jobId: string): Promise<unknown> {
    this.#jobId = jobId
    // what this job's sources open decides what it downloads (another job may read the same data whole)
    this.#opened.clear()
    const current: string[] = []
    const resolved = await mapDataRefs(params, async (ref) => {
      const path = this.pathOf(ref)
      if (!this.#staged.has(path)) {
        const staged: Staged = { ref }
        if (ref['fanout:data'] === 'folder') {
          const body = await this.#o.store.get(ref.key)
          if (!body)
            throw new DataError(
              `the staged folder ${this.#o.store.describe(ref.key)} is missing: run the job again to stage it`,
            )
          if (createHash('sha256').update(body).digest('hex') !== ref.sha256) {
            throw new DataError(
              `the staged folder listing ${this.#o.store.describe(ref.key)} does not hash to ${ref.sha256}`,
            )
          }
          staged.listing = JSON.parse(new TextDecoder().decode(body)) as FolderListing
        }
        this.#staged.set(path, staged)
      }
      current.push(path)
      return path
    })
    this.#current = current
    return resolved
  }

  #objectKey(key: string): string {
    return this.#o.prefix + key
  }

  #stagedFile(sha256: string, name: string, size: number, location: string): DataFile {
    const key = this.#objectKey(dataKey(sha256))
    return {
      location,
      name,
      size,
      id: sha256,
      read: (start, end) =>
        getRange(this.#o.connection, this.#o.bucket, key, start, Math.min(end, size)),
    }
  }

  file(path: string): DataFile {
    const staged = this.#staged.get(path)
    if (staged?.ref['fanout:data'] !== 'file') {
      throw new DataError(
        `${path} is not a file staged with the job: on Lambda only data params travel; declare the param that names it as file() (import { file } from 'fanout')`,
      )
    }
    this.#opened.add(path)
    const { sha256, name, size } = staged.ref
    return this.#stagedFile(sha256, name, size, path)
  }

  objects(location: ObjectsLocation): readonly DataObjectInfo[] {
    if ('folder' in location) {
      const staged = this.#staged.get(location.folder)
      if (!staged?.listing) {
        throw new DataError(
          `${location.folder} is not a folder staged with the job: on Lambda only data params travel; declare the param that names it as folder() (import { folder } from 'fanout')`,
        )
      }
      this.#opened.add(location.folder)
      return staged.listing.files.map((f) => {
        const at = join(location.folder, f.name)
        return {
          name: f.name,
          size: f.size,
          location: at,
          open: () =>
            this.#stagedFile(f.sha256, f.name.slice(f.name.lastIndexOf('/') + 1), f.size, at),
        }
      })
    }
    return this.#bucketObjects(location.bucket, location.prefix)
  }

  #bucketObjects(bucket: string, prefix: string): readonly DataObjectInfo[] {
    const granted = this.#o.dataBuckets
    if (!granted.includes(bucket)) {
      throw new DataError(
        `objects(s3://${bucket}/${prefix}): the stack may read only the data buckets named at deploy time (${granted.length ? granted.join(', ') : 'none'}); redeploy with \`fanout deploy -c dataBuckets=${[...granted, bucket].join(',')}\``,
      )
    }
    const jobId = this.#jobId
    if (jobId === undefined) throw new DataError('objects(): no job to pin the listing for')
    const pin = jobDataKey(
      jobId,
      `objects-${createHash('sha256').update(`${bucket}\n${prefix}`).digest('hex').slice(0, 32)}`,
    )
    const listed = this.#memo.get(`${jobId}:s3:${bucket}/${prefix}`, async () => {
      const stored = await this.#o.store.get(pin)
      if (stored)
        return JSON.parse(new TextDecoder().decode(stored)) as { key: string; size: number }[]
      const fresh = await listObjects(this.#o.connection, bucket, prefix)
      // the first function to list pins it; a later one reads what was pinned
      if (await this.#o.store.put(pin, JSON.stringify(fresh), { ifAbsent: true })) return fresh
      const won = await this.#o.store.get(pin)
      return won ? (JSON.parse(new TextDecoder().decode(won)) as typeof fresh) : fresh
    })
    return listed.map(({ key, size }) => ({
      name: key.slice(prefix.length),
      size,
      location: `s3://${bucket}/${key}`,
      open: (): DataFile => ({
        location: `s3://${bucket}/${key}`,
        name: key.slice(key.lastIndexOf('/') + 1),
        size,
        id: `s3://${bucket}/${key}|${size}`,
        read: (start, end) => getRange(this.#o.connection, bucket, key, start, Math.min(end, size)),
      }),
    }))
  }

  parquetLayout(file: DataFile): ParquetLayout {
    return this.#memo.get(`parquet:${file.id}`, async () =>
      layoutOf(await this.#parquet.footer(file)),
    )
  }

  async parquetRows(file: DataFile, rowStart: number, rowEnd: number, columns?: readonly string[]) {
    return this.#parquet.rows(file, rowStart, rowEnd, columns)
  }

  memo<T>(key: string, compute: () => Promise<T>, persist?: PersistAs): T {
    if (!persist || !/^[0-9a-f]{64}$/.test(persist.file.id)) return this.#memo.get(key, compute)
    const shared = dataFactKey(persist.file.id, persist.name)
    return this.#memo.get(key, async () => {
      const staged = await this.#o.store.get(shared)
      if (staged) return JSON.parse(new TextDecoder().decode(staged)) as T
      // not staged with the file (a job started without fanout's runner): compute, keep for this job
      const jobId = this.#jobId
      const own = jobId
        ? jobDataKey(jobId, `${persist.file.id.slice(0, 16)}-${persist.name}`)
        : undefined
      const kept = own ? await this.#o.store.get(own) : undefined
      if (kept) return JSON.parse(new TextDecoder().decode(kept)) as T
      const value = await compute()
      if (own) await this.#o.store.put(own, JSON.stringify(value), { ifAbsent: true })
      return value
    })
  }

  /** Download every data param of the current job that no source opened, once per container. */
  async beforeSetup(): Promise<void> {
    await Promise.all(
      this.#current.filter((path) => !this.#opened.has(path)).map((path) => this.#download(path)),
    )
  }

  #download(path: string): Promise<void> {
    let pending = this.#downloads.get(path)
    if (!pending) {
      pending = this.#fetch(path)
      this.#downloads.set(path, pending)
      pending.catch(() => this.#downloads.delete(path))
    }
    return pending
  }

  async #fetch(path: string): Promise<void> {
    const staged = this.#staged.get(path) as Staged
    const files =
      staged.ref['fanout:data'] === 'file'
        ? [{ path, sha256: staged.ref.sha256, size: staged.ref.size }]
        : (staged.listing as FolderListing).files.map((f) => ({
            path: join(path, ...f.name.split('/')),
            sha256: f.sha256,
            size: f.size,
          }))
    for (const f of files) {
      const there = await stat(f.path).catch(() => undefined)
      if (there?.size === f.size) continue // downloaded and checked by this container already
      this.downloadedBytes += await downloadVerified(
        this.#o.connection,
        this.#o.bucket,
        this.#objectKey(dataKey(f.sha256)),
        f.sha256,
        f.path,
      )
    }
  }
}
