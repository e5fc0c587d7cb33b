import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  formatLogLine,
  functionLogPath,
  LogWriter,
  listFunctionLogs,
  parseLogLine,
  readFunctionLogs,
} from '../../../src/emulator/logs.js'

let stateDir: string

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fanout-logs-'))
})

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true })
})

describe('log lines', () => {
  it('round-trips messages with tabs, newlines and backslashes on one line', () => {
    // Prepare
    const event = {
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      message: 'id\tERROR\tone\ntwo \\n three\\',
    }
    // Act
    const line = formatLogLine(event)
    const parsed = parseLogLine(line.trimEnd())
    // Assess
    expect(line.startsWith('2026-01-02T03:04:05.006Z\t')).toBe(true)
    expect(line.indexOf('\n')).toBe(line.length - 1)
    expect(parsed).toEqual(event)
  })

  it('ignores lines that are not log lines', () => {
    // Prepare
    const lines = ['', 'no tab here', 'not-a-date\tmessage']
    // Act
    const parsed = lines.map(parseLogLine)
    // Assess
    expect(parsed).toEqual([undefined, undefined, undefined])
  })

  it('keeps function names inside the logs directory', () => {
    // Prepare
    const name = '../../etc/passwd'
    // Act
    const path = functionLogPath(stateDir, name)
    // Assess
    expect(dirname(path)).toBe(join(stateDir, 'logs'))
    expect(basename(path)).not.toContain('/')
  })
})

describe('LogWriter and readFunctionLogs', () => {
  it('appends per function and reads back with filters', async () => {
    // Prepare
    const writer = new LogWriter(stateDir)
    writer.write('alpha', 'START RequestId: a1 Version: $LATEST', 1000)
    writer.write('alpha', 'a1\tINFO\tjob-7 molecule 3', 2000)
    writer.write('beta', 'START RequestId: b1 Version: $LATEST', 2500)
    writer.write('alpha', 'END RequestId: a1', 3000)
    await writer.close()
    // Act
    const all = await readFunctionLogs({ stateDir, functionName: 'alpha' })
    const since = await readFunctionLogs({ stateDir, functionName: 'alpha', since: new Date(2000) })
    const containing = await readFunctionLogs({
      stateDir,
      functionName: 'alpha',
      contains: 'job-7',
    })
    const last = await readFunctionLogs({ stateDir, functionName: 'alpha', limit: 1 })
    const none = await readFunctionLogs({ stateDir, functionName: 'never-ran' })
    // Assess
    expect(all.map((e) => e.timestamp)).toEqual([1000, 2000, 3000])
    expect(since.map((e) => e.message)).toEqual(['a1\tINFO\tjob-7 molecule 3', 'END RequestId: a1'])
    expect(containing).toHaveLength(1)
    expect(last[0]?.message).toBe('END RequestId: a1')
    expect(none).toEqual([])
    expect(await listFunctionLogs(stateDir)).toEqual(['alpha', 'beta'])
  })

  it('skips garbage lines in a log file', async () => {
    // Prepare
    await writeFile(
      functionLogPath(stateDir, 'mixed'),
      `garbage\n${formatLogLine({ timestamp: 5, message: 'ok' })}\n\n`,
    )
    // Act
    const events = await readFunctionLogs({ stateDir, functionName: 'mixed' })
    // Assess
    expect(events).toEqual([{ timestamp: 5, message: 'ok' }])
  })
})
