import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { ColumnTable } from '../core/table.js'
import { encodeTable } from './parquet.js'
import { encodeCsv, encodeJsonl, formatFromPath } from './textFormats.js'

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
