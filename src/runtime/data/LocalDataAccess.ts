import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, relative, resolve, sep } from 'node:path'
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
import { byteOrder, type S3Objects } from './objectStore.js'
import { layoutOf, ParquetFooters } from './parquetData.js'

/** Options of {@link LocalDataAccess}. */
export interface LocalDataAccessOptions {
  /** How to list and read S3 objects (the CLI planning for a cloud target). @default none: `objects('s3://...')` is refused */
  s3?: S3Objects
  /** Resolve relative paths against this directory. @default process.cwd() */
  cwd?: string
  /**
   * Where values computed for a file (line indexes) are kept for the other
   * processes of the run (worker threads), keyed by the file's path, size and
   * mtime. @default `<os.tmpdir()>/fanout-facts`
   */
  factsDir?: string
}

/** A value computed for a file that a cloud target keeps next to the staged file. */
export interface PersistedValue {
  readonly path: string
  readonly name: string
  readonly value: unknown
}

/** Positioned reads of a local file. */
function localFile(path: string): DataFile {
  let stats: ReturnType<typeof statSync>
  try {
    stats = statSync(path)
  } catch (error) {
    throw new DataError(`no file at ${path}: give the path of an existing file`, { cause: error })
  }
  if (!stats.isFile()) throw new DataError(`${path} is not a file`)
  const size = stats.size
  return {
    location: path,
    name: basename(path),
    size,
    id: `${path}|${size}|${stats.mtimeMs}`,
    async read(start, end) {
      const stop = Math.min(end, size)
      if (stop <= start) return new Uint8Array(0)
      const handle = await open(path, 'r')
      try {
        const out = new Uint8Array(stop - start)
        let at = 0
        while (at < out.byteLength) {
          const { bytesRead } = await handle.read(out, at, out.byteLength - at, start + at)
          if (bytesRead === 0) break
          at += bytesRead
        }
        return at === out.byteLength ? out : out.subarray(0, at)
      } finally {
        await handle.close()
      }
    },
  }
}

/** Every file under `root`, relative names `/`-separated, in S3 key order. */
export function listFolder(root: string): DataObjectInfo[] {
  let stats: ReturnType<typeof statSync>
  try {
    stats = statSync(root)
  } catch (error) {
    throw new DataError(`no folder at ${root}: give the path of an existing folder`, {
      cause: error,
    })
  }
  if (!stats.isDirectory()) throw new DataError(`${root} is not a folder`)
  const files: DataObjectInfo[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile() || (entry.isSymbolicLink() && statSync(path).isFile())) {
        const name = relative(root, path).split(sep).join('/')
        const size = statSync(path).size
        files.push({ name, size, location: path, open: () => localFile(path) })
      }
    }
  }
  walk(root)
  return files.sort((a, b) => byteOrder(a.name, b.name))
}

/**
 * The data access of the local target (worker threads, the in-process
 * runner, the CLI while it plans): files by positioned reads, folders by
 * listing them, S3 prefixes only when given an {@link S3Objects} (the CLI
 * planning a cloud job). It also records what a cloud target needs to know:
 * which paths sources read by range (so they are not downloaded whole), and
 * the values to keep next to staged files (line indexes).
 *
 * @example
 * ```ts
 * installDataAccess(new LocalDataAccess())
 * ```
 */
export class LocalDataAccess implements DataAccess {
  readonly #memo = new MemoTable()
  readonly #parquet = new ParquetFooters()
  readonly #options: LocalDataAccessOptions
  /** Absolute paths of the files and folders that sources opened (read by range or by key). */
  readonly opened = new Set<string>()
  /** Values computed with `persist`, by file path. */
  readonly persisted: PersistedValue[] = []
  /** S3 locations listed, as `bucket/prefix`. */
  readonly buckets = new Set<string>()

  constructor(options: LocalDataAccessOptions = {}) {
    this.#options = options
  }

  #resolve(path: string): string {
    return resolve(this.#options.cwd ?? process.cwd(), path)
  }

  file(path: string): DataFile {
    const absolute = this.#resolve(path)
    const file = localFile(absolute)
    this.opened.add(absolute)
    return file
  }

  objects(location: ObjectsLocation): readonly DataObjectInfo[] {
    if ('folder' in location) {
      const root = this.#resolve(location.folder)
      const listed = this.#memo.get(`folder:${root}`, async () => listFolder(root))
      this.opened.add(root)
      return listed
    }
    const { bucket, prefix } = location
    const s3 = this.#options.s3
    if (!s3) {
      throw new DataError(
        `objects(s3://${bucket}/${prefix}) lists S3, which the local target does not read: run the job with --target localstack or --target aws, or list a folder locally (objects('./folder'), or a folder() param)`,
      )
    }
    this.buckets.add(bucket)
    return this.#memo.get(`s3:${bucket}/${prefix}`, async () =>
      (await s3.list(bucket, prefix)).map(({ key, size }) => ({
        name: key.slice(prefix.length),
        size,
        location: `s3://${bucket}/${key}`,
        open: (): DataFile => ({
          location: `s3://${bucket}/${key}`,
          name: key.slice(key.lastIndexOf('/') + 1),
          size,
          id: `s3://${bucket}/${key}|${size}`,
          read: (start, end) => s3.read(bucket, key, start, Math.min(end, size)),
        }),
      })),
    )
  }

  parquetLayout(file: DataFile): ParquetLayout {
    return this.#memo.get(`parquet:${file.id}`, async () =>
      layoutOf(await this.#parquet.footer(file)),
    )
  }

  async parquetRows(
    file: DataFile,
    rowStart: number,
    rowEnd: number,
    columns?: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    return this.#parquet.rows(file, rowStart, rowEnd, columns)
  }

  memo<T>(key: string, compute: () => Promise<T>, persist?: PersistAs): T {
    return this.#memo.get(key, async () => {
      if (!persist) return compute()
      // the CLI computes it while planning; the worker threads read it here instead of the whole file
      const dir = this.#options.factsDir ?? join(tmpdir(), 'fanout-facts')
      const cached = join(
        dir,
        `${createHash('sha256').update(`${persist.file.id}\n${persist.name}`).digest('hex')}.json`,
      )
      let value: T
      try {
        value = JSON.parse(await readFile(cached, 'utf8')) as T
      } catch {
        value = await compute()
        await mkdir(dir, { recursive: true })
        const tmp = `${cached}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
        await writeFile(tmp, JSON.stringify(value))
        await rename(tmp, cached)
      }
      this.persisted.push({ path: persist.file.location, name: persist.name, value })
      return value
    })
  }
}
