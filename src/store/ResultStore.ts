/**
 * The storage port: a flat key space of immutable-ish blobs, scoped to the
 * fanout root (a directory locally, a bucket prefix on S3). Keys use `/` and
 * never start with one, e.g. `jobs/<jobId>/partials/000003.parquet`.
 *
 * Every adapter guarantees:
 * - `put` is atomic: a reader sees the whole new blob or the old state, never
 *   a truncated blob (temp file + rename locally; a single PUT on S3).
 * - `put` with `ifAbsent: true` writes only when the key does not exist yet and
 *   returns `false` otherwise (S3 `If-None-Match: *`), so a retried or
 *   duplicated molecule never doubles a row.
 */
export interface ResultStore {
  /** Write `body` at `key`. Returns false when `ifAbsent` is set and the key already exists. */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<boolean>
  /** Read the blob at `key`, or `undefined` when there is none. */
  get(key: string): Promise<Uint8Array | undefined>
  /**
   * The last `bytes` bytes of the blob at `key` (all of it when it is shorter),
   * or `undefined` when there is none: a Parquet footer without the rows.
   */
  getTail(key: string, bytes: number): Promise<Uint8Array | undefined>
  /** Keys that start with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>
  /**
   * The names of the "folders" right under `prefix` (a prefix ending in `/`):
   * `children('jobs/')` gives every job id, without listing every partial.
   * Sorted. Optional: {@link childrenOf} lists every key and cuts for adapters without it.
   */
  children?(prefix: string): Promise<string[]>
  /** True when a blob exists at `key`. */
  exists(key: string): Promise<boolean>
  /** A human-readable location of `key` for messages (a file path, an s3:// URL). */
  describe(key: string): string
}

/** Options of {@link ResultStore.put}. */
export interface PutOptions {
  /** Write only if nothing exists at the key yet. @default false */
  ifAbsent?: boolean
}

/** The folder names right under `prefix` (ending in `/`), by `children` or by listing every key. */
export async function childrenOf(store: ResultStore, prefix: string): Promise<string[]> {
  if (store.children) return store.children(prefix)
  const names = new Set<string>()
  for (const key of await store.list(prefix)) {
    const slash = key.indexOf('/', prefix.length)
    if (slash > prefix.length) names.add(key.slice(prefix.length, slash))
  }
  return [...names].sort()
}
