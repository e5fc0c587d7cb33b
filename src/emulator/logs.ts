/**
 * Per-function logs of the emulator's Lambda runtime, CloudWatch-like:
 * `<stateDir>/logs/<functionName>.log`, one event per line, written as
 * `<ISO timestamp>\t<message>`. Messages are the handler's console lines
 * (`<requestId>\tINFO\t<text>`) and the runtime's `START`, `END` and `REPORT`
 * lines carrying the request id and durations.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One log event. */
export interface LogEvent {
  /** Milliseconds since the epoch. */
  timestamp: number
  /** The line, without the timestamp. */
  message: string
}

/** Options of {@link readFunctionLogs}. */
export interface ReadLogsOptions {
  /** The emulator's state directory. */
  stateDir: string
  /** The Lambda function name. */
  functionName: string
  /** Only events at or after this time (epoch ms or a Date). */
  since?: number | Date
  /** Only events whose message contains this text (a request id, a job id). */
  contains?: string
  /** Only the last `limit` events (after filtering). */
  limit?: number
}

/** The directory of the per-function log files. */
export function logsDir(stateDir: string): string {
  return join(stateDir, 'logs')
}

/** Function names are `[A-Za-z0-9-_]`; anything else is replaced so a name can never leave the directory. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_')
}

/** The log file of one function. */
export function functionLogPath(stateDir: string, functionName: string): string {
  return join(logsDir(stateDir), `${fileSafe(functionName)}.log`)
}

/**
 * Formats one event as a log-file line. One event is one line: a newline inside
 * the message is written as a backslash and `n`, a backslash is doubled
 * ({@link parseLogLine} undoes both).
 */
export function formatLogLine(event: LogEvent): string {
  const message = event.message.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')
  return `${new Date(event.timestamp).toISOString()}\t${message}\n`
}

/** Parses a log-file line; undefined for a line that is not one. */
export function parseLogLine(line: string): LogEvent | undefined {
  const tab = line.indexOf('\t')
  if (tab < 0) return undefined
  const timestamp = Date.parse(line.slice(0, tab))
  if (Number.isNaN(timestamp)) return undefined
  const message = line
    .slice(tab + 1)
    .replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'))
  return { timestamp, message }
}

/**
 * Reads the log events of one function, oldest first. A function that never
 * ran has no events (no error).
 *
 * @example
 * ```ts
 * const events = await readFunctionLogs({ stateDir: '.fanout/emulator', functionName: 'worker', contains: jobId })
 * ```
 */
export async function readFunctionLogs(options: ReadLogsOptions): Promise<LogEvent[]> {
  let text: string
  try {
    text = await readFile(functionLogPath(options.stateDir, options.functionName), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const since = options.since === undefined ? undefined : Number(options.since)
  const events: LogEvent[] = []
  for (const line of text.split('\n')) {
    const event = parseLogLine(line)
    if (!event) continue
    if (since !== undefined && event.timestamp < since) continue
    if (options.contains !== undefined && !event.message.includes(options.contains)) continue
    events.push(event)
  }
  return options.limit !== undefined ? events.slice(-options.limit) : events
}

/** Names of the functions that have a log file, sorted. */
export async function listFunctionLogs(stateDir: string): Promise<string[]> {
  try {
    const files = await readdir(logsDir(stateDir))
    return files
      .filter((f) => f.endsWith('.log'))
      .map((f) => f.slice(0, -4))
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/** Appends events to the per-function log files; one open stream per function. */
export class LogWriter {
  readonly #stateDir: string
  readonly #streams = new Map<string, WriteStream>()

  constructor(stateDir: string) {
    this.#stateDir = stateDir
    mkdirSync(logsDir(stateDir), { recursive: true })
  }

  /** Appends one line for `functionName`, stamped now. */
  write(functionName: string, message: string, timestamp = Date.now()): void {
    let stream = this.#streams.get(functionName)
    if (!stream) {
      stream = createWriteStream(functionLogPath(this.#stateDir, functionName), { flags: 'a' })
      // A log that cannot be written must never take the gateway down.
      stream.on('error', () => {})
      this.#streams.set(functionName, stream)
    }
    stream.write(formatLogLine({ timestamp, message }))
  }

  /** Flushes and closes every stream. */
  async close(): Promise<void> {
    const streams = [...this.#streams.values()]
    this.#streams.clear()
    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolvePromise) => {
            s.end(() => resolvePromise())
          }),
      ),
    )
  }
}
