/**
 * `fanout run ... --out <file>`: the result is also written as CSV, JSON
 * Lines or Parquet, with the same content as `jobs/<id>/result.parquet`, and
 * the Parquet file is readable by an independent reader (parquetjs-lite).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CliResult,
  jobDir,
  MA_CROSSOVER,
  makeTempDir,
  plainTable,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

interface LiteReader {
  getCursor(columns?: string[]): { nextRowGroup(): Promise<Record<string, unknown>[] | null> }
  close(): Promise<void>
}
interface ParquetJsLite {
  ParquetReader: { openBuffer(buffer: Buffer): Promise<LiteReader> }
}
// parquetjs-lite is CommonJS without type declarations (see test/unit/store/interop.test.ts)
const parquet = createRequire(import.meta.url)('parquetjs-lite') as ParquetJsLite

async function readWithParquetJsLite(
  bytes: Buffer,
  columns?: string[],
): Promise<Record<string, unknown>[]> {
  const reader = await parquet.ParquetReader.openBuffer(bytes)
  try {
    const cursor = reader.getCursor(columns)
    const rows: Record<string, unknown>[] = []
    for (let g = await cursor.nextRowGroup(); g !== null; g = await cursor.nextRowGroup()) {
      rows.push(...g)
    }
    return rows
  } finally {
    await reader.close()
  }
}

// in-process: the output formats do not depend on where the molecules ran
const SMALL = ['--param', 'bars=2000', '--param', 'side=6', '--workers', '1', '--no-progress']
const COLUMNS = ['atom', 'fast', 'slow', 'sharpe']

/** The job's own result, as rows of numbers. */
async function resultRows(cwd: string, jobId: string): Promise<Record<string, number>[]> {
  const { numRows, columns } = plainTable(
    await readTable(join(jobDir(cwd, jobId), 'result.parquet')),
  )
  return Array.from({ length: numRows }, (_, i) =>
    Object.fromEntries(COLUMNS.map((name) => [name, columns[name]?.[i] as number])),
  )
}

describe('fanout run --out', () => {
  let cwd: string
  const runs = new Map<string, CliResult>()

  beforeAll(async () => {
    cwd = await makeTempDir()
    // Act (shared): one run per format, each under its own job id, side by side
    await Promise.all(
      ['csv', 'jsonl', 'parquet'].map(async (format) => {
        const args = ['run', MA_CROSSOVER, ...SMALL, '--job-id', format, '--out', `r.${format}`]
        runs.set(format, await runCli(args, { cwd }))
      }),
    )
  })

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  it.each(['csv', 'jsonl', 'parquet'])(
    'names r.%s in the summary and leaves no temp file next to it',
    (format) => {
      // Prepare
      const run = runs.get(format) as CliResult

      // Act
      const files = readdirSync(cwd).filter((f) => f !== '.fanout')

      // Assess
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toContain(`out       ${join(cwd, `r.${format}`)}`)
      expect(existsSync(join(cwd, `r.${format}`))).toBe(true)
      expect(files.some((f) => f.includes('.tmp-'))).toBe(false)
    },
  )

  it('writes r.csv: a header and one line per result row, numbers round-tripping exactly', async () => {
    // Prepare
    const expected = await resultRows(cwd, 'csv')

    // Act
    const lines = readFileSync(join(cwd, 'r.csv'), 'utf8').split('\n')

    // Assess
    expect(lines[0]).toBe(COLUMNS.join(','))
    expect(lines[lines.length - 1]).toBe('') // ends in a newline
    const rows = lines.slice(1, -1).map((line) => {
      const cells = line.split(',').map(Number)
      return Object.fromEntries(COLUMNS.map((name, c) => [name, cells[c]]))
    })
    expect(rows).toEqual(expected)
  })

  it('writes r.jsonl: one JSON object per result row', async () => {
    // Prepare
    const expected = await resultRows(cwd, 'jsonl')

    // Act
    const text = readFileSync(join(cwd, 'r.jsonl'), 'utf8')

    // Assess
    expect(text.endsWith('\n')).toBe(true)
    const rows = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toEqual(expected)
  })

  it('writes r.parquet, which decodes to the same table as the job result', async () => {
    // Prepare
    const expected = plainTable(await readTable(join(jobDir(cwd, 'parquet'), 'result.parquet')))

    // Act
    const table = plainTable(await readTable(join(cwd, 'r.parquet')))

    // Assess
    expect(table.numRows).toBe(36)
    expect(table).toEqual(expected)
  })

  it('writes r.parquet whose unique-valued columns parquetjs-lite reads', async () => {
    // Prepare
    const expected = await resultRows(cwd, 'parquet')

    // Act
    const rows = await readWithParquetJsLite(readFileSync(join(cwd, 'r.parquet')), [
      'atom',
      'sharpe',
    ])

    // Assess
    expect(rows).toEqual(expected.map(({ atom, sharpe }) => ({ atom, sharpe })))
  })

  it('writes r.parquet that parquetjs-lite reads in full', async () => {
    // Prepare
    const expected = await resultRows(cwd, 'parquet')

    // Act
    const rows = await readWithParquetJsLite(readFileSync(join(cwd, 'r.parquet')))

    // Assess
    expect(rows).toEqual(expected)
  })
})
