/**
 * Recovery, measured (issue 7), side by side in one run:
 * - chaos: the same sweep on the emulated cloud, clean and under the chaos mix
 *   (20% crashes, 5% hangs, 5% throttles, 5% S3 failures, injected by the
 *   emulator's gateway): wall time of each (target: chaos ≤ 2 × clean), and rows
 *   lost and rows doubled against the clean result (must be 0 and 0);
 * - stragglers: a job where 2% of molecules run 10× slower in their first
 *   execution, with and without speculative copies, locally and on the emulator.
 * Starts its emulators on free ports and stops them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readDeployment } from '../src/aws/client/deploy.js'
import { connectionFor } from '../src/aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../src/aws/s3/S3ResultStore.js'
import { freePort, startEmulator, stopEmulator } from '../src/emulator/index.js'
import { resultKey } from '../src/store/layout.js'
import { decodeTable } from '../src/store/parquet.js'
import { cores, repoRoot, round, timed } from './cli.js'

const CHAOS = 'crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=15'
const bin = join(repoRoot, 'bin', 'fanout.js')

async function withStack<T>(
  faults: string | undefined,
  fn: (s: Stack) => Promise<T>,
  processes?: number,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-recovery-'))
  const root = join(dir, '.fanout')
  const port = await freePort()
  const stateDir = join(dir, 'emulator')
  await startEmulator({
    port,
    stateDir,
    ...(faults ? { faults } : {}),
    ...(processes ? { maxProcessesPerFunction: processes } : {}),
  })
  const env = { ...process.env, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }
  try {
    const deploy = await timedEnv(env, [
      'deploy',
      '--target',
      'localstack',
      '--root',
      root,
      '-c',
      'workerTimeoutSeconds=8',
    ])
    if (deploy.code !== 0) throw new Error('deploy failed')
    const deployed = readDeployment(root, 'localstack')
    const store = new S3ResultStore(s3ClientFor(connectionFor('localstack', env)), deployed.bucket)
    return await fn({ root, env, store })
  } finally {
    await stopEmulator({ stateDir })
    rmSync(dir, { recursive: true, force: true })
  }
}

interface Stack {
  root: string
  env: NodeJS.ProcessEnv
  store: S3ResultStore
}

async function timedEnv(env: NodeJS.ProcessEnv, args: string[]) {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    return await timed(process.execPath, [bin, ...args])
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
}

async function cloudRun(s: Stack, jobId: string, args: string[]) {
  const r = await timedEnv(s.env, [
    'run',
    ...args,
    '--target',
    'localstack',
    '--job-id',
    jobId,
    '--root',
    s.root,
    '--no-progress',
    '--json',
  ])
  if (r.code !== 0) throw new Error(`fanout run ${jobId} exited ${r.code}`)
  return r.ms
}

async function atomsOf(s: Stack, jobId: string): Promise<number[]> {
  const bytes = await s.store.get(resultKey(jobId))
  if (!bytes) throw new Error(`no result for ${jobId}`)
  const { table } = await decodeTable(bytes)
  return Array.from(table.columns[0]?.values as ArrayLike<number>, Number)
}

const sweep = ['bench/jobs/trivial.ts', '--param', 'atoms=2400', '--molecules', '120']

// chaos vs clean, each on its own emulator, one after the other; at the emulator's default
// pool (8 processes per function) and at 24. A hung execution holds its process until the
// function's 8 s timeout, as it holds its container on Lambda, and a crashed or timed-out one
// takes its process with it: the next invocation pays a cold start (~450 ms of CPU, the
// overhead table's workerInitMs) on the same 2 cores as everything else. The second pool size
// tells whether the pool or the cores are what the faults cost.
for (const processes of [undefined, 24]) {
  const clean = await withStack(
    undefined,
    async (s) => {
      const ms = await cloudRun(s, 'clean', sweep)
      return { ms, atoms: await atomsOf(s, 'clean') }
    },
    processes,
  )
  const chaos = await withStack(
    CHAOS,
    async (s) => {
      const ms = await cloudRun(s, 'chaos-run', sweep)
      return { ms, atoms: await atomsOf(s, 'chaos-run') }
    },
    processes,
  )
  const seen = new Map<number, number>()
  for (const a of chaos.atoms) seen.set(a, (seen.get(a) ?? 0) + 1)
  const lost = clean.atoms.filter((a) => !seen.has(a)).length
  const doubled = [...seen.values()].filter((n) => n > 1).length
  console.log(
    JSON.stringify({
      bench: 'recovery-chaos',
      cores,
      faults: CHAOS,
      processesPerFunction: processes ?? 'default (8)',
      molecules: 120,
      atoms: 2400,
      cleanMs: round(clean.ms),
      chaosMs: round(chaos.ms),
      ratio: round(chaos.ms / clean.ms, 2),
      target: '<= 2',
      rowsLost: lost,
      rowsDoubled: doubled,
    }),
  )
}

// stragglers: 2% of molecules 10x slower in their first execution, with and without copies
const stragglers = ['bench/jobs/stragglers.ts', '--molecules', '100', '--param', 'every=50']
const localRoot = mkdtempSync(join(tmpdir(), 'fanout-bench-stragglers-'))
const local = async (speculate: boolean) => {
  const r = await timed(process.execPath, [
    bin,
    'run',
    ...stragglers,
    speculate ? '--speculate' : '--no-speculate',
    '--workers',
    String(cores),
    '--root',
    localRoot,
    '--no-progress',
    '--json',
  ])
  if (r.code !== 0) throw new Error('straggler run failed')
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
    recovery?: { copies: number; copiesWon: number }
  }
  return { ms: r.ms, copies: summary.recovery?.copies ?? 0, won: summary.recovery?.copiesWon ?? 0 }
}
const localOff = await local(false)
const localOn = await local(true)
rmSync(localRoot, { recursive: true, force: true })
console.log(
  JSON.stringify({
    bench: 'recovery-stragglers-local',
    cores,
    molecules: 100,
    stragglers: 2,
    slowdown: 10,
    withoutSpeculationMs: round(localOff.ms),
    withSpeculationMs: round(localOn.ms),
    speedup: round(localOff.ms / localOn.ms, 2),
    copies: localOn.copies,
    copiesWon: localOn.won,
  }),
)
const cloudStragglers = await withStack(undefined, async (s) => {
  const off = await cloudRun(s, 'no-copies', [...stragglers, '--no-speculate'])
  const on = await cloudRun(s, 'copies', [...stragglers, '--speculate'])
  return { off, on }
})
console.log(
  JSON.stringify({
    bench: 'recovery-stragglers-cloud',
    cores,
    molecules: 100,
    stragglers: 2,
    slowdown: 10,
    withoutSpeculationMs: round(cloudStragglers.off),
    withSpeculationMs: round(cloudStragglers.on),
    speedup: round(cloudStragglers.off / cloudStragglers.on, 2),
  }),
)
