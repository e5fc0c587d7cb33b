/**
 * Parallel efficiency: the ma-crossover sweep at bars=1,000,000, side=60
 * (3,600 atoms), whole CLI runs on --workers 1 and --workers 2, alternated,
 * `runs` times each. Target: speed-up ≥ 1.85 on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cores, fanoutRun, median, round } from './cli.js'

const runs = Number(process.env.BENCH_RUNS ?? 2)
const args = ['examples/ma-crossover.ts', '--param', 'bars=1000000', '--param', 'side=60']
const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-parallel-'))
try {
  const times: Record<number, number[]> = { 1: [], 2: [] }
  const phases: Record<number, unknown> = {}
  for (let i = 0; i < runs; i++) {
    for (const workers of [1, 2]) {
      const r = await fanoutRun(
        [...args, '--workers', String(workers)],
        join(dir, `r${i}w${workers}`),
      )
      times[workers]?.push(r.ms)
      phases[workers] = r.summary.phases
    }
  }
  const t1 = median(times[1] ?? [])
  const t2 = median(times[2] ?? [])
  for (const workers of [1, 2]) {
    console.log(
      JSON.stringify({
        bench: 'parallel',
        job: 'ma-crossover',
        atoms: 3600,
        bars: 1_000_000,
        workers,
        runs,
        ms: round(median(times[workers] ?? [])),
        allMs: (times[workers] ?? []).map((x) => round(x)),
        phases: phases[workers],
        cores,
      }),
    )
  }
  console.log(
    JSON.stringify({ bench: 'parallel', speedup: round(t1 / t2, 3), target: 1.85, cores }),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
