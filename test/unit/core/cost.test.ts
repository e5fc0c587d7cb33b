import { describe, expect, it } from 'vitest'
import { manifestCost, manifestCostUsd } from '../../../src/core/cost.js'
import { US_EAST_1 } from '../../../src/core/prices.js'
import { markDone, markStarted } from '../../../src/core/schedule.js'
import { testManifest } from '../../helpers/manifest.js'

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
    // another region's table prices the same usage
    const dearer = { ...US_EAST_1, stepFunctions: { per1000TransitionsUsd: 0.05 } }
    expect(manifestCostUsd(m, { transitions: 1000, prices: dearer })).toBeCloseTo(
      0.0000388668 + 0.05,
      15,
    )
  })
})
