/**
 * Tables that arrive one at a time (a job's partials, in molecule order) and
 * are written out one at a time: the union of their columns, known up front
 * from their footers, and each table aligned to it, so that a result larger
 * than memory can be written partial by partial with the same columns,
 * types and nulls as {@link concatTables} gives the whole.
 */
import { StoreError } from '../core/errors.js'
import { ATOM_COLUMN, type Column, type ColumnTable } from '../core/table.js'
import type { Scalar } from '../core/types.js'
import type { ColumnSpec } from './parquet/decode.js'
import { hasNull, mergeTypes } from './parquet/tables.js'

/** Tables with the union of their columns, to write one after the other. */
export interface TableStream {
  /** Every table's columns, merged: `atom` first, then in order of first appearance. */
  readonly columns: readonly ColumnSpec[]
  /** The tables, in order; each one is read when the writer asks for it. */
  readonly tables: AsyncIterable<ColumnTable>
}

/**
 * The columns of tables written one after another, as {@link concatTables}
 * merges them: `atom` first; a column absent from a table, or nullable in
 * one, is nullable; `null` merges with any type, `int32` with `double` gives
 * `double`.
 *
 * @param schemas - each table's columns, in table order
 * @throws {@link StoreError} naming the column and both types on a conflict
 * @example
 * ```ts
 * unionColumns([[atom, { name: 'x', type: 'int32', nullable: false }], [atom]])
 * // [atom, { name: 'x', type: 'int32', nullable: true }]
 * ```
 */
export function unionColumns(schemas: readonly (readonly ColumnSpec[])[]): ColumnSpec[] {
  const merged = new Map<string, { spec: ColumnSpec; from: number; seen: number }>()
  schemas.forEach((columns, index) => {
    for (const column of columns) {
      const known = merged.get(column.name)
      if (known === undefined) {
        merged.set(column.name, { spec: column, from: index, seen: 1 })
        continue
      }
      const type = mergeTypes(known.spec.type, column.type)
      if (type === undefined) {
        throw new StoreError(
          `cannot combine tables: column "${column.name}" holds ${known.spec.type} values in table ${known.from} but ${column.type} values in table ${index}; a field must keep one type in every row`,
        )
      }
      known.spec = { name: column.name, type, nullable: known.spec.nullable || column.nullable }
      if (type !== known.spec.type) known.from = index
      known.seen++
    }
  })
  if (!merged.has(ATOM_COLUMN)) {
    merged.set(ATOM_COLUMN, {
      spec: { name: ATOM_COLUMN, type: 'int32', nullable: false },
      from: 0,
      seen: schemas.length,
    })
  }
  const specs = [...merged.values()].map(({ spec, seen }) =>
    seen < schemas.length ? { ...spec, nullable: true } : spec,
  )
  const atom = specs.find((s) => s.name === ATOM_COLUMN) as ColumnSpec
  return [atom, ...specs.filter((s) => s.name !== ATOM_COLUMN)]
}

/**
 * `table` with exactly the columns of `specs`, in their order: a missing
 * column is all nulls, an `int32` column of a `double` spec becomes doubles.
 *
 * @throws {@link StoreError} when a column of the table does not fit its spec
 */
export function alignTable(table: ColumnTable, specs: readonly ColumnSpec[]): ColumnTable {
  const byName = new Map(table.columns.map((column) => [column.name, column]))
  const columns: Column[] = specs.map((spec) => {
    const column = byName.get(spec.name)
    if (column === undefined || column.type === 'null') {
      return {
        name: spec.name,
        type: spec.type,
        values: new Array<Scalar>(table.numRows).fill(null),
      }
    }
    if (column.type === spec.type) return column
    if (column.type === 'int32' && spec.type === 'double') {
      const values = hasNull(column.values)
        ? Array.from(column.values)
        : Float64Array.from(column.values as ArrayLike<number>)
      return { name: spec.name, type: 'double', values }
    }
    throw new StoreError(
      `cannot write column "${spec.name}": this table holds ${column.type} values, the others ${spec.type}`,
    )
  })
  return { numRows: table.numRows, columns }
}
