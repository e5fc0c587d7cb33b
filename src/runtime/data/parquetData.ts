/**
 * Parquet through the data-access port: a file's layout from its footer (one
 * ranged read), and rows of a row range read by hyparquet, which fetches only
 * the column chunks of the row groups the range touches.
 */
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
} from 'hyparquet'
import type { DataFile, ParquetLayout } from '../../core/data/access.js'
import { DataError } from '../../core/data/errors.js'

/** Bytes read first for a footer; a larger footer costs a second read. */
const FOOTER_GUESS = 64 * 1024

function asyncBuffer(file: DataFile): AsyncBuffer {
  return {
    byteLength: file.size,
    slice: async (start, end) => {
      const bytes = await file.read(start, end ?? file.size)
      return bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer
    },
  }
}

/** A Parquet file's footer, parsed. */
export async function readParquetFooter(file: DataFile): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(asyncBuffer(file), { initialFetchSize: FOOTER_GUESS })
  } catch (error) {
    throw new DataError(
      `${file.location} is not a readable Parquet file: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

/** The layout the core's `chunks` plans with: rows and byte span of each row group. */
export function layoutOf(metadata: FileMetaData): ParquetLayout {
  const rowGroups = metadata.row_groups.map((group) => {
    let start = Number.POSITIVE_INFINITY
    let end = 0
    for (const column of group.columns) {
      const meta = column.meta_data
      if (!meta) continue
      const first = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
      start = Math.min(start, first)
      end = Math.max(end, first + Number(meta.total_compressed_size))
    }
    return { rows: Number(group.num_rows), start: Number.isFinite(start) ? start : 0, end }
  })
  const columns = metadata.schema
    .slice(1)
    .filter((e) => !e.num_children)
    .map((e) => e.name)
  return { numRows: Number(metadata.num_rows), columns, rowGroups }
}

/** Rows `[rowStart, rowEnd)` as objects (int64 as bigint, timestamps as Date). */
export async function readParquetRows(
  file: DataFile,
  metadata: FileMetaData,
  rowStart: number,
  rowEnd: number,
  columns?: readonly string[],
): Promise<Record<string, unknown>[]> {
  const end = Math.min(rowEnd, Number(metadata.num_rows))
  if (end <= rowStart) return []
  try {
    return await parquetReadObjects({
      file: asyncBuffer(file),
      metadata,
      rowStart,
      rowEnd: end,
      ...(columns ? { columns: [...columns] } : {}),
    })
  } catch (error) {
    throw new DataError(
      `cannot read rows ${rowStart} to ${end - 1} of ${file.location}: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

/**
 * The footers of the Parquet files one data access reads, each read once
 * (a failed read is forgotten, so it is tried again), and rows read with them.
 */
export class ParquetFooters {
  readonly #footers = new Map<string, Promise<FileMetaData>>()

  footer(file: DataFile): Promise<FileMetaData> {
    let footer = this.#footers.get(file.id)
    if (!footer) {
      footer = readParquetFooter(file)
      this.#footers.set(file.id, footer)
      footer.catch(() => this.#footers.delete(file.id))
    }
    return footer
  }

  async rows(
    file: DataFile,
    rowStart: number,
    rowEnd: number,
    columns?: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    return readParquetRows(file, await this.footer(file), rowStart, rowEnd, columns)
  }
}
