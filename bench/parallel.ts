/**
 * Parallel efficiency: the ma-crossover sweep at bars=1,000,000, side=60
 * (3,600 atoms), whole CLI runs on --workers 1 and --workers 2, alternated,
 * `runs` times each. Target: speed-up ≥ 1.85 on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cores, fanoutRun, median, round, timed } from './cli.js'

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
  // the same work with no fanout: 1 plain process vs 2 concurrent ones (each builds its series)
  const plain: Record<number, number[]> = { 1: [], 2: [] }
  const plainRun = (from: number, to: number) =>
    timed(process.execPath, [
      join('.fanout', 'bench', 'plainAtoms.mjs'),
      '1000000',
      '60',
      String(from),
      String(to),
    ])
  for (let i = 0; i < runs; i++) {
    plain[1]?.push((await plainRun(0, 3600)).ms)
    const t0 = performance.now()
    await Promise.all([plainRun(0, 1800), plainRun(1800, 3600)])
    plain[2]?.push(performance.now() - t0)
  }
  const p1 = median(plain[1] ?? [])
  const p2 = median(plain[2] ?? [])
  console.log(
    JSON.stringify({
      bench: 'parallel-plain',
      note: 'no fanout: 1 process vs 2 concurrent processes computing the same atoms',
      ms1: round(p1),
      ms2: round(p2),
      all1: (plain[1] ?? []).map((x) => round(x)),
      all2: (plain[2] ?? []).map((x) => round(x)),
      speedup: round(p1 / p2, 3),
      cores,
    }),
  )
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
