import { describe, expect, it } from 'vitest'
import { AWS_PRICES, estimateCost, manifestCost, manifestCostUsd } from '../../../src/core/cost.js'
import { markDone, markStarted } from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

describe('AWS_PRICES', () => {
  it('holds the us-east-1 list prices', () => {
    // Assess
    expect(AWS_PRICES.lambdaRequestUsd * 1_000_000).toBeCloseTo(0.2, 12)
    expect(AWS_PRICES.lambdaGbSecondUsd).toEqual({ arm64: 0.0000133334, x86_64: 0.0000166667 })
    expect(AWS_PRICES.s3PutUsd * 1000).toBeCloseTo(0.005, 12)
    expect(AWS_PRICES.s3GetUsd * 1000).toBeCloseTo(0.0004, 12)
    expect(AWS_PRICES.stepFunctionsTransitionUsd * 1000).toBeCloseTo(0.025, 12)
    expect(Object.isFrozen(AWS_PRICES)).toBe(true)
  })
})

describe('estimateCost', () => {
  it('prices a million 1-second invocations at 1 GB on arm64', () => {
    // Act
    const c = estimateCost({ billedMs: 1e9, invocations: 1e6, memoryMb: 1024 })
    // Assess
    expect(c.gbSeconds).toBe(1e6)
    expect(c.lambdaComputeUsd).toBeCloseTo(13.3334, 9)
    expect(c.lambdaRequestsUsd).toBeCloseTo(0.2, 12)
    expect(c.totalUsd).toBeCloseTo(13.5334, 9)
  })

  it('prices x86_64 higher, and adds S3 requests and state transitions', () => {
    // Act
    const c = estimateCost({
      billedMs: 3_600_000,
      invocations: 1000,
      memoryMb: 2048,
      architecture: 'x86_64',
      puts: 2000,
      gets: 10_000,
      transitions: 4000,
    })
    // Assess: 2 GB × 3600 s = 7200 GB-s
    expect(c.gbSeconds).toBe(7200)
    expect(c.lambdaComputeUsd).toBeCloseTo(7200 * 0.0000166667, 12) // $0.12000024
    expect(c.lambdaRequestsUsd).toBeCloseTo(0.0002, 12)
    expect(c.s3Usd).toBeCloseTo(0.01 + 0.004, 12)
    expect(c.stepFunctionsUsd).toBeCloseTo(0.1, 12)
    expect(c.totalUsd).toBeCloseTo(0.12000024 + 0.0002 + 0.014 + 0.1, 12)
  })

  it('costs nothing for nothing', () => {
    // Assess
    expect(estimateCost({ billedMs: 0, invocations: 0, memoryMb: 1769 }).totalUsd).toBe(0)
  })

  it('names the input that is not a number from 0', () => {
    // Assess
    expect(() => estimateCost({ billedMs: -1, invocations: 0, memoryMb: 128 })).toThrow(
      'Expected billedMs to be a finite number from 0 and up, got -1 (number)',
    )
    expect(() => estimateCost({ billedMs: 0, invocations: Number.NaN, memoryMb: 128 })).toThrow(
      /Expected invocations/,
    )
    expect(() =>
      estimateCost({ billedMs: 0, invocations: 0, memoryMb: 128, architecture: 'mips' as never }),
    ).toThrow('Expected architecture to be arm64 or x86_64, got "mips" (string)')
  })
})

describe('manifestCost', () => {
  it("sums the attempts' billed durations and counts requests", () => {
    // Prepare: 2 molecules; molecule 0 done in 1 attempt (1000 ms, 1 failed atom);
    // molecule 1 on its 2nd attempt after a timeout (no billed figure)
    let m = testManifest({
      target: 'aws',
      numAtoms: 4,
      boundaries: [0, 2, 4],
      workers: 1,
    })
    m = {
      ...m,
      cloud: {
        bundleKey: `bundles/${'a'.repeat(64)}.mjs`,
        sha256: 'a'.repeat(64),
        dispatchConcurrency: 64,
        moleculeTimeoutMs: 1000,
        pollSeconds: 2,
        failureTolerance: 1,
        memoryMb: 2048,
        architecture: 'arm64',
      },
    }
    m = markStarted(markStarted(m, 0, 1, 0), 1, 1, 0)
    m = markDone(m, 0, { attempt: 1, startedAt: 0, billedMs: 1000, atomsFailed: 1 }, 1)
    m = markStarted(m, 1, 2, 2)
    // Act
    const c = manifestCost(m)
    // Assess: 3 invocations, 2 GB × 1 s; PUTs: 1 partial + 1 errors file; GETs: 3 bundles + 1 partial
    expect(c.gbSeconds).toBe(2)
    expect(c.lambdaComputeUsd).toBeCloseTo(2 * 0.0000133334, 15)
    expect(c.lambdaRequestsUsd).toBeCloseTo(3 * 0.2e-6, 15)
    expect(c.s3Usd).toBeCloseTo(2 * 0.005e-3 + 4 * 0.0004e-3, 15)
    expect(manifestCostUsd(m)).toBeCloseTo(0.0000266668 + 0.0000006 + 0.0000116, 15)
    expect(manifestCostUsd(m, { transitions: 1000 })).toBeCloseTo(0.0000388668 + 0.025, 15)
  })
})
