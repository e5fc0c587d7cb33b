import { StoreError } from '../../core/errors.js'
import { ATOM_COLUMN, type Column, type ColumnTable, type ColumnType } from '../../core/table.js'
import type { Row, Scalar } from '../../core/types.js'

/** True when a column's values hold a null (typed arrays never do). */
export function hasNull(values: ArrayLike<Scalar>): boolean {
  if (ArrayBuffer.isView(values)) return false
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) return true
  }
  return false
}

/** Where one column of the union comes from while concatenating. */
interface ColumnPlan {
  readonly name: string
  type: ColumnType
  /** Index of the table that set `type`, for the error message. */
  typeFrom: number
}

/**
 * Concatenate tables in the given order. Columns are the union of the
 * tables' columns (`atom` first, then in order of first appearance); a
 * table without a column gets nulls there. A `null` column merges with any
 * type, and `int32` with `double` gives `double`; any other pair of types is
 * a conflict. Dense numeric columns stay typed arrays. A single table is
 * returned as it is.
 *
 * @throws {@link StoreError} naming the column and both types on a conflict.
 * @example
 * ```ts
 * concatTables([a, b]).numRows === a.numRows + b.numRows
 * ```
 */
export function concatTables(tables: readonly ColumnTable[]): ColumnTable {
  if (tables.length === 1) return tables[0] as ColumnTable
  const plans = new Map<string, ColumnPlan>()
  let numRows = 0
  tables.forEach((table, index) => {
    numRows += table.numRows
    for (const column of table.columns) {
      const plan = plans.get(column.name)
      if (plan === undefined) {
        plans.set(column.name, { name: column.name, type: column.type, typeFrom: index })
        continue
      }
      const merged = mergeTypes(plan.type, column.type)
      if (merged === undefined) {
        throw new StoreError(
          `cannot combine tables: column "${column.name}" holds ${plan.type} values in table ${plan.typeFrom} but ${column.type} values in table ${index}; a field must keep one type in every row`,
        )
      }
      if (merged !== plan.type) {
        plan.type = merged
        plan.typeFrom = index
      }
    }
  })
  if (!plans.has(ATOM_COLUMN)) {
    plans.set(ATOM_COLUMN, { name: ATOM_COLUMN, type: 'int32', typeFrom: 0 })
  }
  const ordered = [
    plans.get(ATOM_COLUMN) as ColumnPlan,
    ...[...plans.values()].filter((p) => p.name !== ATOM_COLUMN),
  ]
  const lookups = tables.map(
    (table) => new Map(table.columns.map((column) => [column.name, column])),
  )
  const columns = ordered.map((plan) => concatColumn(plan, tables, lookups, numRows))
  return { numRows, columns }
}

/**
 * The type of a column that holds values of types `a` and `b`: `null` merges
 * with anything, `int32` with `double` gives `double`; undefined for a conflict.
 */
export function mergeTypes(a: ColumnType, b: ColumnType): ColumnType | undefined {
  if (a === b || b === 'null') return a
  if (a === 'null') return b
  if ((a === 'int32' && b === 'double') || (a === 'double' && b === 'int32')) return 'double'
  return undefined
}

function concatColumn(
  plan: ColumnPlan,
  tables: readonly ColumnTable[],
  lookups: readonly Map<string, Column>[],
  numRows: number,
): Column {
  const parts = tables.map((table, i) => ({
    rows: table.numRows,
    column: lookups[i]?.get(plan.name),
  }))
  const dense = parts.every(
    (p) => p.rows === 0 || (p.column !== undefined && !hasNull(p.column.values)),
  )
  const { type, name } = plan
  if (dense && (type === 'double' || type === 'int32' || type === 'int64')) {
    const values =
      type === 'double'
        ? new Float64Array(numRows)
        : type === 'int32'
          ? new Int32Array(numRows)
          : new BigInt64Array(numRows)
    // TypedArray#set converts int32 to double, and takes plain arrays of numbers or bigints
    const target = values as Float64Array
    let offset = 0
    for (const { rows, column } of parts) {
      if (column !== undefined && rows > 0) target.set(column.values as ArrayLike<number>, offset)
      offset += rows
    }
    return { name, type, values }
  }
  const values = new Array<Scalar>(numRows)
  let offset = 0
  for (const { rows, column } of parts) {
    if (column === undefined || column.type === 'null') {
      values.fill(null, offset, offset + rows)
    } else {
      for (let i = 0; i < rows; i++) values[offset + i] = column.values[i] as Scalar
    }
    offset += rows
  }
  return { name, type, values }
}

/**
 * The table as row objects `{ atom, ...fields }`, in row order, with `null`
 * where a row has no value — what a job's `reduce` receives.
 *
 * @example
 * ```ts
 * tableToRows(table)[0] // { atom: 0, sharpe: 1.2 }
 * ```
 */
export function tableToRows(table: ColumnTable): Row[] {
  const rows = new Array<Row>(table.numRows)
  for (let i = 0; i < table.numRows; i++) rows[i] = {}
  for (const { name, values } of table.columns) {
    for (let i = 0; i < table.numRows; i++) (rows[i] as Row)[name] = values[i] as Scalar
  }
  return rows
}
