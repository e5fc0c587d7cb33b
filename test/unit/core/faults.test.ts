import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/core/errors.js'
import { FAULT_KINDS, faultFor, parseFaults } from '../../../src/core/faults.js'

describe('FANOUT_FAULTS', () => {
  it('parses fractions and a seed, and nothing from an empty spec', () => {
    expect(parseFaults('crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=7')).toEqual({
      crash: 0.2,
      hang: 0.05,
      throttle: 0.05,
      s3: 0.05,
      seed: 7,
    })
    expect(parseFaults(undefined)).toBeUndefined()
    expect(parseFaults(' ')).toBeUndefined()
  })

  it('names a bad pair and a total over 1', () => {
    expect(() => parseFaults('crash=2')).toThrow(UsageError)
    expect(() => parseFaults('boom=0.1')).toThrow(/"boom=0\.1" is not kind=fraction/)
    expect(() => parseFaults('crash=0.6,hang=0.6')).toThrow(
      'the fractions add up to 1.2, more than 1',
    )
  })

  it('draws the same faults for the same seed, and about the asked fractions', () => {
    const plan = parseFaults('crash=0.2,hang=0.05,throttle=0.05,s3=0.05,seed=7')
    const draw = () => Array.from({ length: 4000 }, (_, m) => faultFor(plan, 'job', m, 1))
    const first = draw()
    expect(draw()).toEqual(first)
    const share = (k: string) => first.filter((f) => f === k).length / first.length
    expect(share('crash')).toBeGreaterThan(0.17)
    expect(share('crash')).toBeLessThan(0.23)
    for (const k of FAULT_KINDS.slice(1)) {
      expect(share(k)).toBeGreaterThan(0.03)
      expect(share(k)).toBeLessThan(0.07)
    }
    const other = Array.from({ length: 4000 }, (_, m) =>
      faultFor({ ...(plan as NonNullable<typeof plan>), seed: 8 }, 'job', m, 1),
    )
    expect(other).not.toEqual(first)
  })

  it('lets a later try of a throttled dispatch only be throttled again', () => {
    const plan = parseFaults('crash=0.5,throttle=0.5,seed=1')
    const retries = Array.from({ length: 500 }, (_, m) => faultFor(plan, 'j', m, 1, 1))
    expect(new Set(retries)).toEqual(new Set(['throttle', undefined]))
  })
})
