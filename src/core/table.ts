import { describeValue, RowShapeError } from './errors.js'
import type { Row, Scalar } from './types.js'

/**
 * The logical type of a result column.
 * - `double`: JS numbers (Parquet DOUBLE)
 * - `int32`: the `atom` column when every index fits (Parquet INT32)
 * - `int64`: bigints (Parquet INT64)
 * - `boolean`, `string`, `timestamp` (Date, Parquet TIMESTAMP millis)
 * - `null`: a column that held only nulls so far
 */
export type ColumnType = 'double' | 'int32' | 'int64' | 'boolean' | 'string' | 'timestamp' | 'null'

/** One column: its values in row order, `null` where a row had none. */
export interface Column {
  readonly name: string
  readonly type: ColumnType
  /** Typed arrays when the column has no nulls (`Float64Array`, `Int32Array`, `BigInt64Array`), else a plain array. */
  readonly values: ArrayLike<Scalar>
}

/** A columnar table; the first column is always `atom`. */
export interface ColumnTable {
  readonly numRows: number
  readonly columns: readonly Column[]
}

/** The name of the column fanout adds to every row. */
export const ATOM_COLUMN = 'atom'

function typeOf(value: Scalar): ColumnType | undefined {
  switch (typeof value) {
    case 'number':
      return 'double'
    case 'bigint':
      return 'int64'
    case 'boolean':
      return 'boolean'
    case 'string':
      return 'string'
    case 'object':
      if (value === null) return 'null'
      if (value instanceof Date) return 'timestamp'
      return undefined
    default:
      return undefined
  }
}

/** True when `value` (not null) belongs in a column of `type`. */
function sameType(type: ColumnType, value: Scalar): boolean {
  switch (type) {
    case 'double':
      return typeof value === 'number'
    case 'string':
      return typeof value === 'string' && value.length <= MAX_STRING_LENGTH
    case 'boolean':
      return typeof value === 'boolean'
    case 'int64':
      return typeof value === 'bigint'
    case 'timestamp':
      return value instanceof Date && !Number.isNaN(value.getTime())
    default:
      return false
  }
}

/**
 * The longest string one cell may hold (16 Mi characters): a row is a result,
 * not a blob store; partials are built in memory and travel as one object.
 */
export const MAX_STRING_LENGTH = 16 * 1024 * 1024

class ColumnBuilder {
  type: ColumnType = 'null'
  values: Scalar[]
  constructor(
    readonly name: string,
    filledRows: number,
  ) {
    this.values = new Array<Scalar>(filledRows).fill(null)
  }
}

/**
 * Collects rows into columns, inferring each column's type from its values and
 * rejecting anything that is not a scalar with an error naming the atom and field.
 *
 * @example
 * ```ts
 * const b = new TableBuilder()
 * b.add(0, { x: 1 })
 * b.build() // { numRows: 1, columns: [atom, x] }
 * ```
 */
export class TableBuilder {
  private readonly atoms: number[] = []
  private readonly columns = new Map<string, ColumnBuilder>()
  private readonly order: ColumnBuilder[] = []

  /** Number of rows added so far. */
  get numRows(): number {
    return this.atoms.length
  }

  /** Keys of the last row added by the slow path, and their columns: the fast path's shape. */
  private shapeKeys: string[] = []
  private shapeCols: ColumnBuilder[] = []

  /** Add one row for `atom`. Throws {@link RowShapeError} when the row is not an object of scalars. */
  add(atom: number, row: Row): void {
    if (this.addSameShape(atom, row)) return
    this.addSlow(atom, row)
  }

  /**
   * The hot path: a row with exactly the keys, in the same order, and value types
   * of the shape last seen, for which no check can fail. Pushes while it checks and
   * undoes its pushes on the first surprise, leaving the row to the slow path.
   */
  private addSameShape(atom: number, row: Row): boolean {
    const keys = this.shapeKeys
    const cols = this.shapeCols
    const n = keys.length
    if (n === 0 || n !== this.order.length || typeof row !== 'object' || row === null) return false
    let pushed = 0
    let same = true
    for (const key in row) {
      const col = cols[pushed]
      const value = row[key] as Scalar
      if (
        col === undefined ||
        key !== keys[pushed] ||
        (value !== null && !sameType(col.type, value))
      ) {
        same = false
        break
      }
      col.values.push(value)
      pushed++
    }
    if (same && pushed === n) {
      this.atoms.push(atom)
      return true
    }
    for (let k = 0; k < pushed; k++) (cols[k] as ColumnBuilder).values.pop()
    return false
  }

  private addSlow(atom: number, row: Row): void {
    this.check(atom, row)
    const n = this.atoms.length
    let seen = 0
    for (const key in row) {
      const value = row[key] as Scalar
      if (value === undefined) continue
      let col = this.columns.get(key)
      if (col === undefined) {
        col = new ColumnBuilder(key, n)
        this.columns.set(key, col)
        this.order.push(col)
      }
      if (col.type === 'null' && value !== null) col.type = typeOf(value) as ColumnType
      col.values.push(value)
      seen++
    }
    this.atoms.push(atom)
    if (seen !== this.order.length) {
      // some columns got no value in this row: pad them with null
      for (const col of this.order) if (col.values.length === n) col.values.push(null)
      this.shapeKeys = []
      this.shapeCols = []
    } else {
      // remember this shape for the fast path
      const keys: string[] = []
      const cols: ColumnBuilder[] = []
      for (const key in row) {
        if (row[key] === undefined) {
          this.shapeKeys = []
          this.shapeCols = []
          return
        }
        keys.push(key)
        cols.push(this.columns.get(key) as ColumnBuilder)
      }
      this.shapeKeys = keys
      this.shapeCols = cols
    }
  }

  /**
   * Add all rows one atom returned, or none of them: every row is checked before
   * any is added, so an atom with one bad row leaves no partial rows behind.
   */
  addAll(atom: number, rows: readonly Row[]): void {
    for (const row of rows) this.check(atom, row)
    for (const row of rows) this.add(atom, row)
  }

  /** Validate a row without changing anything, so a bad row leaves the table as it was. */
  private check(atom: number, row: Row): void {
    if (row === null || typeof row !== 'object' || Array.isArray(row) || row instanceof Date) {
      throw new RowShapeError(
        atom,
        '',
        `atom ${atom}: run returned ${describeValue(row)}; return an object of scalars (number, bigint, boolean, string, Date, null) or an array of such objects`,
      )
    }
    for (const key in row) {
      const value = row[key] as Scalar
      if (value === undefined) continue
      if (key === ATOM_COLUMN) {
        throw new RowShapeError(
          atom,
          key,
          `atom ${atom}: field "atom" is reserved (fanout adds the atom index itself); rename the field`,
        )
      }
      if (typeof value === 'string' && value.length > MAX_STRING_LENGTH) {
        throw new RowShapeError(
          atom,
          key,
          `atom ${atom}, field "${key}": a string of ${value.length.toLocaleString('en-US')} characters is past fanout's limit of ${MAX_STRING_LENGTH.toLocaleString('en-US')} per value; keep large data in a file and return its path or a summary`,
        )
      }
      if (value instanceof Date && Number.isNaN(value.getTime())) {
        throw new RowShapeError(
          atom,
          key,
          `atom ${atom}, field "${key}": an Invalid Date (its time is NaN) cannot be stored; return a valid Date, or null`,
        )
      }
      const t = typeOf(value)
      if (t === undefined) {
        throw new RowShapeError(
          atom,
          key,
          `atom ${atom}, field "${key}": ${describeValue(value)} is not a scalar; return only number, bigint, boolean, string, Date or null (flatten nested objects into separate fields, or JSON.stringify them)`,
        )
      }
      const col = this.columns.get(key)
      if (col !== undefined && t !== 'null' && col.type !== 'null' && t !== col.type) {
        throw new RowShapeError(
          atom,
          key,
          `atom ${atom}, field "${key}": ${describeValue(value)} is a ${t}, but earlier rows gave this field ${col.type} values; keep one type per field`,
        )
      }
    }
  }

  /** The table so far, with `atom` first and other columns in order of first appearance. */
  build(): ColumnTable {
    const n = this.atoms.length
    let maxAtom = 0
    for (let i = 0; i < n; i++)
      if ((this.atoms[i] as number) > maxAtom) maxAtom = this.atoms[i] as number
    const atomValues =
      maxAtom < 2 ** 31 ? Int32Array.from(this.atoms) : Float64Array.from(this.atoms)
    const columns: Column[] = [
      { name: ATOM_COLUMN, type: maxAtom < 2 ** 31 ? 'int32' : 'double', values: atomValues },
    ]
    for (const col of this.order)
      columns.push({ name: col.name, type: col.type, values: pack(col) })
    return { numRows: n, columns }
  }
}

/** Turn a dense numeric column into a typed array; leave columns with nulls as plain arrays. */
function pack(col: ColumnBuilder): ArrayLike<Scalar> {
  const v = col.values
  if (col.type === 'double' || col.type === 'int64') {
    for (let i = 0; i < v.length; i++) if (v[i] === null) return v
    return col.type === 'double'
      ? Float64Array.from(v as number[])
      : BigInt64Array.from(v as bigint[])
  }
  return v
}
