import type { PlatformOverheads } from '../../src/core/overheads.js'

/** A spread with no width: low, mid and high all `v`. */
const flat = (v: number) => ({ low: v, mid: v, high: v })

/**
 * Overheads with no spread, so that every figure a cost test checks can be
 * worked out by hand; `perRowMs` is the per-row part of a partial's write.
 */
export function flatOverheads(perRowMs = 0): PlatformOverheads {
  return {
    measured: { date: 'test', machine: 'test', how: 'test' },
    workerInitMs: flat(200),
    workerFixedMs: flat(30),
    workerUnreportedMs: flat(20),
    workerUnreportedMsPerRow: perRowMs,
    bundleFetchMs: flat(50),
    workerBaselineMb: 90,
    planMs: flat(100),
    planMsPerMolecule: flat(1),
    tallyMs: flat(40),
    reduceMs: flat(200),
    reduceMsPerPartial: flat(2),
    clientMs: flat(300),
  }
}
