import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { UsageError } from '../../../src/core/errors.js'
import { parseParams } from '../../../src/core/params.js'

const schema = z
  .object({
    bars: z.number().int().min(3).default(200),
    name: z.string().optional(),
    fast: z.boolean().default(false),
    windows: z.array(z.number()).default([1]),
  })
  .strict()

describe('parseParams', () => {
  it('converts each value to its field type and applies defaults', () => {
    // Act
    const p = parseParams(['bars=1000', 'name=007', 'fast=true', 'windows=[5,10]'], schema)
    // Assess
    expect(p).toEqual({ bars: 1000, name: '007', fast: true, windows: [5, 10] })
    expect(parseParams([], schema)).toEqual({ bars: 200, fast: false, windows: [1] })
  })

  it('names the param, what was expected and what was got', () => {
    // Act / Assess
    expect(() => parseParams(['bars=many'], schema)).toThrow(
      '--param bars=many: expected a number, got "many"',
    )
    expect(() => parseParams(['bras=5'], schema)).toThrow(
      "--param bras: unknown param; this job's params are bars, name, fast, windows",
    )
    expect(() => parseParams(['bars'], schema)).toThrow(
      '--param bars: expected key=value, e.g. --param bars=1000',
    )
    expect(() => parseParams(['fast=yes'], schema)).toThrow(
      '--param fast=yes: expected true or false, got "yes"',
    )
    expect(() => parseParams(['x=1'], undefined)).toThrow(
      '--param x: this job takes no params (it defines no params schema)',
    )
  })

  it('reports schema failures as a UsageError listing each field', () => {
    // Act
    const act = () => parseParams(['bars=2'], schema)
    // Assess
    expect(act).toThrow(UsageError)
    expect(act).toThrow(
      /the job's params do not validate:\n {2}bars: .*\nFix them with --param key=value\./,
    )
  })
})
