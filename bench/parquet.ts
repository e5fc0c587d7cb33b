/**
 * Parquet codec benchmark: fanout's codec (hyparquet-writer / hyparquet)
 * against parquetjs-lite on the same table of 1M rows × 6 columns (atom
 * int32, three doubles, a string of 8 characters from 1000 distinct values,
 * a boolean). Prints one JSON line per measurement:
 *
 * ```json
 * {"bench":"parquet","codec":"hyparquet","op":"write","rows":1000000,"columns":6,"ms":420.1,"rowsPerSec":2380000,"bytes":17400000,"cores":2}
 * ```
 *
 * `ms` is the median of `runs` timed runs after one untimed warm-up. Both
 * codecs go through a file in a temp directory: write = encode + write the
 * file, read = read the file + decode every column (fanout: `decodeTable`,
 * typed arrays; parquetjs-lite: its cursor, one object per row). parquetjs-lite
 * writes SNAPPY, its default row groups and PLAIN/RLE pages.
 *
 * @module
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { mulberry32 } from '../src/core/random.js'
import type { ColumnTable } from '../src/core/table.js'
import { decodeTable, encodeTable } from '../src/store/parquet.js'

/** Options of {@link main}. */
export interface ParquetBenchOptions {
  /** Rows of the table. @default 1_000_000 */
  rows?: number
  /** Timed runs per measurement; the median is printed. @default 3 */
  runs?: number
  /** Where each JSON line goes. @default console.log */
  print?: (line: string) => void
}

/** One printed measurement. */
export interface ParquetBenchResult {
  bench: 'parquet'
  codec: 'hyparquet' | 'parquetjs-lite'
  op: 'write' | 'read'
  rows: number
  columns: 6
  ms: number
  rowsPerSec: number
  bytes: number
  cores: number
}

interface LiteWriter {
  appendRow(row: Record<string, unknown>): Promise<void>
  close(): Promise<void>
}
interface LiteReader {
  getCursor(): { next(): Promise<Record<string, unknown> | null> }
  close(): Promise<void>
}
interface ParquetJsLite {
  ParquetSchema: new (fields: Record<string, { type: string; compression?: string }>) => unknown
  ParquetWriter: { openFile(schema: unknown, path: string): Promise<LiteWriter> }
  ParquetReader: { openFile(path: string): Promise<LiteReader> }
}

/** The benchmark table: atom, x, y, z, label, flag. */
export function benchTable(rows: number): ColumnTable {
  // a seeded PRNG, so every run measures the same data
  const next = mulberry32(42)
  const labels = Array.from({ length: 1000 }, (_, i) => `lbl-${i.toString(36).padStart(4, '0')}`)
  const atom = new Int32Array(rows)
  const x = new Float64Array(rows)
  const y = new Float64Array(rows)
  const z = new Float64Array(rows)
  const label = new Array<string>(rows)
  const flag = new Array<boolean>(rows)
  for (let i = 0; i < rows; i++) {
    atom[i] = i
    x[i] = next() * 2 - 1
    y[i] = Math.round(next() * 1e6) / 100
    z[i] = i * 0.25
    label[i] = labels[Math.floor(next() * labels.length)] as string
    flag[i] = next() < 0.5
  }
  return {
    numRows: rows,
    columns: [
      { name: 'atom', type: 'int32', values: atom },
      { name: 'x', type: 'double', values: x },
      { name: 'y', type: 'double', values: y },
      { name: 'z', type: 'double', values: z },
      { name: 'label', type: 'string', values: label },
      { name: 'flag', type: 'boolean', values: flag },
    ],
  }
}

async function timed(runs: number, fn: () => Promise<void>): Promise<number> {
  await fn()
  const times: number[] = []
  for (let r = 0; r < runs; r++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] as number
}

/**
 * Run the benchmark and print its JSON lines.
 *
 * @example
 * ```ts
 * await main({ rows: 100_000, runs: 1 })
 * ```
 */
export async function main(options: ParquetBenchOptions = {}): Promise<ParquetBenchResult[]> {
  const rows = options.rows ?? 1_000_000
  const runs = options.runs ?? 3
  const print = options.print ?? ((line: string) => console.log(line))
  const table = benchTable(rows)
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-parquet-'))
  const results: ParquetBenchResult[] = []
  const report = (
    codec: ParquetBenchResult['codec'],
    op: ParquetBenchResult['op'],
    ms: number,
    bytes: number,
  ) => {
    const result: ParquetBenchResult = {
      bench: 'parquet',
      codec,
      op,
      rows,
      columns: 6,
      ms: Math.round(ms * 10) / 10,
      rowsPerSec: Math.round(rows / (ms / 1000)),
      bytes,
      cores: cpus().length,
    }
    results.push(result)
    print(JSON.stringify(result))
  }
  try {
    // fanout's codec
    const ours = join(dir, 'hyparquet.parquet')
    report(
      'hyparquet',
      'write',
      await timed(runs, () => writeFile(ours, encodeTable(table))),
      (await stat(ours)).size,
    )
    let decodedRows = 0
    const readMs = await timed(runs, async () => {
      decodedRows = (await decodeTable(await readFile(ours))).table.numRows
    })
    if (decodedRows !== rows)
      throw new Error(`hyparquet read ${decodedRows} rows, expected ${rows}`)
    report('hyparquet', 'read', readMs, (await stat(ours)).size)

    // parquetjs-lite, row by row as its API works
    const parquet = createRequire(import.meta.url)('parquetjs-lite') as ParquetJsLite
    const schema = new parquet.ParquetSchema({
      atom: { type: 'INT32', compression: 'SNAPPY' },
      x: { type: 'DOUBLE', compression: 'SNAPPY' },
      y: { type: 'DOUBLE', compression: 'SNAPPY' },
      z: { type: 'DOUBLE', compression: 'SNAPPY' },
      label: { type: 'UTF8', compression: 'SNAPPY' },
      flag: { type: 'BOOLEAN', compression: 'SNAPPY' },
    })
    const theirs = join(dir, 'parquetjs-lite.parquet')
    const columns = table.columns.map((c) => [c.name, c.values] as const)
    const writeMs = await timed(runs, async () => {
      const writer = await parquet.ParquetWriter.openFile(schema, theirs)
      for (let i = 0; i < rows; i++) {
        const row: Record<string, unknown> = {}
        for (const [name, values] of columns) row[name] = values[i]
        await writer.appendRow(row)
      }
      await writer.close()
    })
    report('parquetjs-lite', 'write', writeMs, (await stat(theirs)).size)
    let readRows = 0
    const liteReadMs = await timed(runs, async () => {
      const reader = await parquet.ParquetReader.openFile(theirs)
      const cursor = reader.getCursor()
      readRows = 0
      while ((await cursor.next()) !== null) readRows++
      await reader.close()
    })
    if (readRows !== rows) throw new Error(`parquetjs-lite read ${readRows} rows, expected ${rows}`)
    report('parquetjs-lite', 'read', liteReadMs, (await stat(theirs)).size)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return results
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}
