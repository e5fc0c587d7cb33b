/**
 * The data-access port: how a job's data sources (`chunks`, `objects`) read
 * bytes without knowing where they run. fanout's runtime installs one
 * implementation per process before it loads a job: positioned reads of
 * local files in a worker thread, S3 range GETs in a Lambda worker. The port
 * lives on `globalThis` under a `Symbol.for` key, so the copy of fanout
 * bundled into a job finds the one the runtime installed.
 *
 * @module
 */
import { DataError, NeedDataError } from './errors.js'

/** A file that can be read by byte range. */
export interface DataFile {
  /** Where it is, for messages: a path or an `s3://` URL. */
  readonly location: string
  /** Its file name (the last path segment), which names its format by the extension. */
  readonly name: string
  /** Its size in bytes. */
  readonly size: number
  /** What identifies its content for caches: the sha256 of a staged file, else location, size and mtime. */
  readonly id: string
  /** The bytes `[start, end)` (fewer only at the end of the file). */
  read(start: number, end: number): Promise<Uint8Array>
}

/** One object of a listing: a file of a folder, or an object under an S3 prefix. */
export interface DataObjectInfo {
  /** Its key relative to the listed folder or prefix, `/`-separated. */
  readonly name: string
  readonly size: number
  /** Where it is, for messages. */
  readonly location: string
  /** The object as a {@link DataFile}. */
  open(): DataFile
}

/** Where {@link DataAccess.objects} lists: an S3 prefix or a folder. */
export type ObjectsLocation =
  | { readonly bucket: string; readonly prefix: string }
  | { readonly folder: string }

/** A Parquet file's layout: its row groups, with their rows and the bytes their column chunks span. */
export interface ParquetLayout {
  readonly numRows: number
  readonly columns: readonly string[]
  readonly rowGroups: readonly {
    readonly rows: number
    readonly start: number
    readonly end: number
  }[]
}

/** A value that can be saved next to a staged file and read back by other processes. */
export interface PersistAs {
  /** The file the value is derived from. */
  readonly file: DataFile
  /** A name for the value, unique per file, e.g. `lines-1000`. */
  readonly name: string
}

/**
 * What fanout's runtime provides to data sources. Methods that return
 * synchronously (sources are built inside the synchronous `atoms(params)`)
 * throw {@link NeedDataError} when they must fetch first; the runtime awaits
 * it and calls `atoms(params)` again.
 */
export interface DataAccess {
  /** Open the file a job holds by its path (a `file()` param, or a path in the job). */
  file(path: string): DataFile
  /** The objects under a location, sorted by name; the same listing for every worker of a job. */
  objects(location: ObjectsLocation): readonly DataObjectInfo[]
  /** The layout of a Parquet file (its footer). */
  parquetLayout(file: DataFile): ParquetLayout
  /** The rows `[rowStart, rowEnd)` of a Parquet file as objects, reading only the row groups they are in. */
  parquetRows(
    file: DataFile,
    rowStart: number,
    rowEnd: number,
    columns?: readonly string[],
  ): Promise<Record<string, unknown>[]>
  /**
   * `compute()`'s value, computed once per process and key; with `persist`,
   * also saved next to the staged file, so that other workers read it
   * instead of computing it.
   */
  memo<T>(key: string, compute: () => Promise<T>, persist?: PersistAs): T
  /**
   * Called after `atoms(params)` and before `setup`: make every data param
   * that no source read by range a local path (a Lambda worker downloads the
   * staged files to `/tmp`). @default nothing to do
   */
  beforeSetup?(): Promise<void>
  /**
   * The params of an invocation of job `jobId` with each staged-data
   * reference replaced by a local path (a Lambda function's). @default params unchanged
   */
  resolveParams?(params: unknown, jobId: string): Promise<unknown>
}

const KEY = Symbol.for('fanout.dataAccess')

type Holder = { [KEY]?: DataAccess }

/**
 * Install the data access of this process (the runtime does, before it loads
 * a job). Returns the one installed before, to restore it.
 */
export function installDataAccess(access: DataAccess | undefined): DataAccess | undefined {
  const holder = globalThis as Holder
  const previous = holder[KEY]
  if (access === undefined) delete holder[KEY]
  else holder[KEY] = access
  return previous
}

/** The installed data access, if any. */
export function installedDataAccess(): DataAccess | undefined {
  return (globalThis as Holder)[KEY]
}

/**
 * The data access of this process.
 *
 * @throws {@link DataError} when none is installed (a source used outside fanout's runtime)
 */
export function dataAccess(): DataAccess {
  const access = installedDataAccess()
  if (access === undefined) {
    throw new DataError(
      "no data access is installed in this process: chunks() and objects() read data through fanout's runtime, so build them inside a job's atoms(params) and run the job with fanout",
    )
  }
  return access
}

/**
 * A memo table for {@link DataAccess.memo}: values by key, computed once;
 * a value not ready throws {@link NeedDataError} with the pending load.
 * Implementations of the port share it.
 */
export class MemoTable {
  readonly #values = new Map<string, { value: unknown } | { pending: Promise<void> }>()

  /** The value of `key`, or a {@link NeedDataError} whose load runs `compute` once. */
  get<T>(key: string, compute: () => Promise<T>): T {
    const entry = this.#values.get(key)
    if (entry && 'value' in entry) return entry.value as T
    if (entry) throw new NeedDataError(key, entry.pending)
    const pending = compute().then(
      (value) => {
        this.#values.set(key, { value })
      },
      (error: unknown) => {
        this.#values.delete(key)
        throw error
      },
    )
    // the runtime awaits the load; a caller that drops the error must not crash the process
    pending.catch(() => undefined)
    this.#values.set(key, { pending })
    throw new NeedDataError(key, pending)
  }

  /** Set a value directly (one read elsewhere). */
  set(key: string, value: unknown): void {
    this.#values.set(key, { value })
  }
}

/**
 * `fn()`, once the data it needs is loaded: each {@link NeedDataError} it
 * throws is awaited and `fn` called again (at most `tries` times).
 *
 * @example
 * ```ts
 * const source = await whenReady(() => job.atoms(params))
 * ```
 */
export async function whenReady<T>(fn: () => T, tries = 1000): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return fn()
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'NeedDataError' || i >= tries) throw error
      await (error as NeedDataError).load
    }
  }
}
