/**
 * Runs a command (npm, npx, node, tsc) as a child in its own process group,
 * with its output captured and a deadline. `npm` and `npx` start children of
 * their own, so a timeout (or {@link stopAll}) kills the whole group by the
 * child's pid, never by name.
 */
import { spawn } from 'node:child_process'

/** What a finished command gave. */
export interface CommandResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Options of {@link runCommand}. */
export interface CommandOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Kill the group and fail after this long. @default 120000 */
  timeoutMs?: number
}

const running = new Set<number>()

/**
 * The environment for a child npm: the caller's, minus what an outer `npm
 * test` sets for its own package (`npm_package_*`, `npm_lifecycle_*`, the
 * prefix...), which would point the child at this repository. The npm cache,
 * registry and user config stay.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'])
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith('npm_') && !keep.has(key.toLowerCase())) continue
    if (key === 'INIT_CWD') continue
    env[key] = value
  }
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra }
}

/** Run `command args` to its end; resolves with its exit code and output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 120_000
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const pid = child.pid
    if (pid === undefined) {
      reject(new Error(`could not start ${command}`))
      return
    }
    running.add(pid)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    const timer = setTimeout(() => {
      killGroup(pid)
      reject(
        new Error(
          `${command} ${args.join(' ')} ran past ${timeoutMs} ms; killed.\n${stdout}\n${stderr}`,
        ),
      )
    }, timeoutMs)
    child.once('error', (error) => {
      clearTimeout(timer)
      killGroup(pid)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      // whatever the command left behind in its group goes with it
      killGroup(pid)
      resolve({ code, stdout, stderr })
    })
  })
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // no process of the group is left
  }
  running.delete(pid)
}

/** Kill every command group still running (call it in `afterAll`). */
export function stopAll(): void {
  for (const pid of [...running]) killGroup(pid)
}
