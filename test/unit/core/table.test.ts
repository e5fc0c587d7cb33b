import { describe, expect, it } from 'vitest'
import { RowShapeError } from '../../../src/core/errors.js'
import { TableBuilder } from '../../../src/core/table.js'

describe('TableBuilder', () => {
  it('infers columns, puts atom first and packs dense numbers into typed arrays', () => {
    // Prepare
    const b = new TableBuilder()
    // Act
    b.add(0, { x: 1.5, name: 'a', ok: true })
    b.add(1, { x: 2.5, name: 'b', ok: false })
    const t = b.build()
    // Assess
    expect(t.numRows).toBe(2)
    expect(t.columns.map((c) => [c.name, c.type])).toEqual([
      ['atom', 'int32'],
      ['x', 'double'],
      ['name', 'string'],
      ['ok', 'boolean'],
    ])
    expect(t.columns[0]?.values).toBeInstanceOf(Int32Array)
    expect(Array.from(t.columns[1]?.values ?? [])).toEqual([1.5, 2.5])
    expect(t.columns[1]?.values).toBeInstanceOf(Float64Array)
  })

  it('fills missing and late fields with null, and types a null column by its first value', () => {
    // Prepare
    const b = new TableBuilder()
    // Act
    b.add(0, { a: 1, c: null })
    b.add(1, { b: 'x' })
    b.add(2, { a: 3, c: new Date(0) })
    const t = b.build()
    // Assess
    const byName = Object.fromEntries(t.columns.map((c) => [c.name, c]))
    expect(Array.from(byName.a?.values ?? [])).toEqual([1, null, 3])
    expect(Array.from(byName.b?.values ?? [])).toEqual([null, 'x', null])
    expect(byName.c?.type).toBe('timestamp')
    expect(Array.from(byName.c?.values ?? [])).toEqual([null, null, new Date(0)])
  })

  it('rejects a nested object naming the atom and the field, and leaves the table untouched', () => {
    // Prepare
    const b = new TableBuilder()
    b.add(0, { a: 1 })
    // Act
    const act = () => b.add(7, { a: 2, nested: { deep: 1 } } as never)
    // Assess
    expect(act).toThrow(RowShapeError)
    expect(act).toThrow(
      'atom 7, field "nested": an object (Object) is not a scalar; return only number, bigint, boolean, string, Date or null (flatten nested objects into separate fields, or JSON.stringify them)',
    )
    const t = b.build()
    expect(t.numRows).toBe(1)
    expect(t.columns.map((c) => c.name)).toEqual(['atom', 'a'])
  })

  it('rejects a type change within a field and the reserved atom field', () => {
    // Prepare
    const b = new TableBuilder()
    b.add(0, { a: 1 })
    // Act / Assess
    expect(() => b.add(1, { a: 'x' })).toThrow(
      'atom 1, field "a": "x" (string) is a string, but earlier rows gave this field double values; keep one type per field',
    )
    expect(() => b.add(2, { atom: 5 })).toThrow(
      'atom 2: field "atom" is reserved (fanout adds the atom index itself); rename the field',
    )
    expect(() => b.add(3, 42 as never)).toThrow(
      'atom 3: run returned 42 (number); return an object of scalars (number, bigint, boolean, string, Date, null) or an array of such objects',
    )
  })

  it('adds all rows of an atom or none of them', () => {
    // Prepare
    const b = new TableBuilder()
    // Act
    expect(() => b.addAll(4, [{ a: 1 }, { a: [1] as never }])).toThrow(RowShapeError)
    b.addAll(5, [{ a: 1 }, { a: 2 }])
    // Assess
    const t = b.build()
    expect(Array.from(t.columns[0]?.values ?? [])).toEqual([5, 5])
  })
})
