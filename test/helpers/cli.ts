/**
 * Runs the real fanout CLI (`node bin/fanout.js`) as a child process, as a
 * user would: in a fresh temp directory, with `--root <tmp>/.fanout`, its
 * stdout, stderr and exit code captured, and a timeout that kills it by pid.
 * Every child started here is tracked; {@link stopAllClis} kills the ones
 * still running (call it in `afterEach`/`afterAll`).
 *
 * The CLI runs from `dist/`: build it once with `npm run build` before the
 * suite (the helpers never build, since other processes may be using dist/).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'
import { decodeManifest, type Manifest } from '../../src/core/manifest.js'
import type { ColumnTable } from '../../src/core/table.js'
import { decodeTable } from '../../src/store/parquet.js'

/** The repository root. */
export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
/** The CLI's entry point. */
export const BIN = join(REPO, 'bin', 'fanout.js')
/** `examples/ma-crossover.ts`, absolute. */
export const MA_CROSSOVER = join(REPO, 'examples', 'ma-crossover.ts')

/** A fixture job under `test/fixtures/jobs/`, absolute. */
export function fixtureJob(name: string): string {
  return join(REPO, 'test', 'fixtures', 'jobs', name)
}

/** What a finished CLI run gave. */
export interface CliResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  pid: number
}

/** A CLI process still running. */
export interface CliProcess {
  readonly pid: number
  readonly child: ChildProcess
  /** What it wrote so far. */
  stdout(): string
  stderr(): string
  /** Resolves when it has exited and its pipes are closed. */
  readonly done: Promise<CliResult>
}

/** Options of {@link startCli}. */
export interface CliOptions {
  /** The working directory; also where `--root <cwd>/.fanout` points. */
  cwd: string
  /** Append `--root <cwd>/.fanout`. @default true */
  root?: boolean
  /** Kill the child (SIGKILL, by pid) after this long and fail. @default 30000 */
  timeoutMs?: number
  /** Extra environment (e.g. AWS_ENDPOINT_URL for the emulator). */
  env?: Record<string, string>
}

const running = new Set<ChildProcess>()

function assertBuilt(): void {
  if (
    !existsSync(join(REPO, 'dist', 'cli.js')) ||
    !existsSync(join(REPO, 'dist', 'threadWorker.js'))
  ) {
    throw new Error(`${join(REPO, 'dist')} is incomplete: run \`npm run build\` first`)
  }
}

/** Start `node bin/fanout.js ...args` in `options.cwd`, without a TTY. */
export function startCli(args: readonly string[], options: CliOptions): CliProcess {
  assertBuilt()
  const argv = [BIN, ...args]
  if (options.root ?? true) argv.push('--root', join(options.cwd, '.fanout'))
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
  })
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${argv.join(' ')}`)
  running.add(child)
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  const timeoutMs = options.timeoutMs ?? 30_000
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killPid(pid)
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      running.delete(child)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      running.delete(child)
      if (timedOut) {
        reject(
          new Error(
            `fanout ${args.join(' ')} did not finish within ${timeoutMs} ms and was killed\nstdout:\n${out}\nstderr:\n${err}`,
          ),
        )
      } else {
        resolvePromise({ code, signal, stdout: out, stderr: err, pid })
      }
    })
  })
  return { pid, child, stdout: () => out, stderr: () => err, done }
}

/** Run the CLI to the end. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Kill (SIGKILL, by pid) every CLI child of this test file still running, and wait for them. */
export async function stopAllClis(): Promise<void> {
  const children = [...running]
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolvePromise) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolvePromise()
            return
          }
          child.once('close', () => resolvePromise())
          if (child.pid !== undefined) killPid(child.pid)
        }),
    ),
  )
  running.clear()
}

/** A fresh temp directory; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix = 'fanout-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

/** Remove a temp directory made by {@link makeTempDir}. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true })
}

/**
 * A temp working directory for the tests of one `describe`: made before
 * them (handed to `set`), and after them the CLIs they started are stopped
 * and the directory removed.
 *
 * @example
 * ```ts
 * let cwd: string
 * withTempCwd((dir) => {
 *   cwd = dir
 * })
 * ```
 */
export function withTempCwd(set: (dir: string) => void, prefix?: string): void {
  let dir: string | undefined
  beforeAll(async () => {
    dir = await makeTempDir(prefix)
    set(dir)
  })
  afterAll(async () => {
    await stopAllClis()
    if (dir) await removeTempDir(dir)
  })
}

/** Poll `probe` every `intervalMs` until it returns a value other than undefined, or fail at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** `<cwd>/.fanout`, the root the helpers pass. */
export function rootOf(cwd: string): string {
  return join(cwd, '.fanout')
}

/** `<cwd>/.fanout/jobs/<jobId>`. */
export function jobDir(cwd: string, jobId: string): string {
  return join(rootOf(cwd), 'jobs', jobId)
}

/** The job ids under `<cwd>/.fanout/jobs/` (none when the directory does not exist). */
export function jobIds(cwd: string): string[] {
  const dir = join(rootOf(cwd), 'jobs')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

/** Every file under `dir`, as paths relative to it, sorted (none when `dir` does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name)
      if (entry.isDirectory()) walk(path)
      else out.push(relative(dir, path))
    }
  }
  walk(dir)
  return out.sort()
}

/** Each file under `dir` with its bytes and modification time, to prove nothing changed. */
export function snapshotFiles(dir: string): Record<string, { bytes: string; mtimeMs: number }> {
  const out: Record<string, { bytes: string; mtimeMs: number }> = {}
  for (const file of listFiles(dir)) {
    const path = join(dir, file)
    out[file] = {
      bytes: readFileSync(path).toString('base64'),
      mtimeMs: statSync(path).mtimeMs,
    }
  }
  return out
}

/** Decode a Parquet file written by fanout. */
export async function readTable(path: string): Promise<ColumnTable> {
  return (await decodeTable(await readFile(path))).table
}

/** A column's values as a plain array; fails when the column is absent. */
export function columnOf(table: ColumnTable, name: string): unknown[] {
  const column = table.columns.find((c) => c.name === name)
  if (column === undefined) {
    throw new Error(`no column "${name}" (columns: ${table.columns.map((c) => c.name).join(', ')})`)
  }
  return Array.from(column.values as ArrayLike<unknown>)
}

/** A table as `{ columns: name → values }`, comparable with `toEqual`. */
export function plainTable(table: ColumnTable): {
  numRows: number
  columns: Record<string, unknown[]>
} {
  const columns: Record<string, unknown[]> = {}
  for (const c of table.columns) columns[c.name] = Array.from(c.values as ArrayLike<unknown>)
  return { numRows: table.numRows, columns }
}

/** A job's manifest. */
export function readManifest(cwd: string, jobId: string): Manifest {
  const path = join(jobDir(cwd, jobId), 'manifest.json')
  return decodeManifest(readFileSync(path), path, jobId)
}
