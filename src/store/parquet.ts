/**
 * fanout's Parquet codec over hyparquet (read) and hyparquet-writer (write):
 * `encode.ts` writes a {@link ColumnTable}, `decode.ts` reads one back (and a
 * footer's key-value metadata alone), `tables.ts` combines and converts tables.
 *
 * @module
 */
export { type DecodedParquet, decodeTable, readParquetMetadata } from './parquet/decode.js'
export { type EncodeOptions, encodeTable } from './parquet/encode.js'
export { concatTables, tableToRows } from './parquet/tables.js'
