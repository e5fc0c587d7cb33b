import type { z } from 'zod'
import { JobLoadError } from './errors.js'
import type { AtomSource, Row } from './types.js'

/** What `run` receives besides its atom. */
export interface RunContext<P, S> {
  /** The atom's index, `0 .. count - 1`. */
  readonly index: number
  /** The molecule this atom runs in; -1 when fanout runs it to time a cost estimate. */
  readonly moleculeId: number
  /** Which execution of the molecule this is, from 1; 0 when it runs for an estimate. */
  readonly attempt: number
  /** The validated job params. */
  readonly params: P
  /** What `setup` returned in this worker (undefined without a `setup`). */
  readonly state: S
}

/** What `reduce` receives besides the rows. */
export interface ReduceContext<P> {
  readonly params: P
  /** Atoms that threw; their rows are absent from `rows`. */
  readonly failedAtoms: number
}

/**
 * A job: its params, its atoms, and what one atom computes.
 *
 * @typeParam P - the params type (from the `params` zod schema)
 * @typeParam A - one atom
 * @typeParam S - per-worker state returned by `setup`
 */
export interface JobDefinition<P = Record<string, never>, A = unknown, S = undefined> {
  /** A zod object schema for the params, filled from `--param key=value`. @default no params */
  params?: z.ZodType<P>
  /** The atom source for these params. */
  atoms(params: P): AtomSource<A>
  /** Runs once per worker before its first atom (load data, precompute). @default none */
  setup?(params: P): S | Promise<S>
  /** Runs one atom and returns one row or an array of rows (scalars only). */
  run(atom: A, ctx: RunContext<P, S>): Row | Row[] | Promise<Row | Row[]>
  /** Folds the combined rows (ordered by atom) into a summary printed after the run. @default none */
  reduce?(rows: Row[], ctx: ReduceContext<P>): unknown
  /** Relative cost of an atom, for `--partition weighted`. @default measured on a sample */
  cost?(atom: A, index: number): number
}

/** A job as fanout holds it: the definition plus a brand that survives bundling. */
export type Job<P = unknown, A = unknown, S = unknown> = JobDefinition<P, A, S> & {
  readonly [JOB_BRAND]: true
}

/** Symbol.for, so a job defined by one bundled copy of fanout is recognized by another. */
export const JOB_BRAND: unique symbol = Symbol.for('fanout.job') as never

/**
 * Define a job. Export it as the module's default export (or as `job`).
 *
 * @example
 * ```ts
 * import { defineJob, range } from 'fanout'
 * export default defineJob({
 *   atoms: () => range(1000),
 *   run: (i) => ({ square: i * i }),
 * })
 * ```
 */
export function defineJob<P = Record<string, never>, A = unknown, S = undefined>(
  definition: JobDefinition<P, A, S>,
): Job<P, A, S> {
  if (definition === null || typeof definition !== 'object') {
    throw new TypeError('defineJob expects an object with at least `atoms` and `run` functions')
  }
  for (const key of ['atoms', 'run'] as const) {
    if (typeof definition[key] !== 'function') {
      throw new TypeError(
        `defineJob expects \`${key}\` to be a function, got ${typeof definition[key]}`,
      )
    }
  }
  for (const key of ['setup', 'reduce', 'cost'] as const) {
    if (definition[key] !== undefined && typeof definition[key] !== 'function') {
      throw new TypeError(
        `defineJob expects \`${key}\` to be a function when given, got ${typeof definition[key]}`,
      )
    }
  }
  return Object.freeze({ ...definition, [JOB_BRAND]: true as const })
}

/** True when `value` was made by `defineJob` (by any copy of fanout). */
export function isJob(value: unknown): value is Job {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[JOB_BRAND] === true
  )
}

/**
 * Find the job in an imported job module: its default export, or an export named `job`.
 * Throws a {@link JobLoadError} that says what the module exports instead.
 */
export function jobFromModule(mod: Record<string, unknown>, jobFile: string): Job {
  const candidates = [mod.default, mod.job]
  for (const c of candidates) if (isJob(c)) return c
  const names = Object.keys(mod)
  throw new JobLoadError(
    jobFile,
    `${jobFile} exports no fanout job (its exports: ${names.length ? names.join(', ') : 'none'}). ` +
      'Export one as the default export: `export default defineJob({ atoms, run })`.',
  )
}
