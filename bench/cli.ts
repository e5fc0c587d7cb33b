/** Helpers shared by the benchmarks: whole CLI runs, timed from spawn to exit. */
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

export const cores = availableParallelism()

/** The repository root (benchmarks run from there). */
export const repoRoot = process.cwd()

/** A timed child process: wall ms from spawn to exit, its stdout, its exit code. */
export async function timed(
  command: string,
  args: readonly string[],
): Promise<{ ms: number; stdout: string; code: number | null }> {
  const t0 = performance.now()
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => {
    stdout += d
  })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (c) => resolve(c))
  })
  return { ms: performance.now() - t0, stdout, code }
}

/** One whole `fanout run` (node bin/fanout.js, no npx), with its `--json` summary parsed. */
export async function fanoutRun(args: readonly string[], root: string) {
  const r = await timed(process.execPath, [
    join(repoRoot, 'bin', 'fanout.js'),
    'run',
    ...args,
    '--no-progress',
    '--json',
    '--root',
    root,
  ])
  if (r.code !== 0) throw new Error(`fanout run ${args.join(' ')} exited ${r.code}`)
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>
  return { ms: r.ms, summary }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
