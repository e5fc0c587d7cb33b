/**
 * Measures the stack's per-molecule and per-job overheads on fanout's
 * emulator, for the cost estimate's default table (src/core/overheads.ts).
 * Each round starts the emulator, deploys the stack (so the first job meets
 * cold containers) and runs jobs of trivial atoms, one atom per molecule, at
 * 8, 32 and 64 molecules; every invocation's REPORT line and the function's
 * own log line give:
 * - workerInitMs: a new worker's Init Duration;
 * - workerFixedMs: a worker's Duration minus its bundle load and its atoms;
 * - workerUnreportedMs: a worker's Duration minus the billed figure it reports
 *   (one-row partials), and per row: the same for partials of 12,500 rows;
 * - bundleFetchMs: a cold worker's bundle load minus the bundle's cold import
 *   in a fresh Node process on this machine (which the estimate times itself);
 * - plan and reduce: least-squares fit of billed ms (INIT + Duration) on the
 *   molecule count; spreads from the residuals;
 * - tallyMs: every tally's billed ms;
 * - clientMs: the CLI's wall time minus the execution (plan's start to
 *   reduce's end).
 * Prints one JSON line with the table to paste into src/core/overheads.ts.
 *
 * `npm run bench:cost:calibrate` (BENCH_ROUNDS, default 2).
 */
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { bundleJob } from '../src/runtime/bundle.js'
import { coldImportMs } from '../src/runtime/importTime.js'
import { cores, median, repoRoot } from './cli.js'
import {
  billedAsAws,
  type EmulatedStack,
  fanout,
  invocationsOf,
  lastJson,
  percentile,
  spread,
  startStack,
} from './costEmulator.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const SIZES = [8, 32, 64, 256]
/** A job of big partials: its rows' share of a worker's unreported time. */
const ROWS_JOB = { atoms: 100_000, molecules: 8 }
const TRIVIAL = join(repoRoot, 'bench', 'jobs', 'trivial.ts')

const samples = {
  init: [] as number[],
  fixed: [] as number[],
  unreported: [] as number[],
  unreportedBig: [] as { rows: number; ms: number }[],
  fetch: [] as number[],
  memory: [] as number[],
  plan: [] as { m: number; ms: number }[],
  reduce: [] as { m: number; ms: number }[],
  tally: [] as number[],
  client: [] as number[],
}
let importMs = 0

/** Least squares y = a + b·x; the spread of a from the residuals. */
function fitLine(points: readonly { m: number; ms: number }[]) {
  const n = points.length
  const mx = points.reduce((s, p) => s + p.m, 0) / n
  const my = points.reduce((s, p) => s + p.ms, 0) / n
  let sxy = 0
  let sxx = 0
  for (const p of points) {
    sxy += (p.m - mx) * (p.ms - my)
    sxx += (p.m - mx) ** 2
  }
  const b = Math.max(0, sxx > 0 ? sxy / sxx : 0)
  const a = my - b * mx
  const residuals = points.map((p) => p.ms - (a + b * p.m))
  const r = (x: number) => Math.round(x * 10) / 10
  return {
    fixed: {
      low: r(Math.max(0, a + percentile(residuals, 0.1))),
      mid: r(Math.max(0, a)),
      high: r(Math.max(0, a + percentile(residuals, 0.9))),
    },
    perMolecule: { low: r(b * 100) / 100, mid: r(b * 100) / 100, high: r(b * 100) / 100 },
  }
}

async function runJob(stack: EmulatedStack, jobId: string, molecules: number, atoms = molecules) {
  const since = Date.now()
  const r = await fanout(
    [
      'run',
      TRIVIAL,
      '--param',
      `atoms=${atoms}`,
      '--molecules',
      String(molecules),
      '--target',
      'localstack',
      '--root',
      stack.root,
      '--job-id',
      jobId,
      '--no-progress',
      '--no-estimate',
      '--json',
    ],
    stack.env,
  )
  if (r.code !== 0) throw new Error(`run ${jobId} exited ${r.code}: ${r.stderr}`)
  const summary = lastJson<{ wallMs: number }>(r.stdout)
  const [workers, plans, tallies, reduces] = await Promise.all(
    (['worker', 'plan', 'tally', 'reduce'] as const).map((fn) =>
      invocationsOf(stack, fn, jobId, since),
    ),
  )
  for (const w of workers ?? []) {
    const line = w.line ?? {}
    const loadMs = Number(line.loadMs ?? 0)
    const atomsMs = Number(line.durationMs ?? 0)
    const rows = Number(line.rows ?? 0)
    if (w.initMs > 0) samples.init.push(w.initMs)
    if (loadMs > 0) samples.fetch.push(Math.max(0, loadMs - importMs))
    const unreported = typeof line.billedMs === 'number' ? w.durationMs - line.billedMs : undefined
    if (rows > 1) {
      if (unreported !== undefined) samples.unreportedBig.push({ rows, ms: unreported })
      continue
    }
    samples.fixed.push(w.durationMs - loadMs - atomsMs)
    if (unreported !== undefined) samples.unreported.push(unreported)
    samples.memory.push(w.maxMemoryMb)
  }
  const plan = plans?.[0]
  const reduce = reduces?.[reduces.length - 1]
  if (atoms === molecules) {
    if (plan) samples.plan.push({ m: molecules, ms: billedAsAws(plan) })
    if (reduce) samples.reduce.push({ m: molecules, ms: billedAsAws(reduce) })
  }
  for (const t of tallies ?? []) samples.tally.push(billedAsAws(t))
  if (plan && reduce) {
    const planStart = plan.at - plan.durationMs - plan.initMs
    samples.client.push(Math.max(0, summary.wallMs - (reduce.at - planStart)))
  }
}

// the bundle the workers load, and its cold import on this machine (the estimate times it itself)
const bundle = await bundleJob(TRIVIAL, join(repoRoot, '.fanout', 'bundles'))
const imports: number[] = []
for (let i = 0; i < 5; i++) imports.push(await coldImportMs(bundle.path))
importMs = median(imports)

for (let round = 0; round < rounds; round++) {
  const stack = await startStack('fanout-bench-calibrate-')
  try {
    for (const m of SIZES) await runJob(stack, `cal-${round}-${m}`, m)
    await runJob(stack, `cal-${round}-rows`, ROWS_JOB.molecules, ROWS_JOB.atoms)
  } finally {
    await stack.stop()
  }
}

const plan = fitLine(samples.plan)
const reduce = fitLine(samples.reduce)
const overheads = {
  measured: {
    date: new Date().toISOString().slice(0, 10),
    machine: `${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}, load average ${(loadavg()[0] as number).toFixed(1)}), fanout's emulator, ${cores} processes per function`,
    how: `npm run bench:cost:calibrate: ${rounds} rounds of trivial jobs of ${SIZES.join(', ')} one-atom molecules and of ${ROWS_JOB.molecules} molecules of ${(ROWS_JOB.atoms / ROWS_JOB.molecules).toLocaleString('en-US')} rows`,
  },
  workerInitMs: spread(samples.init),
  workerFixedMs: spread(samples.fixed),
  workerUnreportedMs: spread(samples.unreported),
  workerUnreportedMsPerRow:
    Math.round(
      (Math.max(0, median(samples.unreportedBig.map((b) => b.ms)) - median(samples.unreported)) /
        Math.max(1, median(samples.unreportedBig.map((b) => b.rows)) - 1)) *
        1e6,
    ) / 1e6,
  bundleFetchMs: spread(samples.fetch),
  workerBaselineMb: Math.round(percentile(samples.memory, 0.5)),
  planMs: plan.fixed,
  planMsPerMolecule: plan.perMolecule,
  tallyMs: spread(samples.tally),
  reduceMs: reduce.fixed,
  reduceMsPerPartial: reduce.perMolecule,
  clientMs: spread(samples.client),
}
console.log(
  JSON.stringify({
    bench: 'cost-calibrate',
    cores,
    rounds,
    samples: {
      workerInvocations: samples.fixed.length,
      coldWorkers: samples.init.length,
      bundleLoads: samples.fetch.length,
      tallies: samples.tally.length,
      jobs: samples.plan.length,
      bigPartials: samples.unreportedBig.length,
    },
    bundleImportMs: Math.round(importMs * 10) / 10,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    overheads,
  }),
)
