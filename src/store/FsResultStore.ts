import { randomBytes } from 'node:crypto'
import type { Dirent } from 'node:fs'
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { describeValue, StoreError } from '../core/errors.js'
import type { PutOptions, ResultStore } from './ResultStore.js'

/** Names of temp files start with this; {@link FsResultStore.list} never returns them and no key may use it. */
export const TEMP_PREFIX = '.tmp-'

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/**
 * Check a key (or, with `prefix`, a list prefix): `/`-separated, no leading
 * `/`, no empty, `.` or `..` segment, no backslash or NUL, no segment starting
 * with {@link TEMP_PREFIX}. A prefix may be empty and may end in `/`.
 */
function checkKey(key: string, prefix = false): string[] {
  const what = prefix ? 'prefix' : 'key'
  if (typeof key !== 'string') {
    throw new StoreError(`Expected a store ${what} string, got ${describeValue(key)}`)
  }
  if (prefix && key === '') return []
  const segments = key.split('/')
  if (prefix && segments.length > 1 && segments[segments.length - 1] === '') segments.pop()
  const bad = (reason: string) =>
    new StoreError(
      `invalid store ${what} ${JSON.stringify(key)}: ${reason}; keys are relative paths like "jobs/<jobId>/result.parquet"`,
    )
  if (key.startsWith('/')) throw bad('it starts with "/"')
  if (/[\\\0]/.test(key)) throw bad('it holds a backslash or a NUL character')
  for (const segment of segments) {
    if (segment === '') throw bad('it has an empty segment')
    if (segment === '.' || segment === '..') throw bad(`it has a "${segment}" segment`)
    if (segment.startsWith(TEMP_PREFIX)) {
      throw bad(`a segment starts with "${TEMP_PREFIX}", which temp files use`)
    }
  }
  return segments
}

/**
 * The {@link ResultStore} over a local directory: a key is a file path under
 * `root`.
 *
 * - `put` writes a temp file (`.tmp-<random>`) in the key's directory, fsyncs
 *   it, then renames it over the key: readers see the old file or the whole
 *   new one. With `ifAbsent`, it hard-links the temp file to the key instead,
 *   which fails with EEXIST when the key exists, so of concurrent writers
 *   exactly one wins, across processes too. The directory is not fsynced: a
 *   crash may lose a just-written key, never leave a torn one.
 * - `list` walks the directory tree and never returns temp files.
 *
 * @example
 * ```ts
 * const store = new FsResultStore('.fanout')
 * await store.put('jobs/j1/stats.json', '{}')
 * await store.list('jobs/j1/') // ['jobs/j1/stats.json']
 * ```
 */
export class FsResultStore implements ResultStore {
  /** The absolute root directory. */
  readonly root: string

  /** @param root - the directory holding the keys (created on first write), e.g. `.fanout` */
  constructor(root: string) {
    this.root = resolve(root)
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key))
  }

  /** Write `body` at `key` atomically. With `ifAbsent`, returns false (and writes nothing) when the key exists. */
  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<boolean> {
    const target = this.path(key)
    const dir = dirname(target)
    await mkdir(dir, { recursive: true })
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`)
    try {
      const handle = await open(temp, 'wx')
      try {
        await handle.writeFile(body)
        await handle.sync()
      } finally {
        await handle.close()
      }
      if (!options.ifAbsent) {
        await rename(temp, target)
        return true
      }
      try {
        await link(temp, target)
        return true
      } catch (error) {
        if (errorCode(error) === 'EEXIST') return false
        throw new StoreError(`cannot create ${target}: ${(error as Error).message}`, {
          cause: error,
        })
      }
    } finally {
      // after a rename the temp name is gone; after a link (or a failure) it still exists
      await unlink(temp).catch(() => undefined)
    }
  }

  /** The bytes at `key`, or `undefined` when there is no file. */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(this.path(key))
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined
      throw error
    }
  }

  /** The last `bytes` bytes of the file at `key`, or `undefined` when there is none. */
  async getTail(key: string, bytes: number): Promise<Uint8Array | undefined> {
    let handle: Awaited<ReturnType<typeof open>>
    try {
      handle = await open(this.path(key), 'r')
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
    try {
      const { size } = await handle.stat()
      const length = Math.min(size, bytes)
      const out = new Uint8Array(length)
      await handle.read(out, 0, length, size - length)
      return out
    } finally {
      await handle.close()
    }
  }

  /** Keys that start with `prefix` (`''` for all), sorted, temp files excluded. */
  async list(prefix: string): Promise<string[]> {
    checkKey(prefix, true)
    // walk the deepest directory the prefix names in full, then filter by the rest
    const slash = prefix.lastIndexOf('/')
    const base = slash < 0 ? '' : prefix.slice(0, slash)
    const keys: string[] = []
    await this.walk(base, keys)
    return keys.filter((key) => key.startsWith(prefix)).sort()
  }

  /** The directories right under `prefix` (which ends in `/`), sorted; temp names excluded. */
  async children(prefix: string): Promise<string[]> {
    checkKey(prefix, true)
    const dirKey = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix
    const entries = (await this.readDir(dirKey)) ?? []
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith(TEMP_PREFIX))
      .map((e) => e.name)
      .sort()
  }

  /** The entries of the directory `dirKey` names, or undefined when there is no such directory. */
  private async readDir(dirKey: string): Promise<Dirent[] | undefined> {
    try {
      return await readdir(dirKey === '' ? this.root : join(this.root, ...dirKey.split('/')), {
        withFileTypes: true,
      })
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
  }

  private async walk(dirKey: string, out: string[]): Promise<void> {
    const entries = await this.readDir(dirKey)
    if (entries === undefined) return
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`
      if (entry.isDirectory()) await this.walk(key, out)
      else if (entry.isFile()) out.push(key)
    }
  }

  /**
   * Remove temp files left under `prefix` by writers that were killed mid-write
   * (a worker thread terminated on Ctrl-C). Only ever call it when no writer is
   * active under the prefix. Returns how many were removed.
   */
  async removeTempFiles(prefix: string): Promise<number> {
    checkKey(prefix, true)
    const dirs = [
      prefix.endsWith('/') ? prefix.slice(0, -1) : prefix.slice(0, prefix.lastIndexOf('/') + 1),
    ]
    let removed = 0
    while (dirs.length > 0) {
      const dirKey = dirs.pop() as string
      const entries = await this.readDir(dirKey)
      if (entries === undefined) continue
      for (const entry of entries) {
        const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`
        if (entry.isDirectory()) dirs.push(key)
        else if (entry.name.startsWith(TEMP_PREFIX)) {
          await unlink(join(this.root, ...key.split('/')))
          removed++
        }
      }
    }
    return removed
  }

  /** True when a file exists at `key`. */
  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.path(key))).isFile()
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT' || code === 'ENOTDIR') return false
      throw error
    }
  }

  /** The file path of `key`; a prefix ending in `/` gives its directory path with a trailing separator. */
  describe(key: string): string {
    const path = join(this.root, ...checkKey(key, true))
    return key.endsWith('/') ? `${path}${sep}` : path
  }
}
