import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { summariseTimings } from '../core/atomTimings.js'
import { describeValue, PriceFileError, UsageError } from '../core/errors.js'
import {
  DEFAULT_CONCURRENCY,
  type Estimate,
  estimateCut,
  type SampleFigures,
} from '../core/estimate.js'
import { MAX_MEMORY_MB, MIN_MEMORY_MB, ONE_VCPU_MB } from '../core/lambdaCpu.js'
import { DEFAULT_OVERHEADS, type PlatformOverheads } from '../core/overheads.js'
import { partition } from '../core/partition.js'
import { parsePriceFile } from '../core/priceFile.js'
import {
  ARCHITECTURES,
  type Architecture,
  builtinPrices,
  DEFAULT_REGION,
  type PriceTable,
  US_EAST_1,
} from '../core/prices.js'
import { type Suggestion, suggest } from '../core/suggest.js'
import { sampleAtoms } from '../runtime/atomSample.js'
import { coldImportMs } from '../runtime/importTime.js'
import type { PlannedJob } from './planJob.js'

/** How to estimate a job's cost on Lambda (`fanout plan --target aws` and its flags). */
export interface EstimateOptions {
  /** Worker memory, MB (128 to 10,240). @default 1769 (one vCPU, the stack's default) */
  memoryMb?: number
  /** @default 'arm64' (the stack's) */
  architecture?: Architecture
  /** Atoms timed, spread over the whole atom range. @default 32 */
  sample?: number
  /** The time the sample may take, ms. @default 5000 */
  sampleBudgetMs?: number
  /** A prices JSON file (see `parsePriceFile`), or a price table. @default the region's built-in table */
  prices?: string | PriceTable
  /** The AWS region prices are for. @default AWS_REGION, else us-east-1 */
  region?: string
  /** Worker invocations that may run at once: the account's Lambda concurrency. @default 1000 */
  concurrency?: number
  /** The stack's per-molecule overheads. @default the table measured on fanout's emulator */
  overheads?: PlatformOverheads
}

/**
 * The molecule-count hint the cloud plan step cuts with when `workers` is
 * not given: `CloudExecutor.planEvent`'s default (64 workers × 4 molecules).
 */
export const CLOUD_WORKERS_HINT = 64

/** How the cloud's plan step will cut the job (it partitions again, with its own hint). */
export interface CloudCut {
  workers: number
  molecules?: number | undefined
  atomsPerMolecule?: number | undefined
  /**
   * No flag set the count: the run takes the molecule count of the estimate's
   * balanced suggestion, and the estimate is of that cut.
   */
  suggested?: boolean
}

/** The cut of a cloud run for resolved `run`/`plan` options: the given hint, else {@link CLOUD_WORKERS_HINT}. */
export function cloudCutOf(o: {
  target: string
  workers: number
  workersGiven: boolean
  molecules?: number | undefined
  atomsPerMolecule?: number | undefined
}): CloudCut | undefined {
  if (o.target === 'local') return undefined
  return {
    workers: o.workersGiven ? o.workers : CLOUD_WORKERS_HINT,
    molecules: o.molecules,
    atomsPerMolecule: o.atomsPerMolecule,
    ...(o.workersGiven || o.molecules !== undefined || o.atomsPerMolecule !== undefined
      ? {}
      : { suggested: true }),
  }
}

/** The estimate `plan()` returns for a cloud target: the planned cut, and what to run it with. */
export interface JobEstimate extends Estimate {
  /** The planned configuration, then the cheapest, the fastest and the balanced one. */
  suggestions: Suggestion[]
  /** What was timed at plan time. */
  sample: {
    points: number
    passes: number
    /** Median ms per atom (wall time) on this machine. */
    atomMs: number
    /** The atoms wait more than they compute: their wait is billed at any memory size. */
    ioBound: boolean
    setupMs: number
    importMs: number
    rowsPerAtom: number
    encodeMsPerRow: number
    failRate: number
    wallMs: number
  }
  /** Where the overhead figures come from. */
  overheadsMeasured: PlatformOverheads['measured']
  /** What the reader should know about this estimate, one sentence each. */
  notes: string[]
}

const count = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.unknown().transform((v, ctx) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      ctx.addIssue({
        code: 'custom',
        message: `Expected ${name} to be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' and up'}, got ${describeValue(v)}`,
      })
      return z.NEVER
    }
    return v
  })

const estimateOptionsSchema = z
  .object({
    memoryMb: count('memoryMb (MB)', MIN_MEMORY_MB, MAX_MEMORY_MB).optional(),
    architecture: z
      .enum(ARCHITECTURES, {
        error: (i) => `Expected architecture to be arm64 or x86_64, got ${describeValue(i.input)}`,
      })
      .optional(),
    sample: count('sample', 1).optional(),
    sampleBudgetMs: count('sampleBudgetMs', 1).optional(),
    prices: z.union([z.string().min(1), z.object({}).passthrough()]).optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, {
        error: 'Expected region to be an AWS region such as us-east-1',
      })
      .optional(),
    concurrency: count('concurrency', 1).optional(),
    overheads: z.object({}).passthrough().optional(),
  })
  .strict()

/** Check estimate options: unknown keys and bad values are a {@link UsageError} naming each. */
export function parseEstimateOptions(options: unknown, api = 'plan'): EstimateOptions {
  const parsed = estimateOptionsSchema.safeParse(options ?? {})
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown estimate option${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')} (known: ${Object.keys(estimateOptionsSchema.shape).join(', ')})`
        : i.message,
    )
    throw new UsageError(`${api}: ${lines.join('; ')}`)
  }
  return parsed.data as EstimateOptions
}

/**
 * The estimate options of a `plan()` or `run()` call, or undefined for no
 * estimate: by default on the cloud targets and not locally; `true` (or
 * options) estimates on any target, `false` never.
 *
 * @throws {@link UsageError} for bad options
 */
export function estimateRequested(
  estimate: boolean | EstimateOptions | undefined,
  target: string,
  api: string,
): EstimateOptions | undefined {
  if (estimate === false || (estimate === undefined && target === 'local')) return undefined
  return parseEstimateOptions(typeof estimate === 'object' ? estimate : {}, api)
}

/**
 * The price table of an estimate: a prices file or table when given (over
 * the built-in table of its region), else the built-in table of `region`.
 * A region named outright with no built-in table and no file is an error; a
 * region from the environment without one falls back to us-east-1, with a note.
 *
 * @throws {@link PriceFileError} for a prices file that is missing, not JSON or not valid
 * @throws {@link UsageError} for a named region fanout has no prices for
 */
export function resolvePrices(
  options: Pick<EstimateOptions, 'prices' | 'region'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { prices: PriceTable; note?: string } {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION
  if (typeof options.prices === 'string') {
    const file = options.prices
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new PriceFileError(
        file,
        `prices file ${file} cannot be read (${(error as Error).message}); give the path of a JSON file`,
        { cause: error },
      )
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new PriceFileError(
        file,
        `prices file ${file} is not JSON (${(error as Error).message})`,
        { cause: error },
      )
    }
    return { prices: parsePriceFile(json, file, region) }
  }
  if (options.prices) return { prices: parsePriceFile(options.prices, '(prices option)', region) }
  const builtin = builtinPrices(region)
  if (builtin) return { prices: builtin }
  if (options.region) {
    throw new UsageError(
      `fanout has no built-in prices for region ${region}; give them in a prices file (--prices file.json, see the README's "Prices" section)`,
    )
  }
  return {
    prices: US_EAST_1,
    note: `no built-in prices for ${region} (from the environment): priced at us-east-1 list prices; give --prices file.json for ${region}'s`,
  }
}

/**
 * Estimate what a planned job will cost on Lambda: time a sample of its atoms
 * in this process ({@link sampleAtoms}) and the bundle's cold import in a
 * fresh Node process, then estimate the planned cut (or, for a cloud run,
 * the cut its plan step will make: `cut`) and suggest the memory size and
 * molecule count that minimise cost and time.
 *
 * @throws {@link UsageError} for bad options or prices
 * @example
 * ```ts
 * const e = await estimateJob(planned, { memoryMb: 1024 })
 * console.log(e.usd.low, e.usd.high, e.suggestions)
 * ```
 */
export async function estimateJob(
  planned: PlannedJob,
  options: EstimateOptions = {},
  cut?: CloudCut,
): Promise<JobEstimate> {
  const o = parseEstimateOptions(options)
  const { prices, note } = resolvePrices(o)
  const overheads = o.overheads ?? DEFAULT_OVERHEADS
  const sampled = await sampleAtoms(planned.job, planned.params, planned.numAtoms, {
    ...(o.sample ? { sample: o.sample } : {}),
    ...(o.sampleBudgetMs ? { budgetMs: o.sampleBudgetMs } : {}),
  })
  const notes: string[] = []
  let importMs = 0
  try {
    importMs = await coldImportMs(planned.bundle.path)
  } catch (error) {
    notes.push(
      `the bundle's cold import could not be timed (${(error as Error).message}): left out`,
    )
  }
  const sample: SampleFigures = { ...sampled, importMs }
  const scheme = planned.scheme === 'weighted' ? 'linear' : planned.scheme
  // a cloud run is cut again by its plan step; a weighted cut there comes from its own sample
  const boundaries = cut
    ? partition({
        numAtoms: planned.numAtoms,
        scheme,
        workers: cut.workers,
        molecules: cut.molecules,
        atomsPerMolecule: cut.atomsPerMolecule,
      })
    : planned.boundaries
  let request = {
    sample,
    boundaries,
    memoryMb: o.memoryMb ?? ONE_VCPU_MB,
    architecture: o.architecture ?? 'arm64',
    concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    prices,
    overheads,
  }
  const cutOf = (molecules: number) =>
    partition({ numAtoms: planned.numAtoms, scheme, workers: 1, molecules })
  let suggestions = suggest(request, { cut: cutOf })
  // no flag set the count: estimate (and run) the balanced suggestion's molecule count
  const balanced = cut?.suggested ? suggestions.find((s) => s.strategy === 'balanced') : undefined
  if (balanced && balanced.molecules !== boundaries.length - 1) {
    request = { ...request, boundaries: cutOf(balanced.molecules) }
    suggestions = suggest(request, { cut: cutOf })
  }
  const estimate = estimateCut(request)
  const timing = summariseTimings(sampled.points)
  if (note) notes.push(note)
  if (timing.ioBound)
    notes.push('the atoms mostly wait (I/O): their wait is billed as measured, at any memory size')
  if (!estimate.fitsTimeout)
    notes.push(
      'the slowest molecule may not end within the worker timeout (900 s): cut more molecules',
    )
  if (request.memoryMb < estimate.memoryFloorMb)
    notes.push(
      `the job may need about ${estimate.memoryFloorMb} MB (setup took ${Math.round(sampled.setupMemoryMb)} MB)`,
    )
  return {
    ...estimate,
    suggestions,
    sample: {
      points: sampled.points.length,
      passes:
        Math.min(...sampled.points.map((p) => p.passes.length), Number.POSITIVE_INFINITY) || 0,
      atomMs: timing.medianWallMs,
      ioBound: timing.ioBound,
      setupMs: sampled.setupMs,
      importMs,
      rowsPerAtom: sampled.rowsPerAtom,
      encodeMsPerRow: sampled.encodeMsPerRow,
      failRate: sampled.failRate,
      wallMs: sampled.wallMs,
    },
    overheadsMeasured: overheads.measured,
    notes,
  }
}
