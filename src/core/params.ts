import type { z } from 'zod'
import { UsageError } from './errors.js'
import type { Job } from './job.js'
import { formatIssues } from './zodIssues.js'

/** The zod type name under wrappers like default/optional/nullable. */
function baseType(schema: z.ZodType): string {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod
    .def
  while (
    def.innerType &&
    ['default', 'optional', 'nullable', 'prefault', 'catch', 'readonly'].includes(def.type)
  ) {
    def = (def.innerType as unknown as { _zod: { def: typeof def } })._zod.def
  }
  return def.type
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const shape = (schema as { shape?: Record<string, z.ZodType> } | undefined)?.shape
  return shape && typeof shape === 'object' ? shape : undefined
}

/** Turn one `--param` string into the type its schema field expects. */
function coerce(key: string, raw: string, field: z.ZodType | undefined): unknown {
  const type = field ? baseType(field) : 'unknown'
  switch (type) {
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || Number.isNaN(n)) {
        throw new UsageError(`--param ${key}=${raw}: expected a number, got ${JSON.stringify(raw)}`)
      }
      return n
    }
    case 'bigint':
      try {
        return BigInt(raw)
      } catch {
        throw new UsageError(
          `--param ${key}=${raw}: expected an integer, got ${JSON.stringify(raw)}`,
        )
      }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      throw new UsageError(
        `--param ${key}=${raw}: expected true or false, got ${JSON.stringify(raw)}`,
      )
    case 'string':
    case 'enum':
    case 'literal':
      return raw
    default:
      // arrays, objects, unions: JSON when it parses, else the plain string
      try {
        return JSON.parse(raw)
      } catch {
        return raw
      }
  }
}

/**
 * Fill a job's params from `--param key=value` strings, converting each value
 * to the type its schema field expects, then validate with the schema.
 *
 * @throws {UsageError} naming the param, what was expected and what was got
 * @example
 * ```ts
 * parseParams(['bars=1000'], z.object({ bars: z.number().default(200) })) // { bars: 1000 }
 * ```
 */
export function parseParams(args: readonly string[], schema: z.ZodType | undefined): unknown {
  const raw: Record<string, unknown> = {}
  const shape = shapeOf(schema)
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) {
      throw new UsageError(`--param ${arg}: expected key=value, e.g. --param bars=1000`)
    }
    const key = arg.slice(0, eq)
    if (!schema) {
      throw new UsageError(`--param ${key}: this job takes no params (it defines no params schema)`)
    }
    if (shape && !(key in shape)) {
      const known = Object.keys(shape)
      throw new UsageError(
        `--param ${key}: unknown param; this job's params are ${known.length ? known.join(', ') : '(none)'}`,
      )
    }
    raw[key] = coerce(key, arg.slice(eq + 1), shape?.[key])
  }
  return validateParams(schema, raw)
}

/**
 * Validate params with a job's schema (`{}` without one), as `fanout run`,
 * the plan, the worker and the reduce each do, so all of them see the same values.
 *
 * @throws {@link UsageError} listing every issue by path
 */
export function validateParams(schema: z.ZodType | undefined, params: unknown): unknown {
  if (!schema) return {}
  const parsed = schema.safeParse(params ?? {})
  if (!parsed.success) {
    throw new UsageError(
      `the job's params do not validate:\n${formatIssues(parsed.error, '(params)')}\nFix them with --param key=value.`,
      { cause: parsed.error },
    )
  }
  return parsed.data
}

/** {@link validateParams} with the schema of `job`. */
export function parseJobParams(job: Job, params: unknown): unknown {
  return validateParams(job.params, params)
}
