/**
 * Prices from a JSON file (`--prices file.json`): one region's table, checked
 * with a strict schema (an unknown key is an error, so a misspelt price is
 * never silently ignored). Pure: the caller reads the file.
 *
 * ```json
 * {
 *   "region": "eu-central-1",
 *   "asOf": "2026-12-01",
 *   "source": "https://aws.amazon.com/lambda/pricing/",
 *   "lambda": { "perMillionRequestsUsd": 0.2, "perGbSecondUsd": { "arm64": 0.0000133334, "x86_64": 0.0000166667 } },
 *   "stepFunctions": { "per1000TransitionsUsd": 0.025 },
 *   "s3": { "per1000PutUsd": 0.0054, "per1000GetUsd": 0.00043 }
 * }
 * ```
 *
 * Prices the file leaves out come from fanout's built-in table of its region;
 * for a region without one, the file must give every price.
 *
 * @module
 */

import { z } from 'zod'
import { PriceFileError } from './errors.js'
import { builtinPrices, DEFAULT_REGION, PRICE_TABLES, type PriceTable } from './prices.js'

const usd = z.number({ error: 'Expected a price in US dollars (a number)' }).min(0).finite()

/** The schema of a prices file: every key optional but `asOf` and `source`; no other key. */
export const priceFileSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'Expected an AWS region such as eu-central-1' })
      .optional(),
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, {
      error: 'Expected the date the prices were read, as YYYY-MM-DD',
    }),
    source: z.string().min(1, { error: 'Expected where the prices come from (a URL)' }),
    lambda: z
      .object({
        perMillionRequestsUsd: usd.optional(),
        perGbSecondUsd: z
          .object({ arm64: usd.optional(), x86_64: usd.optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    stepFunctions: z.object({ per1000TransitionsUsd: usd.optional() }).strict().optional(),
    s3: z
      .object({ per1000PutUsd: usd.optional(), per1000GetUsd: usd.optional() })
      .strict()
      .optional(),
  })
  .strict()

/** What a prices file holds. */
export type PriceFile = z.infer<typeof priceFileSchema>

function issueText(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.join('.') : '(top level)'
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${path}` : ''
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}${where}`
  }
  return `${path}: ${issue.message}`
}

/**
 * The price table a prices file gives: its prices over the built-in table of
 * its region (`region` in the file, else `defaultRegion`).
 *
 * @param json - the file's parsed JSON
 * @param file - the file's name, for messages
 * @param defaultRegion - the region when the file names none @default 'us-east-1'
 * @throws {@link PriceFileError} naming the first bad key, or every price left out for a region without a built-in table
 * @example
 * ```ts
 * parsePriceFile(JSON.parse(text), 'prices.json').s3.per1000PutUsd
 * ```
 */
export function parsePriceFile(
  json: unknown,
  file: string,
  defaultRegion: string = DEFAULT_REGION,
): PriceTable {
  const parsed = priceFileSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0] as z.core.$ZodIssue
    throw new PriceFileError(
      file,
      `prices file ${file}: ${issueText(first)}. The file gives one region's prices: region, asOf, source, lambda.{perMillionRequestsUsd, perGbSecondUsd.{arm64, x86_64}}, stepFunctions.per1000TransitionsUsd, s3.{per1000PutUsd, per1000GetUsd}`,
      { cause: parsed.error },
    )
  }
  const f = parsed.data
  const region = f.region ?? defaultRegion
  const base = builtinPrices(region)
  const pick = (given: number | undefined, name: string, fromBase: (t: PriceTable) => number) => {
    if (given !== undefined) return given
    if (base) return fromBase(base)
    missing.push(name)
    return 0
  }
  const missing: string[] = []
  const table: PriceTable = {
    region,
    asOf: f.asOf,
    source: f.source,
    lambda: {
      perMillionRequestsUsd: pick(
        f.lambda?.perMillionRequestsUsd,
        'lambda.perMillionRequestsUsd',
        (t) => t.lambda.perMillionRequestsUsd,
      ),
      perGbSecondUsd: {
        arm64: pick(
          f.lambda?.perGbSecondUsd?.arm64,
          'lambda.perGbSecondUsd.arm64',
          (t) => t.lambda.perGbSecondUsd.arm64,
        ),
        x86_64: pick(
          f.lambda?.perGbSecondUsd?.x86_64,
          'lambda.perGbSecondUsd.x86_64',
          (t) => t.lambda.perGbSecondUsd.x86_64,
        ),
      },
    },
    stepFunctions: {
      per1000TransitionsUsd: pick(
        f.stepFunctions?.per1000TransitionsUsd,
        'stepFunctions.per1000TransitionsUsd',
        (t) => t.stepFunctions.per1000TransitionsUsd,
      ),
    },
    s3: {
      per1000PutUsd: pick(f.s3?.per1000PutUsd, 's3.per1000PutUsd', (t) => t.s3.per1000PutUsd),
      per1000GetUsd: pick(f.s3?.per1000GetUsd, 's3.per1000GetUsd', (t) => t.s3.per1000GetUsd),
    },
  }
  if (missing.length > 0) {
    throw new PriceFileError(
      file,
      `prices file ${file}: fanout has no built-in prices for ${region} (it has ${Object.keys(PRICE_TABLES).join(', ')}), so the file must give every price; it leaves out ${missing.join(', ')}`,
    )
  }
  return table
}
