/**
 * The one price module: AWS list prices for what a fanout run uses (Lambda
 * requests and GB-seconds, Step Functions standard state transitions, S3
 * requests), by region, and the arithmetic that turns usage into dollars.
 * Pure: the tally's cost cap, the estimate, the run summary and the report
 * all price through {@link priceUsage}.
 *
 * Prices are kept in the units AWS's pricing pages quote them in (per
 * million requests, per GB-second, per 1,000 transitions, per 1,000
 * requests), so a table can be checked against those pages line by line.
 * They are first-tier, on-demand list prices: the free tier is not
 * subtracted, and Lambda's volume tiers (above 6 billion GB-s a month on
 * x86_64, 7.5 billion on arm64) are not applied.
 *
 * @module
 */

import { describeValue } from './errors.js'

/** A Lambda instruction set, which sets the price of a GB-second. */
export type Architecture = 'arm64' | 'x86_64'

/** Every {@link Architecture}. */
export const ARCHITECTURES = ['arm64', 'x86_64'] as const satisfies readonly Architecture[]

/** Unit prices of one region, in US dollars, with where and when they were read. */
export interface PriceTable {
  /** The AWS region the prices are for, e.g. `us-east-1`. */
  readonly region: string
  /** When the prices were read from their source (YYYY-MM-DD). */
  readonly asOf: string
  /** Where they were read: the pricing pages. */
  readonly source: string
  readonly lambda: {
    /** Per million requests (invocations). */
    readonly perMillionRequestsUsd: number
    /** Per GB-second of billed duration, by architecture (first tier). */
    readonly perGbSecondUsd: Readonly<Record<Architecture, number>>
  }
  readonly stepFunctions: {
    /** Per 1,000 state transitions of a standard workflow. */
    readonly per1000TransitionsUsd: number
  }
  readonly s3: {
    /** Per 1,000 PUT, COPY, POST or LIST requests (S3 Standard). */
    readonly per1000PutUsd: number
    /** Per 1,000 GET, SELECT and all other requests, HEAD included (S3 Standard). */
    readonly per1000GetUsd: number
  }
}

const SOURCE =
  'https://aws.amazon.com/lambda/pricing/ ; https://aws.amazon.com/step-functions/pricing/ ; https://aws.amazon.com/s3/pricing/ (S3 Standard requests)'

/** The regions whose Lambda, Step Functions and S3 Standard request prices equal us-east-1's. */
const SAME_AS_US_EAST_1 = ['us-east-2', 'us-west-2', 'eu-west-1'] as const

/**
 * us-east-1 (N. Virginia) list prices, read 2026-12-02: Lambda $0.20 per
 * million requests, $0.0000133334 per GB-s on arm64 and $0.0000166667 on
 * x86_64; Step Functions standard $0.025 per 1,000 state transitions; S3
 * Standard PUT/COPY/POST/LIST $0.005 and GET $0.0004 per 1,000 requests.
 */
export const US_EAST_1: PriceTable = deepFreeze({
  region: 'us-east-1',
  asOf: '2026-12-02',
  source: SOURCE,
  lambda: {
    perMillionRequestsUsd: 0.2,
    perGbSecondUsd: { arm64: 0.0000133334, x86_64: 0.0000166667 },
  },
  stepFunctions: { per1000TransitionsUsd: 0.025 },
  s3: { per1000PutUsd: 0.005, per1000GetUsd: 0.0004 },
})

/**
 * The built-in price tables, by region: us-east-1, and the regions whose
 * prices for these services are the same (us-east-2, us-west-2, eu-west-1).
 * Any other region takes a prices file ({@link parsePriceFile}).
 */
export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = Object.freeze(
  Object.fromEntries([
    ['us-east-1', US_EAST_1],
    ...SAME_AS_US_EAST_1.map((region) => [region, deepFreeze({ ...US_EAST_1, region })]),
  ]),
)

/** The region prices are for when none is named. */
export const DEFAULT_REGION = 'us-east-1'

/** What one Lambda function (one memory size and architecture) was billed. */
export interface FunctionUsage {
  /** Requests (invocations). */
  invocations: number
  /**
   * Billed duration summed over invocations, ms: each invocation is rounded
   * up to the next 1 ms on its own ({@link billedMsOf}).
   */
  billedMs: number
  /** The function's memory, MB (GB-seconds use 1 GB = 1024 MB, as Lambda does). */
  memoryMb: number
  /** @default 'arm64' */
  architecture?: Architecture
}

/** What a run used, in the units AWS bills. */
export interface Usage {
  /** Each Lambda function's (or memory size's) invocations and billed duration. */
  lambda: readonly FunctionUsage[]
  /** Step Functions standard state transitions. @default 0 */
  transitions?: number
  /** S3 PUT, COPY and POST requests. @default 0 */
  s3Puts?: number
  /** S3 LIST requests (priced as PUTs). @default 0 */
  s3Lists?: number
  /** S3 GET and HEAD requests. @default 0 */
  s3Gets?: number
}

/** What a {@link Usage} costs, in US dollars, by part. */
export interface CostBreakdown {
  /** Memory (GB) × billed seconds. */
  gbSeconds: number
  lambdaComputeUsd: number
  lambdaRequestsUsd: number
  stepFunctionsUsd: number
  /** PUT, COPY, POST and LIST requests. */
  s3PutUsd: number
  /** GET and HEAD requests. */
  s3GetUsd: number
  /** `s3PutUsd + s3GetUsd`. */
  s3Usd: number
  totalUsd: number
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Expected ${name} to be a finite number from 0 and up, got ${describeValue(value)}`,
    )
  }
  return value
}

/**
 * The billed duration of one invocation: Lambda rounds each invocation's
 * duration up to the next 1 ms (and bills at least 1 ms).
 *
 * @example
 * ```ts
 * billedMsOf(1.0001) // 2
 * billedMsOf(0.2) // 1
 * ```
 */
export function billedMsOf(durationMs: number): number {
  return Math.max(1, Math.ceil(nonNegative(durationMs, 'durationMs')))
}

/**
 * GB-seconds of `billedMs` at `memoryMb` (1 GB = 1024 MB).
 *
 * @example
 * ```ts
 * gbSecondsOf(1024, 1000) // 1
 * gbSecondsOf(1769, 1000) // 1.7275390625
 * ```
 */
export function gbSecondsOf(memoryMb: number, billedMs: number): number {
  return (nonNegative(memoryMb, 'memoryMb') / 1024) * (nonNegative(billedMs, 'billedMs') / 1000)
}

/**
 * What `usage` costs at `prices`.
 *
 * @throws RangeError naming the usage field that is negative or not a number
 * @example
 * ```ts
 * // one million 1-second invocations at 1 GB on arm64
 * priceUsage({ lambda: [{ invocations: 1e6, billedMs: 1e9, memoryMb: 1024 }] }).totalUsd // 13.5334
 * ```
 */
export function priceUsage(usage: Usage, prices: PriceTable = US_EAST_1): CostBreakdown {
  let gbSeconds = 0
  let lambdaComputeUsd = 0
  let invocations = 0
  usage.lambda.forEach((f, k) => {
    const name = `lambda[${k}]`
    invocations += nonNegative(f.invocations, `${name}.invocations`)
    const architecture = f.architecture ?? 'arm64'
    const perGbSecond = prices.lambda.perGbSecondUsd[architecture]
    if (perGbSecond === undefined) {
      throw new RangeError(
        `Expected ${name}.architecture to be ${ARCHITECTURES.join(' or ')}, got ${describeValue(architecture)}`,
      )
    }
    const seconds = gbSecondsOf(
      nonNegative(f.memoryMb, `${name}.memoryMb`),
      nonNegative(f.billedMs, `${name}.billedMs`),
    )
    gbSeconds += seconds
    lambdaComputeUsd += seconds * perGbSecond
  })
  const transitions = nonNegative(usage.transitions ?? 0, 'transitions')
  const puts = nonNegative(usage.s3Puts ?? 0, 's3Puts') + nonNegative(usage.s3Lists ?? 0, 's3Lists')
  const gets = nonNegative(usage.s3Gets ?? 0, 's3Gets')
  const lambdaRequestsUsd = (invocations * prices.lambda.perMillionRequestsUsd) / 1e6
  const stepFunctionsUsd = (transitions * prices.stepFunctions.per1000TransitionsUsd) / 1000
  const s3PutUsd = (puts * prices.s3.per1000PutUsd) / 1000
  const s3GetUsd = (gets * prices.s3.per1000GetUsd) / 1000
  return {
    gbSeconds,
    lambdaComputeUsd,
    lambdaRequestsUsd,
    stepFunctionsUsd,
    s3PutUsd,
    s3GetUsd,
    s3Usd: s3PutUsd + s3GetUsd,
    totalUsd: lambdaComputeUsd + lambdaRequestsUsd + stepFunctionsUsd + s3PutUsd + s3GetUsd,
  }
}

/**
 * The built-in table of `region`, or `undefined` when fanout has none.
 *
 * @example
 * ```ts
 * builtinPrices('eu-west-1')?.lambda.perMillionRequestsUsd // 0.2
 * builtinPrices('ap-east-1') // undefined: give a prices file
 * ```
 */
export function builtinPrices(region: string): PriceTable | undefined {
  return Object.hasOwn(PRICE_TABLES, region) ? PRICE_TABLES[region] : undefined
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v)
  return Object.freeze(value)
}
