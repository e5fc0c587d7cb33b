import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { ColumnTable } from '../core/table.js'
import { ParquetStreamWriter } from './parquet/streamWriter.js'
import { encodeTable } from './parquet.js'
import { alignTable, type TableStream } from './tableStream.js'
import {
  encodeCsv,
  encodeCsvHeader,
  encodeCsvRows,
  encodeJsonl,
  formatFromPath,
} from './textFormats.js'

/** Write a result table to `path` in the format its extension names, atomically. */
export function writeOutput(path: string, table: ColumnTable): string {
  const format = formatFromPath(path)
  const target = resolve(path)
  const body =
    format === 'parquet'
      ? encodeTable(table, { dictionary: false })
      : format === 'csv'
        ? encodeCsv(table)
        : encodeJsonl(table)
  return writeFileAtomic(target, body)
}

/**
 * Write `body` to `path` atomically (a temp file in the same directory, then
 * a rename), creating the directory: a reader sees the old file or the whole
 * new one, never half of it. Returns the absolute path.
 */
export function writeFileAtomic(path: string, body: Uint8Array | string): string {
  const target = resolve(path)
  mkdirSync(dirname(target), { recursive: true })
  const tmp = `${target}.tmp-${process.pid}`
  try {
    writeFileSync(tmp, body)
    renameSync(tmp, target)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw error
  }
  return target
}

/** What {@link writeOutputStream} wrote. */
export interface StreamedOutput {
  /** The absolute path written. */
  path: string
  rows: number
}

/**
 * Write tables that arrive one at a time to `path`, in the format its
 * extension names, holding one table at a time: CSV and JSON Lines are
 * appended table by table, Parquet is written row group by row group (one
 * or more per table). The file appears whole or not at all (a temp file,
 * then a rename). The bytes are those {@link writeOutput} writes for the
 * tables combined, except that a Parquet file has a row group per table.
 *
 * @throws {@link UsageError} for an extension other than .parquet, .csv, .jsonl
 * @example
 * ```ts
 * await writeOutputStream('result.csv', { columns, tables: partials() })
 * ```
 */
export async function writeOutputStream(
  path: string,
  stream: TableStream,
): Promise<StreamedOutput> {
  const format = formatFromPath(path)
  const target = resolve(path)
  mkdirSync(dirname(target), { recursive: true })
  const tmp = `${target}.tmp-${process.pid}-${Date.now().toString(36)}`
  const file = await open(tmp, 'w')
  let rows = 0
  try {
    if (format === 'parquet') {
      const writer = new ParquetStreamWriter(file, stream.columns)
      for await (const table of stream.tables) await writer.write(alignTable(table, stream.columns))
      await writer.finish()
      rows = writer.rows
    } else {
      if (format === 'csv') await file.write(encodeCsvHeader(stream.columns))
      for await (const table of stream.tables) {
        const aligned = alignTable(table, stream.columns)
        await file.write(format === 'csv' ? encodeCsvRows(aligned) : encodeJsonl(aligned))
        rows += table.numRows
      }
    }
    await file.close()
    await rename(tmp, target)
  } catch (error) {
    await file.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw error
  }
  return { path: target, rows }
}
