/**
 * The cloud path on fanout's Docker-less emulator, side by side with the local
 * executor in one run:
 * - dispatch rate: a 1000-molecule job of trivial atoms; time from
 *   StartExecution until every molecule has been invoked (target ≥ 300/s);
 * - end-to-end: that job through `fanout run --target localstack` vs `--target local`;
 * - the worker bundle: bytes minified with @aws-sdk/* external (target ≤ 1 MB)
 *   and its cold import time in Node (target ≤ 150 ms);
 * - the signer's cost to a cold function: import plus first signed request with
 *   aws4fetch, with fanout's SignedFetch (aws4fetch + p-retry) and with the AWS
 *   SDK's signer, against the same request unsigned (fanout keeps a library
 *   signer unless it costs more than 20 ms).
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

const workerEnv = {
  FANOUT_BUCKET: 'bench',
  FANOUT_WORKER_FUNCTION: 'bench',
  AWS_REGION: 'us-east-1',
}

/** The stdout of `script` (an ES module) run in a fresh Node process. */
function freshNode(script: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let s = ''
    c.stdout.on('data', (d: Buffer) => {
      s += d.toString('utf8')
    })
    c.once('error', reject)
    c.once('exit', (code) =>
      code === 0 ? resolve(s) : reject(new Error(`a fresh node exited ${code}`)),
    )
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
    times.push(Number((await freshNode(script, workerEnv)).trim()))
  }
  return {
    bytes: statSync(outfile).size,
    importMs: median(times),
    allImportMs: times.map((t) => round(t)),
  }
}

/**
 * Signers side by side: each one's module, bundled as the functions are, and a
 * request that uses it. Every probe loads node:crypto, as the worker does
 * anyway (bundle hashes), so that only the signer's own cost differs.
 */
const SIGNER_PROBES: Record<string, string> = {
  unsigned: `import 'node:crypto'
    export async function first(url) { return fetch(url) }`,
  aws4fetch: `import 'node:crypto'
    import { AwsV4Signer } from 'aws4fetch'
    const cache = new Map()
    export async function first(url) {
      const signer = new AwsV4Signer({ url, method: 'GET', accessKeyId: 'test', secretAccessKey: 'test',
        service: 's3', region: 'us-east-1', cache, allHeaders: true })
      return fetch(url, { headers: (await signer.sign()).headers })
    }`,
  sdkSigner: `import { SignatureV4 } from '@smithy/signature-v4'
    import { createHash, createHmac } from 'node:crypto'
    class Sha256 {
      constructor(key) { this.h = key === undefined ? createHash('sha256') : createHmac('sha256', key) }
      update(data) { this.h.update(data) }
      async digest() { return new Uint8Array(this.h.digest()) }
      reset() {}
    }
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, uriEscapePath: false })
    export async function first(url) {
      const u = new URL(url)
      const signed = await signer.sign({ method: 'GET', protocol: u.protocol, hostname: u.hostname,
        port: Number(u.port), path: u.pathname, query: {},
        headers: { host: u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })
      return fetch(url, { headers: signed.headers })
    }`,
  signedFetch: `import 'node:crypto'
    import { SignedFetch } from './src/aws/signedFetch.ts'
    const client = new SignedFetch({ accessKeyId: 'test', secretAccessKey: 'test' }, 's3', 'us-east-1')
    export async function first(url) { return client.fetch(url, { method: 'GET' }) }`,
}

/**
 * The signer's cost to a cold function: in fresh processes (21 of each,
 * interleaved, medians: one process is too noisy on a shared machine), the import of each probe's bundle, its first signed GET (the
 * one that pays for Web Crypto or node:crypto setup) and a second one, ms.
 */
async function signerCosts(url: string) {
  const files: Record<string, string> = {}
  for (const [name, contents] of Object.entries(SIGNER_PROBES)) {
    files[name] = join(repoRoot, '.fanout', 'bench', `signer-${name}.mjs`)
    await build({
      stdin: { contents, resolveDir: repoRoot, loader: 'ts' },
      outfile: files[name],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    })
  }
  const samples: Record<string, { importMs: number; firstMs: number; secondMs: number }[]> =
    Object.fromEntries(Object.keys(files).map((name) => [name, []]))
  for (let i = 0; i < 21; i++) {
    for (const [name, file] of Object.entries(files)) {
      const script = `const t0 = performance.now()
        const m = await import(${JSON.stringify(`file://${file}`)})
        const t1 = performance.now()
        await (await m.first(${JSON.stringify(url)})).arrayBuffer()
        const t2 = performance.now()
        await (await m.first(${JSON.stringify(url)})).arrayBuffer()
        console.log(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, secondMs: performance.now() - t2 }))`
      samples[name]?.push(JSON.parse(await freshNode(script)))
    }
  }
  const medians = Object.fromEntries(
    Object.entries(samples).map(([name, runs]) => {
      const m = (k: 'importMs' | 'firstMs' | 'secondMs') => round(median(runs.map((r) => r[k])))
      return [
        name,
        {
          importMs: m('importMs'),
          firstRequestMs: m('firstMs'),
          secondRequestMs: m('secondMs'),
          bytes: statSync(files[name] as string).size,
        },
      ]
    }),
  )
  return medians as Record<
    string,
    { importMs: number; firstRequestMs: number; secondRequestMs: number; bytes: number }
  >
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
  const signers = await signerCosts(`${endpoint}/${deployed.bucket}/bench/no-such-key`)
  const coldMs = (name: string) =>
    (signers[name]?.importMs ?? 0) + (signers[name]?.firstRequestMs ?? 0)
  console.log(
    JSON.stringify({
      bench: 'signer-cold-start',
      ...signers,
      aws4fetchOverUnsignedMs: round(coldMs('aws4fetch') - coldMs('unsigned')),
      signedFetchOverUnsignedMs: round(coldMs('signedFetch') - coldMs('unsigned')),
      sdkSignerOverUnsignedMs: round(coldMs('sdkSigner') - coldMs('unsigned')),
      keepOwnSignerAboveMs: 20,
      cores,
    }),
  )
} finally {
  await stopEmulator({ stateDir })
  rmSync(dir, { recursive: true, force: true })
}
