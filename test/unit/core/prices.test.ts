import { describe, expect, it } from 'vitest'
import { PriceFileError } from '../../../src/core/errors.js'
import { parsePriceFile } from '../../../src/core/priceFile.js'
import {
  billedMsOf,
  builtinPrices,
  gbSecondsOf,
  PRICE_TABLES,
  priceUsage,
  US_EAST_1,
} from '../../../src/core/prices.js'

describe('the built-in price tables', () => {
  it('hold the us-east-1 list prices, with their date and source', () => {
    // Assess
    expect(US_EAST_1.lambda.perMillionRequestsUsd).toBe(0.2)
    expect(US_EAST_1.lambda.perGbSecondUsd).toEqual({ arm64: 0.0000133334, x86_64: 0.0000166667 })
    expect(US_EAST_1.stepFunctions.per1000TransitionsUsd).toBe(0.025)
    expect(US_EAST_1.s3).toEqual({ per1000PutUsd: 0.005, per1000GetUsd: 0.0004 })
    expect(US_EAST_1.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(US_EAST_1.source).toContain('https://aws.amazon.com/lambda/pricing/')
    expect(Object.isFrozen(US_EAST_1.lambda.perGbSecondUsd)).toBe(true)
  })

  it('have one table per region, named by it, and none for a region fanout does not know', () => {
    // Assess
    for (const [region, table] of Object.entries(PRICE_TABLES)) expect(table.region).toBe(region)
    expect(builtinPrices('eu-west-1')?.s3.per1000PutUsd).toBe(0.005)
    expect(builtinPrices('ap-east-1')).toBeUndefined()
    expect(builtinPrices('toString')).toBeUndefined()
  })
})

describe('billedMsOf', () => {
  it('rounds each invocation up to the next 1 ms, at least 1 ms', () => {
    // Assess
    expect(billedMsOf(0)).toBe(1)
    expect(billedMsOf(0.2)).toBe(1)
    expect(billedMsOf(1)).toBe(1)
    expect(billedMsOf(1.0001)).toBe(2)
    expect(billedMsOf(1234.5)).toBe(1235)
  })

  it('bills three short invocations 4 ms, not the 3 ms their summed duration rounds to', () => {
    // Prepare: 0.2 + 1.0 + 1.0001 = 2.2001 ms of duration
    const durations = [0.2, 1.0, 1.0001]
    // Act
    const billed = durations.reduce((sum, d) => sum + billedMsOf(d), 0)
    // Assess
    expect(billed).toBe(4)
    expect(Math.ceil(durations.reduce((a, b) => a + b, 0))).toBe(3)
  })
})

describe('gbSecondsOf', () => {
  it('counts 1 GB as 1024 MB', () => {
    expect(gbSecondsOf(1024, 1000)).toBe(1)
    expect(gbSecondsOf(128, 8000)).toBe(1)
    expect(gbSecondsOf(1769, 1000)).toBeCloseTo(1.7275390625, 12)
  })
})

describe('priceUsage', () => {
  it('prices a million 1-second invocations at 1 GB on arm64', () => {
    // Act
    const c = priceUsage({ lambda: [{ invocations: 1e6, billedMs: 1e9, memoryMb: 1024 }] })
    // Assess: 1,000,000 GB-s × $0.0000133334 + 1,000,000 × $0.20 / 1M
    expect(c.gbSeconds).toBe(1e6)
    expect(c.lambdaComputeUsd).toBeCloseTo(13.3334, 9)
    expect(c.lambdaRequestsUsd).toBeCloseTo(0.2, 12)
    expect(c.totalUsd).toBeCloseTo(13.5334, 9)
  })

  it("prices 1 ms at 128 MB on x86_64 as AWS's page lists it ($0.0000000021)", () => {
    // Act
    const c = priceUsage({
      lambda: [{ invocations: 0, billedMs: 1, memoryMb: 128, architecture: 'x86_64' }],
    })
    // Assess: 0.125 GB × 0.001 s × $0.0000166667 = $2.0833e-9
    expect(c.lambdaComputeUsd).toBeCloseTo(2.0833375e-9, 15)
    expect(Number(c.lambdaComputeUsd.toPrecision(2))).toBe(2.1e-9)
  })

  it('adds functions of different memory sizes, transitions and S3 requests (LIST at the PUT price)', () => {
    // Prepare: a worker at 2 GB x86_64 billed 3600 s over 1000 invocations; a tally at
    // 512 MB arm64 billed 100 ms × 10; 4000 transitions; 1500 PUTs + 500 LISTs; 10,000 GETs
    const usage = {
      lambda: [
        { invocations: 1000, billedMs: 3_600_000, memoryMb: 2048, architecture: 'x86_64' as const },
        { invocations: 10, billedMs: 1000, memoryMb: 512 },
      ],
      transitions: 4000,
      s3Puts: 1500,
      s3Lists: 500,
      s3Gets: 10_000,
    }
    // Act
    const c = priceUsage(usage)
    // Assess: 7200 GB-s x86 = $0.12000024; 0.5 GB-s arm = $0.0000066667
    expect(c.gbSeconds).toBe(7200.5)
    expect(c.lambdaComputeUsd).toBeCloseTo(0.12000024 + 0.0000066667, 12)
    expect(c.lambdaRequestsUsd).toBeCloseTo(1010 * 0.2e-6, 15)
    expect(c.stepFunctionsUsd).toBeCloseTo(0.1, 12)
    expect(c.s3PutUsd).toBeCloseTo(0.01, 12)
    expect(c.s3GetUsd).toBeCloseTo(0.004, 12)
    expect(c.s3Usd).toBeCloseTo(0.014, 12)
    expect(c.totalUsd).toBeCloseTo(0.12000024 + 0.0000066667 + 0.000202 + 0.1 + 0.014, 12)
  })

  it('uses the table it is given', () => {
    // Prepare
    const dear = { ...US_EAST_1, s3: { per1000PutUsd: 1, per1000GetUsd: 1 } }
    // Act
    const c = priceUsage({ lambda: [], s3Puts: 1000, s3Gets: 2000 }, dear)
    // Assess
    expect(c.s3Usd).toBe(3)
  })

  it('costs nothing for nothing', () => {
    expect(priceUsage({ lambda: [{ invocations: 0, billedMs: 0, memoryMb: 1769 }] }).totalUsd).toBe(
      0,
    )
  })

  it('names the input that is not a number from 0', () => {
    expect(() => priceUsage({ lambda: [{ invocations: 0, billedMs: -1, memoryMb: 128 }] })).toThrow(
      'Expected lambda[0].billedMs to be a finite number from 0 and up, got -1 (number)',
    )
    expect(() => priceUsage({ lambda: [], s3Gets: Number.NaN })).toThrow(/Expected s3Gets/)
    expect(() =>
      priceUsage({
        lambda: [{ invocations: 0, billedMs: 0, memoryMb: 128, architecture: 'mips' as never }],
      }),
    ).toThrow('Expected lambda[0].architecture to be arm64 or x86_64, got "mips" (string)')
  })
})

describe('parsePriceFile', () => {
  const dated = { asOf: '2026-11-30', source: 'https://aws.amazon.com/s3/pricing/' }

  it("takes the file's prices over its region's built-in table", () => {
    // Act
    const t = parsePriceFile({ ...dated, s3: { per1000PutUsd: 0.0055 } }, 'p.json')
    // Assess
    expect(t.region).toBe('us-east-1')
    expect(t.s3).toEqual({ per1000PutUsd: 0.0055, per1000GetUsd: 0.0004 })
    expect(t.lambda).toEqual(US_EAST_1.lambda)
    expect(t.asOf).toBe('2026-11-30')
    expect(t.source).toBe('https://aws.amazon.com/s3/pricing/')
  })

  it('needs every price for a region without a built-in table, and names the missing ones', () => {
    // Act
    const run = () =>
      parsePriceFile(
        { ...dated, region: 'eu-central-1', lambda: { perMillionRequestsUsd: 0.2 } },
        'p.json',
      )
    // Assess
    expect(run).toThrow(PriceFileError)
    expect(run).toThrow(
      'prices file p.json: fanout has no built-in prices for eu-central-1 (it has us-east-1, us-east-2, us-west-2, eu-west-1), so the file must give every price; it leaves out lambda.perGbSecondUsd.arm64, lambda.perGbSecondUsd.x86_64, stepFunctions.per1000TransitionsUsd, s3.per1000PutUsd, s3.per1000GetUsd',
    )
  })

  it('accepts a whole table for any region', () => {
    // Act
    const t = parsePriceFile(
      {
        ...dated,
        region: 'sa-east-1',
        lambda: { perMillionRequestsUsd: 0.2, perGbSecondUsd: { arm64: 2e-5, x86_64: 3e-5 } },
        stepFunctions: { per1000TransitionsUsd: 0.0375 },
        s3: { per1000PutUsd: 0.007, per1000GetUsd: 0.00056 },
      },
      'p.json',
    )
    // Assess
    expect(t.region).toBe('sa-east-1')
    expect(t.stepFunctions.per1000TransitionsUsd).toBe(0.0375)
  })

  it('refuses an unknown key, naming it and where it is', () => {
    expect(() => parsePriceFile({ ...dated, lambda: { perGbSecond: 1 } }, 'p.json')).toThrow(
      /^prices file p\.json: unknown key perGbSecond in lambda\. The file gives/,
    )
    expect(() => parsePriceFile({ ...dated, ec2: {} }, 'p.json')).toThrow(
      /^prices file p\.json: unknown key ec2\./,
    )
  })

  it('wants the date and the source of the prices, and prices that are numbers from 0', () => {
    expect(() => parsePriceFile({ source: 'x' }, 'p.json')).toThrow(/^prices file p\.json: asOf: /)
    expect(() => parsePriceFile({ ...dated, asOf: 'last week' }, 'p.json')).toThrow(
      'prices file p.json: asOf: Expected the date the prices were read, as YYYY-MM-DD.',
    )
    expect(() => parsePriceFile({ ...dated, s3: { per1000GetUsd: -1 } }, 'p.json')).toThrow(
      /^prices file p\.json: s3\.per1000GetUsd: /,
    )
    expect(() => parsePriceFile({ ...dated, s3: { per1000GetUsd: '0.1' } }, 'p.json')).toThrow(
      /^prices file p\.json: s3\.per1000GetUsd: Expected a price in US dollars \(a number\)/,
    )
    expect(() => parsePriceFile([], 'p.json')).toThrow(PriceFileError)
  })
})
