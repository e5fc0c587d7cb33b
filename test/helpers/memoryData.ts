/** A data access over files held in memory, for tests of the data sources. */
import type { FileMetaData } from 'hyparquet'
import {
  type DataAccess,
  type DataFile,
  type DataObjectInfo,
  MemoTable,
  type ObjectsLocation,
  type ParquetLayout,
} from '../../src/core/data/access.js'
import { layoutOf, readParquetFooter, readParquetRows } from '../../src/runtime/data/parquetData.js'

/** An in-memory file whose reads are counted. */
export function memoryFile(name: string, bytes: Uint8Array): DataFile & { reads: number[][] } {
  const reads: number[][] = []
  return {
    location: `mem:${name}`,
    name,
    size: bytes.byteLength,
    id: `mem:${name}`,
    reads,
    read: async (start, end) => {
      reads.push([start, end])
      return bytes.slice(start, Math.min(end, bytes.byteLength))
    },
  }
}

/** A data access over `files` (path → bytes); folders are path prefixes ending in `/`. */
export class MemoryDataAccess implements DataAccess {
  readonly memoTable = new MemoTable()
  readonly computed: string[] = []
  readonly #footers = new Map<string, Promise<FileMetaData>>()
  readonly handles = new Map<string, ReturnType<typeof memoryFile>>()

  constructor(readonly files: Map<string, Uint8Array>) {}

  file(path: string): DataFile {
    const bytes = this.files.get(path)
    if (!bytes) throw new Error(`no file ${path}`)
    let handle = this.handles.get(path)
    if (!handle) {
      handle = memoryFile(path, bytes)
      this.handles.set(path, handle)
    }
    return handle
  }

  objects(location: ObjectsLocation): readonly DataObjectInfo[] {
    const prefix =
      'folder' in location ? `${location.folder}/` : `${location.bucket}/${location.prefix}`
    return [...this.files.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort()
      .map((k) => ({
        name: k.slice(prefix.length),
        size: (this.files.get(k) as Uint8Array).byteLength,
        location: `mem:${k}`,
        open: () => this.file(k),
      }))
  }

  #footer(file: DataFile) {
    let footer = this.#footers.get(file.id)
    if (!footer) {
      footer = readParquetFooter(file)
      this.#footers.set(file.id, footer)
    }
    return footer
  }

  parquetLayout(file: DataFile): ParquetLayout {
    return this.memoTable.get(`pq:${file.id}`, async () => layoutOf(await this.#footer(file)))
  }

  async parquetRows(file: DataFile, a: number, b: number, columns?: readonly string[]) {
    return readParquetRows(file, await this.#footer(file), a, b, columns)
  }

  memo<T>(key: string, compute: () => Promise<T>): T {
    return this.memoTable.get(key, async () => {
      this.computed.push(key)
      return compute()
    })
  }
}
