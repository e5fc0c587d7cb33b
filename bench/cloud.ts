/**
 * The cloud path on fanout's Docker-less emulator, side by side with the local
 * executor in one run:
 * - dispatch rate: a 1000-molecule job of trivial atoms; time from
 *   StartExecution until every molecule has been invoked (target ≥ 300/s);
 * - end-to-end: that job through `fanout run --target localstack` vs `--target local`;
 * - the worker bundle: bytes minified with @aws-sdk/* external (target ≤ 1 MB)
 *   and its cold import time in Node (target ≤ 150 ms).
 * Starts the emulator on a free port with its own state directory and stops it.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn'
import { build } from 'esbuild'
import { readDeployment } from '../src/aws/client/deploy.js'
import { clientConfig, connectionFor } from '../src/aws/connection.js'
import { S3ResultStore, s3ClientFor } from '../src/aws/s3/S3ResultStore.js'
import { freePort, startEmulator, stopEmulator } from '../src/emulator/index.js'
import { cores, median, repoRoot, round } from './cli.js'

const molecules = Number(process.env.BENCH_MOLECULES ?? 1000)
const atoms = molecules * 10
const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-cloud-'))
const root = join(dir, '.fanout')
const stateDir = join(dir, 'emulator')

function run(args: string[], env: Record<string, string>) {
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'fanout.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8')
  })
  return new Promise<{ ms: number; stdout: string }>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code === 0) resolve({ ms: performance.now() - t0, stdout })
      else reject(new Error(`fanout ${args.join(' ')} exited ${code}`))
    })
  })
}

/** Bytes of the worker bundle and its cold import time (median of 5 fresh processes). */
async function workerBundle() {
  const outfile = join(repoRoot, '.fanout', 'bench', 'worker-bundle.mjs')
  await build({
    entryPoints: [join(repoRoot, 'functions', 'workerHandler.ts')],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['@aws-sdk/*'],
    banner: {
      js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
    },
    logLevel: 'warning',
  })
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const script = `const t=performance.now();await import(${JSON.stringify(`file://${outfile}`)});console.log(performance.now()-t)`
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: {
          ...process.env,
          FANOUT_BUCKET: 'bench',
          FANOUT_WORKER_FUNCTION: 'bench',
          AWS_REGION: 'us-east-1',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let s = ''
      c.stdout.on('data', (d: Buffer) => {
        s += d.toString('utf8')
      })
      c.once('error', reject)
      c.once('exit', () => resolve(s))
    })
    times.push(Number(out.trim()))
  }
  return {
    bytes: statSync(outfile).size,
    importMs: median(times),
    allImportMs: times.map((t) => round(t)),
  }
}

const port = await freePort()
const endpoint = `http://127.0.0.1:${port}`
const env = { AWS_ENDPOINT_URL: endpoint }
await startEmulator({ port, stateDir })
try {
  const deploy = await run(['deploy', '--target', 'localstack', '--root', root], env)
  const job = [
    'bench/jobs/trivial.ts',
    '--param',
    `atoms=${atoms}`,
    '--molecules',
    String(molecules),
  ]
  const common = ['--no-progress', '--json', '--root', root]
  // the first job meets cold functions (code fetched, processes forked); the second a warm stack
  const cold = await run(['run', ...job, '--target', 'localstack', ...common], env)
  const cloud = await run(['run', ...job, '--target', 'localstack', ...common], env)
  const local = await run(['run', ...job, '--target', 'local', ...common], {})
  const connection = connectionFor('localstack', { ...process.env, ...env })
  const deployed = readDeployment(root, 'localstack')
  const store = new S3ResultStore(s3ClientFor(connection), deployed.bucket)
  const sfn = new SFNClient(clientConfig(connection, 'sfn'))
  for (const [stack, r] of [
    ['cold', cold],
    ['warm', cloud],
  ] as const) {
    const { jobId } = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { jobId: string }
    const record = JSON.parse(
      new TextDecoder().decode(await store.get(`jobs/${jobId}/dispatch.json`)),
    ) as {
      invoked: number
      firstInvokeAt: number
      lastInvokeAt: number
      dispatchMs: number
      planStartedAt: number
    }
    const execution = await sfn.send(
      new DescribeExecutionCommand({
        executionArn: `${deployed.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`,
      }),
    )
    const startMs = execution.startDate?.getTime() ?? record.planStartedAt
    const sinceStart = record.lastInvokeAt - startMs
    console.log(
      JSON.stringify({
        bench: 'cloud-dispatch',
        stack,
        molecules,
        invoked: record.invoked,
        startToPlanMs: round(record.planStartedAt - startMs),
        startToLastInvokeMs: round(sinceStart),
        invocationsPerSecond: round((record.invoked * 1000) / Math.max(sinceStart, 1)),
        planDispatchMs: round(record.dispatchMs),
        planInvocationsPerSecond: round((record.invoked * 1000) / Math.max(record.dispatchMs, 1)),
        target: 300,
        cores,
      }),
    )
  }
  console.log(
    JSON.stringify({
      bench: 'cloud-end-to-end',
      molecules,
      atoms,
      cloudMs: round(cloud.ms),
      coldCloudMs: round(cold.ms),
      localMs: round(local.ms),
      overheadMs: round(cloud.ms - local.ms),
      deployMs: round(deploy.ms),
      cores,
    }),
  )
  const w = await workerBundle()
  console.log(
    JSON.stringify({
      bench: 'worker-bundle',
      bytes: w.bytes,
      targetBytes: 1_000_000,
      coldImportMs: round(w.importMs),
      allImportMs: w.allImportMs,
      targetImportMs: 150,
      cores,
    }),
  )
} finally {
  await stopEmulator({ stateDir })
  rmSync(dir, { recursive: true, force: true })
}
