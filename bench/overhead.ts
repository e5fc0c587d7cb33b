/**
 * Per-atom overhead: 1,000,000 trivial atoms (run returns { x: i * i }) end to
 * end through `fanout run` (bundling, worker threads, partials, reduce, the
 * result Parquet), against a plain loop in its own process that computes the
 * same values and writes them with the same codec. Both are whole processes,
 * timed from spawn to exit, alternated, `runs` times each (median).
 * Targets: ≤ 2 µs of overhead per atom, and ≤ 10 s end to end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cores, fanoutRun, median, round, timed } from './cli.js'

const atoms = 1_000_000
const runs = Number(process.env.BENCH_RUNS ?? 3)
const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-overhead-'))
try {
  const baseline: number[] = []
  const fanout: number[] = []
  let phases: unknown
  for (let i = 0; i < runs; i++) {
    const b = await timed(process.execPath, [
      join('.fanout', 'bench', 'plainLoop.mjs'),
      String(atoms),
      join(dir, `plain-${i}.parquet`),
    ])
    if (b.code !== 0) throw new Error(`plain loop exited ${b.code}`)
    baseline.push(b.ms)
    const f = await fanoutRun(
      ['bench/jobs/trivial.ts', '--param', `atoms=${atoms}`, '--workers', String(cores)],
      join(dir, `root-${i}`),
    )
    fanout.push(f.ms)
    phases = f.summary.phases
  }
  const b = median(baseline)
  const f = median(fanout)
  console.log(
    JSON.stringify({
      bench: 'overhead',
      atoms,
      runs,
      workers: cores,
      baselineMs: round(b),
      fanoutMs: round(f),
      allBaselineMs: baseline.map((x) => round(x)),
      allFanoutMs: fanout.map((x) => round(x)),
      overheadUsPerAtom: round(((f - b) * 1000) / atoms, 3),
      targetUsPerAtom: 2,
      targetEndToEndMs: 10_000,
      phases,
      cores,
    }),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
