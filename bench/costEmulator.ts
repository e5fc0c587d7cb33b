/**
 * Shared by the cost benchmarks: fanout's emulator with the real stack
 * deployed, CLI runs against it, and the emulated Lambda's records of a job —
 * every invocation's REPORT line (Duration, Init Duration, Max Memory Used)
 * joined by request id with the function's own log line for that job (a
 * worker's loadMs, durationMs and billedMs).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DeployedStack, readDeployment } from '../src/aws/client/deploy.js'
import { freePort, startEmulator, stopEmulator } from '../src/emulator/index.js'
import { readFunctionLogs } from '../src/emulator/logs.js'
import { cores, repoRoot } from './cli.js'

/** An emulator with the stack deployed, in a temp directory of its own. */
export interface EmulatedStack {
  dir: string
  root: string
  stateDir: string
  env: Record<string, string>
  deployed: DeployedStack
  /** Stop the emulator (every process it started) and remove the directory. */
  stop(): Promise<void>
}

/** `fanout <args>` as a child process with `env`; its stdout, stderr and exit code. */
export function fanout(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'fanout.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8')
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8')
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 }))
  })
}

/** The last line of `stdout` as JSON (the `--json` output of a command). */
export function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop() as string) as T
}

/**
 * Start the emulator (at most `cores` processes per function, as many as
 * this machine's cores, so that each worker has a core when the machine is
 * otherwise idle) and deploy the stack to it.
 */
export async function startStack(prefix: string): Promise<EmulatedStack> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const root = join(dir, '.fanout')
  const stateDir = join(dir, 'emulator')
  const port = await freePort()
  await startEmulator({ port, stateDir, maxProcessesPerFunction: cores })
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }
  const stop = async () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await stopEmulator({ stateDir })
    rmSync(dir, { recursive: true, force: true })
  }
  // a benchmark stopped with Ctrl-C still stops the emulator it started
  const onSignal = () => {
    void stop().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const d = await fanout(['deploy', '--target', 'localstack', '--root', root], env)
  if (d.code !== 0) {
    await stop()
    throw new Error(`deploy failed:\n${d.stdout}\n${d.stderr}`)
  }
  return { dir, root, stateDir, env, deployed: readDeployment(root, 'localstack'), stop }
}

/** One emulated invocation of a job's function, from its REPORT line and its own log line. */
export interface Invocation {
  requestId: string
  at: number
  durationMs: number
  initMs: number
  maxMemoryMb: number
  /** The function's own log line for the job (JSON fields), when it wrote one. */
  line: Record<string, unknown> | undefined
}

const REPORT =
  /^REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: \d+ ms\tMemory Size: \d+ MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: ([\d.]+) ms)?/

/** Every invocation of `fn` that logged a line naming `jobId`, since `since`. */
export async function invocationsOf(
  stack: EmulatedStack,
  fn: keyof DeployedStack['functions'],
  jobId: string,
  since: number,
): Promise<Invocation[]> {
  const events = await readFunctionLogs({
    stateDir: stack.stateDir,
    functionName: stack.deployed.functions[fn],
    since,
  })
  const lines = new Map<string, Record<string, unknown>>()
  for (const e of events) {
    const start = e.message.indexOf('{')
    if (start < 0 || !e.message.includes(`"jobId":"${jobId}"`)) continue
    try {
      const json = JSON.parse(e.message.slice(start)) as Record<string, unknown>
      const id = json.function_request_id
      if (typeof id === 'string') lines.set(id, json)
    } catch {
      // not a JSON log line
    }
  }
  const out: Invocation[] = []
  for (const e of events) {
    const m = REPORT.exec(e.message)
    if (!m || !lines.has(m[1] as string)) continue
    out.push({
      requestId: m[1] as string,
      at: e.timestamp,
      durationMs: Number(m[2]),
      initMs: m[4] ? Number(m[4]) : 0,
      maxMemoryMb: Number(m[3]),
      line: lines.get(m[1] as string),
    })
  }
  return out
}

/** What AWS bills an invocation since August 2025: INIT plus duration, rounded up to 1 ms. */
export function billedAsAws(i: Invocation): number {
  return Math.max(1, Math.ceil(i.initMs + i.durationMs))
}

/** The p-th percentile (0..1) of some numbers, linear between ranks. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  if (s.length === 0) return 0
  const x = p * (s.length - 1)
  const lo = Math.floor(x)
  const hi = Math.min(s.length - 1, lo + 1)
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (x - lo)
}

/** 10th percentile, median, 90th percentile, rounded to 0.1. */
export function spread(values: readonly number[]): { low: number; mid: number; high: number } {
  const r = (x: number) => Math.round(x * 10) / 10
  return {
    low: r(percentile(values, 0.1)),
    mid: r(percentile(values, 0.5)),
    high: r(percentile(values, 0.9)),
  }
}
