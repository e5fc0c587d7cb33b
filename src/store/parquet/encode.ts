import type { DecodedArray } from 'hyparquet'
import type { ColumnSource, SchemaElement as WriterSchemaElement } from 'hyparquet-writer'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { StoreError } from '../../core/errors.js'
import type { Column, ColumnTable } from '../../core/table.js'
import type { Scalar } from '../../core/types.js'
import { hasNull } from './tables.js'

/**
 * Rows per row group. Large groups keep the footer small and the write fast;
 * result files of fanout are read whole, so there is little to gain from
 * smaller groups.
 */
const ROW_GROUP_SIZE = 1_000_000

/** Distinct strings remembered while encoding a string column; past this it is written PLAIN. */
const STRING_CACHE_LIMIT = 1 << 16

/** Strings encoded per batch when a string column has too many distinct values to cache. */
const ENCODE_BATCH = 4096

// hyparquet-writer depends on its own copy of hyparquet, so its types are its own
type Encoding = NonNullable<ColumnSource['encoding']>

/** Options of {@link encodeTable}. */
export interface EncodeOptions {
  /** Key-value metadata stored in the file footer. @default {} */
  metadata?: Record<string, string>
  /**
   * Allow dictionary encoding for columns whose values repeat (it makes such
   * files many times smaller and repeated strings much faster to read).
   * `false` writes every column PLAIN, which readers without `RLE_DICTIONARY`
   * support, such as parquetjs-lite, need.
   * @default true
   */
  dictionary?: boolean
}

/**
 * Write a table as a Parquet file (hyparquet-writer, SNAPPY, data page v2).
 *
 * Types: `double` → DOUBLE, `int32` → INT32, `int64` → INT64, `boolean` →
 * BOOLEAN, `string` → BYTE_ARRAY UTF8, `timestamp` → INT64 TIMESTAMP(MILLIS,
 * UTC), `null` → an OPTIONAL BYTE_ARRAY annotated with the NULL (unknown)
 * logical type. A column is OPTIONAL only when it holds a null. Column
 * statistics are not written (they double the write time, and fanout reads its
 * files whole). Booleans are always PLAIN (readers such as parquetjs-lite
 * misread RLE booleans). The footer says format version 1, as parquet-mr
 * writes, because parquetjs-lite refuses any other.
 *
 * A table with 0 rows still gives a valid file with the schema.
 *
 * @throws {@link StoreError} when a column's length differs from `numRows`, a
 * timestamp is an invalid Date, or a value does not fit its column type.
 * @example
 * ```ts
 * const bytes = encodeTable(table, { metadata: { 'fanout.job': 'sweep-1' } })
 * ```
 */
export function encodeTable(table: ColumnTable, options: EncodeOptions = {}): Uint8Array {
  const dictionary = options.dictionary ?? true
  const schema: WriterSchemaElement[] = [{ name: 'root', num_children: table.columns.length }]
  const columnData: ColumnSource[] = []
  for (const column of table.columns) {
    if (column.values.length !== table.numRows) {
      throw new StoreError(
        `cannot write column "${column.name}": it has ${column.values.length} values but the table has ${table.numRows} rows`,
      )
    }
    const nullable = column.type === 'null' || hasNull(column.values)
    schema.push(schemaElement(column, nullable))
    const { data, encoding } = physicalValues(column, dictionary)
    const source: ColumnSource = { name: column.name, data }
    if (encoding !== undefined) source.encoding = encoding
    columnData.push(source)
  }
  let buffer: ArrayBuffer
  try {
    buffer = parquetWriteBuffer({
      columnData,
      schema,
      codec: 'SNAPPY',
      statistics: false,
      rowGroupSize: ROW_GROUP_SIZE,
      kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      createdBy: 'fanout (hyparquet-writer)',
    })
  } catch (error) {
    throw new StoreError(`cannot write the table as Parquet: ${(error as Error).message}`, {
      cause: error,
    })
  }
  return setFormatVersion1(new Uint8Array(buffer))
}

/**
 * The Parquet schema element of a column of `type` (see {@link encodeTable}
 * for the mapping), OPTIONAL when `nullable`.
 */
export function schemaElement(
  column: Pick<Column, 'name' | 'type'>,
  nullable: boolean,
): WriterSchemaElement {
  const name = column.name
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED'
  switch (column.type) {
    case 'double':
      return { name, type: 'DOUBLE', repetition_type }
    case 'int32':
      return { name, type: 'INT32', repetition_type }
    case 'int64':
      return { name, type: 'INT64', repetition_type }
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type }
    case 'string':
      return {
        name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        repetition_type,
      }
    case 'timestamp':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type,
      }
    case 'null':
      return {
        name,
        type: 'BYTE_ARRAY',
        logical_type: { type: 'NULL' },
        repetition_type: 'OPTIONAL',
      }
  }
}

/** The values as hyparquet-writer takes them, and the encoding to force (undefined: the writer decides). */
export function physicalValues(
  column: Column,
  dictionary: boolean,
): { data: ColumnSource['data']; encoding?: Encoding } {
  const values = column.values
  const plain: Encoding | undefined = dictionary ? undefined : 'PLAIN'
  switch (column.type) {
    case 'string':
      return utf8Values(values, dictionary)
    case 'timestamp':
      return { data: timestampMillis(column), encoding: plain }
    case 'boolean':
    case 'null':
      return { data: asDecoded(values), encoding: 'PLAIN' }
    default:
      return { data: asDecoded(values), encoding: plain }
  }
}

/**
 * Encode a string column to UTF-8 for the writer (which would otherwise
 * allocate one array per row). Up to {@link STRING_CACHE_LIMIT} distinct
 * values, each distinct string is encoded once and the dictionary is chosen
 * from the exact counts rather than the writer's sample (which misses repeats
 * that follow a pattern); past that the column is written PLAIN, encoded in
 * batches.
 */
function utf8Values(
  values: ArrayLike<Scalar>,
  dictionary: boolean,
): { data: DecodedArray; encoding: Encoding } {
  const encoder = new TextEncoder()
  const distinct = new Map<string, Uint8Array>()
  const data = new Array<Uint8Array | null>(values.length)
  let totalBytes = 0
  let distinctBytes = 0
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null
    if (value === null) {
      data[i] = null
      continue
    }
    let bytes = distinct.get(value)
    if (bytes === undefined) {
      if (distinct.size === STRING_CACHE_LIMIT) {
        return { data: encodeEach(values), encoding: 'PLAIN' }
      }
      bytes = encoder.encode(value)
      distinct.set(value, bytes)
      distinctBytes += bytes.length + 4
    }
    totalBytes += bytes.length + 4
    data[i] = bytes
  }
  const useDictionary = dictionary && totalBytes > 0 && distinctBytes * 2 <= totalBytes
  return { data, encoding: useDictionary ? 'RLE_DICTIONARY' : 'PLAIN' }
}

/** Encode many strings with one encoder call per batch when the batch is ASCII (one allocation instead of thousands). */
function encodeEach(values: ArrayLike<Scalar>): (Uint8Array | null)[] {
  const encoder = new TextEncoder()
  const out = new Array<Uint8Array | null>(values.length)
  for (let start = 0; start < values.length; start += ENCODE_BATCH) {
    const end = Math.min(values.length, start + ENCODE_BATCH)
    let joined = ''
    for (let i = start; i < end; i++) {
      if (values[i] !== null) joined += values[i] as string
    }
    const bytes = encoder.encode(joined)
    const ascii = bytes.length === joined.length
    let offset = 0
    for (let i = start; i < end; i++) {
      const value = values[i] as string | null
      if (value === null) {
        out[i] = null
      } else if (ascii) {
        out[i] = bytes.subarray(offset, offset + value.length)
        offset += value.length
      } else {
        out[i] = encoder.encode(value)
      }
    }
  }
  return out
}

function timestampMillis(column: Column): DecodedArray {
  const values = column.values as ArrayLike<Date | null>
  const out = new Array<bigint | null>(values.length)
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as Date | null
    if (value === null) {
      out[i] = null
      continue
    }
    const millis = value instanceof Date ? value.getTime() : Number.NaN
    if (!Number.isFinite(millis)) {
      throw new StoreError(
        `cannot write column "${column.name}", row ${i}: ${String(value)} is not a valid Date; return a valid Date or null`,
      )
    }
    out[i] = BigInt(millis)
  }
  return out
}

/**
 * hyparquet-writer stamps FileMetaData.version 2; parquet-mr, the reference
 * writer, stamps 1 whatever its page versions, and parquetjs-lite rejects
 * anything but 1. The footer opens with that field: compact-protocol field 1,
 * i32, zigzag varint — bytes 0x15 0x04 for 2, 0x15 0x02 for 1 — so it is
 * patched in place. A footer that does not open so is left alone.
 */
export function setFormatVersion1(bytes: Uint8Array): Uint8Array {
  const end = bytes.length - 8
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const start = end - view.getUint32(end, true)
  if (start >= 0 && bytes[start] === 0x15 && bytes[start + 1] === 0x04) bytes[start + 1] = 0x02
  return bytes
}

function asDecoded(values: ArrayLike<Scalar>): DecodedArray {
  return Array.isArray(values) || ArrayBuffer.isView(values)
    ? (values as DecodedArray)
    : Array.from(values)
}
