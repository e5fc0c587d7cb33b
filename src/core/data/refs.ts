/**
 * What a data param becomes on its way to a cloud target: a reference to
 * data staged in the stack's bucket, in place of the local path, in the
 * params that the plan, the workers and the reduce receive. Each of them
 * turns it back into a path under its own `/tmp` before validating params.
 *
 * @module
 */

/** The key that marks a data reference in params. */
export const DATA_REF = 'fanout:data'

/** A staged file: `data/<sha256>` in the stack's bucket. */
export interface FileRef {
  readonly [DATA_REF]: 'file'
  /** Its store key: `data/<sha256>`. */
  readonly key: string
  readonly sha256: string
  readonly size: number
  /** The local file's name, kept so the worker's copy has the same extension. */
  readonly name: string
}

/** A staged folder: a listing at `data/<sha256>.folder.json`, each file at `data/<its sha256>`. */
export interface FolderRef {
  readonly [DATA_REF]: 'folder'
  /** The listing's store key. */
  readonly key: string
  /** The sha256 of the listing. */
  readonly sha256: string
  /** The local folder's name. */
  readonly name: string
  readonly files: number
  /** Total bytes of its files. */
  readonly size: number
}

/** A staged file or folder. */
export type DataRef = FileRef | FolderRef

/** The listing of a staged folder, in name order. */
export interface FolderListing {
  readonly files: readonly {
    readonly name: string
    readonly sha256: string
    readonly size: number
  }[]
}

/** True when `value` is a {@link DataRef}. */
export function isDataRef(value: unknown): value is DataRef {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const kind = (value as Record<string, unknown>)[DATA_REF]
  return (
    (kind === 'file' || kind === 'folder') &&
    typeof (value as Record<string, unknown>).key === 'string' &&
    typeof (value as Record<string, unknown>).sha256 === 'string'
  )
}

/**
 * `params` with every data reference replaced by what `replace` gives, at
 * the top level and inside arrays (where data params can be).
 */
export async function mapDataRefs(
  params: unknown,
  replace: (ref: DataRef) => Promise<string>,
): Promise<unknown> {
  if (isDataRef(params)) return replace(params)
  if (Array.isArray(params)) return Promise.all(params.map((v) => mapDataRefs(v, replace)))
  if (params === null || typeof params !== 'object') return params
  const entries = await Promise.all(
    Object.entries(params as Record<string, unknown>).map(
      async ([k, v]) =>
        [k, isDataRef(v) || Array.isArray(v) ? await mapDataRefs(v, replace) : v] as const,
    ),
  )
  return Object.fromEntries(entries)
}

/** True when `params` hold a data reference. */
export function hasDataRefs(params: unknown): boolean {
  if (isDataRef(params)) return true
  if (Array.isArray(params)) return params.some(hasDataRefs)
  if (params === null || typeof params !== 'object') return false
  return Object.values(params as Record<string, unknown>).some(
    (v) => isDataRef(v) || (Array.isArray(v) && v.some(hasDataRefs)),
  )
}
