/**
 * Params that name the user's data: `file()` and `folder()` (alias `dir()`),
 * zod string schemas marked so that fanout knows to carry the data with the
 * job. Locally the value is the path, unchanged. For a cloud target, the
 * runner stages the file (or each file of the folder) content-addressed in
 * the stack's bucket and sends a reference instead; in the worker the param
 * is a path under `/tmp` again, downloaded once per container and checked
 * against its sha256 (or read by range, by `chunks` and `objects`).
 *
 * @module
 */
import { z } from 'zod'

/** What a data param names. */
export type DataParamKind = 'file' | 'folder'

/** The key of the mark in a zod schema's definition (it survives `.optional()`, `.describe()` and the like). */
const MARK = 'fanoutData'

function marked(kind: DataParamKind): z.ZodString {
  const schema = z
    .string()
    .min(1, { error: `Expected the path of a local ${kind}, got ""` })
    .describe(`a local ${kind}, carried with the job to any target`)
  ;(schema._zod.def as unknown as Record<string, unknown>)[MARK] = kind
  return schema
}

/**
 * A param that names a local file. The job reads the path the same way on
 * every target: locally it is the path given; on Lambda it is a copy in
 * `/tmp`, staged and downloaded by fanout (or read by range by `chunks`).
 *
 * @example
 * ```ts
 * params: z.object({ prices: file() }) // --param prices=closes.csv
 * params: z.object({ prices: file().optional() })
 * ```
 */
export function file(): z.ZodString {
  return marked('file')
}

/**
 * A param that names a local folder (e.g. one CSV per asset), staged file
 * by file for a cloud target; in the worker, a folder under `/tmp` with the
 * same files, or a listing for `objects()`.
 *
 * @example
 * ```ts
 * params: z.object({ assets: folder() }) // --param assets=./prices
 * ```
 */
export function folder(): z.ZodString {
  return marked('folder')
}

/** {@link folder}, by another name. */
export const dir: typeof folder = folder

type Def = { type: string; innerType?: z.ZodType; element?: z.ZodType; [MARK]?: DataParamKind }

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def
}

const WRAPPERS = ['default', 'optional', 'nullable', 'prefault', 'catch', 'readonly', 'nonoptional']

function unwrap(schema: z.ZodType): Def {
  let def = defOf(schema)
  while (def.innerType && WRAPPERS.includes(def.type)) def = defOf(def.innerType)
  return def
}

/** A data param of a job's schema. */
export interface DataParam {
  /** The param's key. */
  readonly key: string
  readonly kind: DataParamKind
  /** True for an array of them (`z.array(file())`). */
  readonly many: boolean
}

/**
 * The data params of a params schema (an object schema): its `file()` and
 * `folder()` fields, alone or in arrays, under any wrapper.
 *
 * @example
 * ```ts
 * dataParamsOf(z.object({ prices: file(), bars: z.number() })) // [{ key: 'prices', kind: 'file', many: false }]
 * ```
 */
export function dataParamsOf(schema: z.ZodType | undefined): DataParam[] {
  const shape = (schema as { shape?: Record<string, z.ZodType> } | undefined)?.shape
  if (!shape || typeof shape !== 'object') return []
  const out: DataParam[] = []
  for (const [key, field] of Object.entries(shape)) {
    const def = unwrap(field)
    if (def[MARK]) out.push({ key, kind: def[MARK], many: false })
    else if (def.type === 'array' && def.element) {
      const element = unwrap(def.element)
      if (element[MARK]) out.push({ key, kind: element[MARK], many: true })
    }
  }
  return out
}
