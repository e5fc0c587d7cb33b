/**
 * Predicted vs measured cost on fanout's emulator, for three jobs of
 * different shapes: uniform atoms, atoms whose cost grows with the index, and
 * many tiny atoms. Each job runs once with `fanout run --target localstack`,
 * which estimates before it starts (atoms timed in the CLI process, the
 * default overhead table) at the emulator's concurrency (one worker process
 * per core); then the worker GB-seconds are measured two ways:
 * - `lambda`: what Lambda bills, from the emulated Lambda's REPORT lines
 *   (INIT + Duration per invocation, rounded up to 1 ms, as AWS bills since
 *   August 2025) × the worker's memory;
 * - `summary`: the run summary's figure (the workers' own billed figures from
 *   the manifest, plus the measured per-invocation part they leave out).
 * Target: every measured figure inside the predicted range, the mid
 * estimate within ±20%. One JSON line per job, with the core count.
 *
 * What limits the prediction here: the emulator's workers share this
 * machine's cores with moto, the gateway and the tally (and run at a lower
 * CPU priority than they do), and other programs on a shared machine take
 * cores at random, while the atoms were timed by their CPU time in the CLI
 * process; Lambda gives each worker its own vCPU. `atomsMs` shows it: the
 * sampled atom time × atoms (what a vCPU of its own would take) beside the
 * wall time the workers' atoms took.
 *
 * A fourth job, `waiting`, whose atoms block instead of computing, checks the
 * rest of the model (overheads, cold starts, the partial's write) where CPU
 * contention cannot distort it.
 *
 * `npm run bench:cost` (BENCH_COST_JOBS=uniform,growing,tiny,waiting to pick).
 */
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { cores, repoRoot } from './cli.js'
import { billedAsAws, fanout, invocationsOf, lastJson, startStack } from './costEmulator.js'

const MEMORY_MB = 1769

const JOBS = [
  {
    name: 'uniform',
    file: 'costUniform.ts',
    args: ['--param', 'atoms=1200', '--param', 'iterations=100000', '--molecules', '8'],
  },
  {
    name: 'growing',
    file: 'costGrowing.ts',
    args: ['--param', 'atoms=1200', '--param', 'iterations=100000', '--molecules', '8'],
  },
  { name: 'tiny', file: 'costTiny.ts', args: ['--param', 'atoms=200000', '--molecules', '16'] },
  // not one of the three shapes: atoms that wait, a check of the rest of the model apart from CPU
  {
    name: 'waiting',
    file: 'costWaiting.ts',
    args: ['--param', 'atoms=400', '--param', 'ms=5', '--molecules', '8'],
  },
]
const picked = (process.env.BENCH_COST_JOBS ?? 'uniform,growing,tiny,waiting').split(',')

interface Range {
  low: number
  mid: number
  high: number
}
interface Summary {
  wallMs: number
  atoms: number
  molecules: number
  cost: { workers: { gbSeconds: number }; cost: { totalUsd: number } }
  estimate: {
    workers: { gbSeconds: Range }
    usd: Range
    wallMs: Range
    containers: number
    sample: { atomMs: number; points: number; passes: number }
  } | null
}

const r3 = (x: number) => Math.round(x * 1000) / 1000
const within = (x: number, r: Range) => x >= r.low && x <= r.high
const error = (x: number, mid: number) => Math.round(((x - mid) / mid) * 1000) / 10

const stack = await startStack('fanout-bench-cost-')
try {
  for (const job of JOBS.filter((j) => picked.includes(j.name))) {
    const jobId = `cost-${job.name}`
    const since = Date.now()
    const loadBefore = loadavg()[0] as number
    const r = await fanout(
      [
        'run',
        join(repoRoot, 'bench', 'jobs', job.file),
        ...job.args,
        '--target',
        'localstack',
        '--root',
        stack.root,
        '--job-id',
        jobId,
        '--memory',
        String(MEMORY_MB),
        '--concurrency',
        String(cores),
        '--no-progress',
        '--json',
      ],
      stack.env,
    )
    if (r.code !== 0) throw new Error(`run ${jobId} exited ${r.code}: ${r.stderr}`)
    const s = lastJson<Summary>(r.stdout)
    if (!s.estimate) throw new Error(`run ${jobId} made no estimate`)
    const workers = await invocationsOf(stack, 'worker', jobId, since)
    const lambdaGbs =
      (workers.reduce((sum, w) => sum + billedAsAws(w), 0) * (MEMORY_MB / 1024)) / 1000
    const summaryGbs = s.cost.workers.gbSeconds
    // what limits the prediction here: the workers' atoms took longer (wall) than the same atoms
    // took when sampled (CPU time, on a core of their own)
    const atomsWallMs = workers.reduce((sum, w) => sum + Number(w.line?.durationMs ?? 0), 0)
    const atomsSampledMs = s.estimate.sample.atomMs * s.atoms
    const predicted = s.estimate.workers.gbSeconds
    console.log(
      JSON.stringify({
        bench: 'cost',
        job: job.name,
        cores,
        molecules: s.molecules,
        memoryMb: MEMORY_MB,
        sampledAtomMs: r3(s.estimate.sample.atomMs),
        predictedWorkerGbSeconds: {
          low: r3(predicted.low),
          mid: r3(predicted.mid),
          high: r3(predicted.high),
        },
        measuredWorkerGbSeconds: { lambda: r3(lambdaGbs), summary: r3(summaryGbs) },
        inRange: { lambda: within(lambdaGbs, predicted), summary: within(summaryGbs, predicted) },
        midErrorPercent: {
          lambda: error(lambdaGbs, predicted.mid),
          summary: error(summaryGbs, predicted.mid),
        },
        atomsMs: { sampled: Math.round(atomsSampledMs), workers: Math.round(atomsWallMs) },
        workerInvocations: workers.length,
        coldWorkers: workers.filter((w) => w.initMs > 0).length,
        predictedUsd: {
          low: s.estimate.usd.low,
          mid: s.estimate.usd.mid,
          high: s.estimate.usd.high,
        },
        measuredUsd: s.cost.cost.totalUsd,
        predictedWallMs: {
          low: Math.round(s.estimate.wallMs.low),
          mid: Math.round(s.estimate.wallMs.mid),
          high: Math.round(s.estimate.wallMs.high),
        },
        wallMs: Math.round(s.wallMs),
        // this machine's 1-minute load average before and after the run (other programs included)
        loadAverage: [
          Math.round(loadBefore * 100) / 100,
          Math.round((loadavg()[0] as number) * 100) / 100,
        ],
      }),
    )
  }
} finally {
  await stack.stop()
}
