import type { FileHandle } from 'node:fs/promises'
import type { ColumnSource, SchemaElement } from 'hyparquet-writer'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { StoreError } from '../../core/errors.js'
import type { ColumnTable } from '../../core/table.js'
import type { ColumnSpec } from './decode.js'
import { physicalValues, schemaElement, setFormatVersion1 } from './encode.js'

/** Buffered bytes are written to the file once past this size. */
const FLUSH_BYTES = 1 << 20

/**
 * hyparquet-writer's byte sink, flushed to a file after every row group (and
 * whenever a megabyte is buffered), so that only one row group is ever held.
 * At the end the footer is still whole in the buffer: its format version is
 * patched to 1 there, as {@link encodeTable} does, before the last write.
 */
class FileByteWriter extends ByteWriter {
  #pending: Promise<unknown> = Promise.resolve()

  constructor(private readonly file: FileHandle) {
    super(FLUSH_BYTES * 2)
  }

  #drain(): Promise<unknown> {
    if (this.index === 0) return this.#pending
    // a copy: the buffer is reused as soon as this returns
    const chunk = new Uint8Array(this.buffer.slice(0, this.index))
    this.index = 0
    this.#pending = this.#pending.then(() => this.file.write(chunk))
    return this.#pending
  }

  flush(): Promise<void> {
    return this.#drain().then(() => undefined)
  }

  override finish(): Promise<void> {
    setFormatVersion1(new Uint8Array(this.buffer, 0, this.index))
    return this.#drain().then(() => undefined)
  }
}

/**
 * Writes a Parquet file table by table (one or more row groups each), so that
 * a file larger than memory can be written from tables read one at a time.
 * The columns are fixed up front; every table must have exactly those
 * columns (see `alignTable`). Encoding as {@link encodeTable} with
 * `dictionary: false`: SNAPPY, PLAIN, format version 1.
 *
 * @example
 * ```ts
 * const writer = new ParquetStreamWriter(await open(path, 'w'), columns)
 * for await (const table of tables) await writer.write(table)
 * await writer.finish()
 * ```
 */
export class ParquetStreamWriter {
  readonly #parquet: ParquetWriter
  readonly #specs: readonly ColumnSpec[]
  rows = 0

  constructor(file: FileHandle, specs: readonly ColumnSpec[]) {
    this.#specs = specs
    const schema: SchemaElement[] = [
      { name: 'root', num_children: specs.length },
      ...specs.map((spec) => schemaElement(spec, spec.nullable || spec.type === 'null')),
    ]
    this.#parquet = new ParquetWriter({
      writer: new FileByteWriter(file),
      schema,
      codec: 'SNAPPY',
      statistics: false,
      createdBy: 'fanout (hyparquet-writer)',
    })
  }

  /** Append a table's rows as row groups of up to 1M rows. */
  async write(table: ColumnTable): Promise<void> {
    if (table.numRows === 0) return
    const columnData: ColumnSource[] = table.columns.map((column, i) => {
      const spec = this.#specs[i]
      if (spec?.name !== column.name) {
        throw new StoreError(
          `cannot write column "${column.name}" at position ${i}: the file's column there is "${spec?.name}"`,
        )
      }
      const { data, encoding } = physicalValues(column, false)
      return encoding === undefined
        ? { name: column.name, data }
        : { name: column.name, data, encoding }
    })
    try {
      await this.#parquet.write({ columnData, rowGroupSize: 1_000_000 })
    } catch (error) {
      throw new StoreError(`cannot write the table as Parquet: ${(error as Error).message}`, {
        cause: error,
      })
    }
    this.rows += table.numRows
  }

  /** Write the footer and the last bytes. */
  async finish(): Promise<void> {
    await this.#parquet.finish()
  }
}
