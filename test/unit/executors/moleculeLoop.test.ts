/**
 * The local loop's hard cost cap, with launchers that only wait: executions
 * are billed while they run, and stopped when the bill (running ones
 * included) reaches the cap, even when the estimate promised cheaper ones.
 */
import { describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import type { Dispatch } from '../../../src/core/schedule.js'
import { type Launcher, runMoleculeLoop } from '../../../src/executors/local/moleculeLoop.js'
import { testManifest } from '../../helpers/manifest.js'

/** $1 per second billed, so that the figures read as seconds. */
const costOf = (m: Manifest) =>
  m.molecules.reduce((s, x) => s + x.attempts.reduce((t, a) => t + (a.billedMs ?? 0), 0), 0) / 1000

/** Molecule i runs `ms[i]` ms, unless it is stopped first. */
function waiting(ms: number[], stopped: number[]): Launcher {
  return (d: Dispatch, _fault, signal) =>
    new Promise((resolve, reject) => {
      const startedAt = Date.now()
      const timer = setTimeout(() => {
        const billedMs = ms[d.moleculeId] ?? 0
        resolve({
          kind: 'ran',
          committed: true,
          stored: true,
          stats: {
            moleculeId: d.moleculeId,
            attempt: d.attempt,
            start: d.start,
            end: d.end,
            startedAt,
            endedAt: startedAt + billedMs,
            durationMs: billedMs,
            setupMs: 0,
            billedMs,
            atomsOk: d.end - d.start,
            atomsFailed: 0,
            rows: d.end - d.start,
          },
        })
      }, ms[d.moleculeId])
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        stopped.push(d.moleculeId)
        reject(signal.reason)
      })
    })
}

describe('runMoleculeLoop under --max-cost', () => {
  it('stops running executions when the bill reaches the cap, keeping what finished', async () => {
    // Prepare: three molecules on two slots; the estimate says $0.05 each, so all may start,
    // but molecules 1 and 2 would run 2 s each; the cap is $1 (1 s billed)
    const manifest = testManifest({
      target: 'local',
      numAtoms: 3,
      boundaries: [0, 1, 2, 3],
      workers: 2,
    })
    const stopped: number[] = []
    // Act
    const out = await runMoleculeLoop(manifest, {
      slots: 2,
      timeoutMs: 60_000,
      speculate: false,
      faults: undefined,
      launch: waiting([200, 2000, 2000], stopped),
      save: async () => {},
      startedAt: performance.now(),
      caps: { caps: { maxCostUsd: 1 }, costOf, estimatedMoleculeUsd: 0.05 },
    })
    // Assess: molecule 0 kept; 1 and 2 stopped near $1 and left pending for a resume
    expect(out.ended).toBe('cost-cap')
    expect(out.cause).toMatch(
      /reached the cost cap of \$1 .*2 running executions were stopped; 2 of 3/,
    )
    expect(out.manifest.molecules.map((m) => m.status)).toEqual(['done', 'pending', 'pending'])
    expect(stopped.sort()).toEqual([1, 2])
    const billed = costOf(out.manifest)
    expect(billed).toBeGreaterThanOrEqual(1)
    expect(billed).toBeLessThan(1.1) // the loop wakes at the predicted time, not a tick late
    for (const m of out.manifest.molecules.slice(1)) {
      expect(m.attempts[0]).toMatchObject({ interrupted: true })
    }
  })

  it('starts nothing the reserve leaves no room for, and ends at the cap', async () => {
    // Prepare: $0.95 of a $1 cap is held for the orchestration; a molecule is estimated at $0.10
    const manifest = testManifest({
      target: 'local',
      numAtoms: 2,
      boundaries: [0, 1, 2],
      workers: 2,
    })
    const stopped: number[] = []
    // Act
    const out = await runMoleculeLoop(manifest, {
      slots: 2,
      timeoutMs: 60_000,
      speculate: false,
      faults: undefined,
      launch: waiting([100, 100], stopped),
      save: async () => {},
      startedAt: performance.now(),
      caps: { caps: { maxCostUsd: 1, reservedUsd: 0.95 }, costOf, estimatedMoleculeUsd: 0.1 },
    })
    // Assess
    expect(out.ended).toBe('cost-cap')
    expect(out.manifest.molecules.every((m) => m.attempts.length === 0)).toBe(true)
    expect(stopped).toEqual([])
  })
})
