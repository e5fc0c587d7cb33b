import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { dataParamsOf, dir, file, folder } from '../../../../src/core/data/params.js'
import { hasDataRefs, isDataRef, mapDataRefs } from '../../../../src/core/data/refs.js'

describe('file() and folder() params', () => {
  it('are strings the schema validates, found under wrappers and in arrays', () => {
    // Prepare
    const schema = z
      .object({
        prices: file(),
        maybe: file().optional().describe('an optional file'),
        assets: folder().default('./assets'),
        many: z.array(file()),
        other: dir(),
        bars: z.number(),
        name: z.string(),
      })
      .strict()

    // Act
    const params = dataParamsOf(schema)
    const parsed = schema.safeParse({
      prices: 'a.csv',
      many: ['b.csv'],
      other: 'x',
      bars: 1,
      name: 'n',
    })
    const empty = schema.safeParse({ prices: '', many: [], other: 'x', bars: 1, name: 'n' })

    // Assess
    expect(params).toEqual([
      { key: 'prices', kind: 'file', many: false },
      { key: 'maybe', kind: 'file', many: false },
      { key: 'assets', kind: 'folder', many: false },
      { key: 'many', kind: 'file', many: true },
      { key: 'other', kind: 'folder', many: false },
    ])
    expect(parsed.success).toBe(true)
    expect(empty.error?.issues[0]?.message).toBe('Expected the path of a local file, got ""')
  })
})

describe('data references', () => {
  it('are replaced wherever a data param can be, and nothing else is touched', async () => {
    // Prepare
    const ref = { 'fanout:data': 'file', key: 'data/abc', sha256: 'abc', size: 3, name: 'a.csv' }
    const params = { prices: ref, list: [ref, 'plain'], bars: 3, nested: { key: 'k', sha256: 's' } }

    // Act
    const mapped = await mapDataRefs(params, async (r) => `/tmp/${r.sha256}/${r.name}`)

    // Assess
    expect(isDataRef(ref)).toBe(true)
    expect(hasDataRefs(params)).toBe(true)
    expect(hasDataRefs({ bars: 3 })).toBe(false)
    expect(mapped).toEqual({
      prices: '/tmp/abc/a.csv',
      list: ['/tmp/abc/a.csv', 'plain'],
      bars: 3,
      nested: { key: 'k', sha256: 's' },
    })
  })
})
