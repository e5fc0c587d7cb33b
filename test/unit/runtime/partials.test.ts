import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineJob } from '../../../src/core/job.js'
import { range } from '../../../src/core/sources.js'
import { PartialTooLargeError } from '../../../src/runtime/errors.js'
import { partialLimit } from '../../../src/runtime/partialLimit.js'
import { readPartial, readPartialStats, writePartial } from '../../../src/runtime/partials.js'
import { runMolecule } from '../../../src/runtime/runMolecule.js'
import { FsResultStore } from '../../../src/store/FsResultStore.js'
import { errorsKey } from '../../../src/store/layout.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-partials-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('partials', () => {
  it('reads a partial footer-only with the same stats as a whole read, even with a large footer', async () => {
    // Prepare: 400 columns make a footer far past the first 64 KiB guess
    const job = defineJob({
      atoms: () => range(3),
      run: (i: number) =>
        Object.fromEntries(
          Array.from({ length: 400 }, (_, c) => [`column_${c}_${'x'.repeat(100)}`, i + c]),
        ),
    })
    const store = new FsResultStore(root)
    const result = await runMolecule(job, {}, [0, 3], { moleculeId: 2, attempt: 1 })
    // Act
    await writePartial(store, 'j', result)
    const footerOnly = await readPartialStats(store, 'j', 2)
    const whole = await readPartial(store, 'j', 2)
    // Assess
    expect(footerOnly).toEqual(whole?.stats)
    expect(footerOnly).toMatchObject({ moleculeId: 2, attempt: 1, rows: 3 })
    expect(await readPartialStats(store, 'j', 9)).toBeUndefined()
  })

  it('names the errors file of each delivery by its run id, recorded in the partial that wins', async () => {
    // Prepare
    const job = defineJob({
      atoms: () => range(2),
      run: (i: number) => {
        if (i === 1) throw new Error('boom')
        return { i }
      },
    })
    const store = new FsResultStore(root)
    const result = await runMolecule(job, {}, [0, 2], { moleculeId: 0, attempt: 1 })
    // Act: the same attempt delivered twice
    const first = await writePartial(store, 'j', result)
    const second = await writePartial(store, 'j', result)
    const stats = await readPartialStats(store, 'j', 0)
    // Assess
    expect([first, second]).toEqual([true, false])
    expect(stats?.runId).toMatch(/^[0-9a-f]{8}$/)
    expect(await store.exists(errorsKey('j', 0, 1, stats?.runId))).toBe(true)
    expect((await store.list('jobs/j/errors/')).length).toBe(2)
  })

  it('fails a molecule whose partial is past the limit, writing nothing, and says how many atoms fit', async () => {
    // Prepare: 400 atoms of 1 KB of incompressible text each, against a 100 KB limit
    const job = defineJob({
      atoms: () => range(400),
      run: (i: number) => ({ i, s: randomBytes(500).toString('hex') }),
    })
    const store = new FsResultStore(root)
    const result = await runMolecule(job, {}, [0, 400], { moleculeId: 4, attempt: 1 })
    const limit = { bytes: 100 * 1024, reason: 'the test cap' }

    // Act
    const error = await writePartial(store, 'j', result, limit).catch((e: unknown) => e)

    // Assess
    expect(error).toBeInstanceOf(PartialTooLargeError)
    expect((error as PartialTooLargeError).moleculeId).toBe(4)
    expect((error as Error).message).toMatch(
      /^molecule 4 \(atoms 0 to 399\) made a partial of [\d.]+ MB \(400 rows\), more than the test cap allows \(0\.1 MB\): cut more molecules so each holds fewer rows: --atoms-per-molecule \d+ \(or a larger --molecules\)$/,
    )
    const fits = Number(/--atoms-per-molecule (\d+)/.exec((error as Error).message)?.[1])
    expect(fits).toBeGreaterThan(10)
    expect(fits).toBeLessThan(100)
    expect(await store.list('jobs/j/')).toEqual([])
  })

  it("takes the smallest of the configured cap, half a Lambda worker's memory and S3's PUT limit", () => {
    // Act
    const defaults = partialLimit({})
    const configured = partialLimit({ FANOUT_MAX_PARTIAL_MB: '64' })
    const lambda = partialLimit({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256' })
    const bad = (() => {
      try {
        return partialLimit({ FANOUT_MAX_PARTIAL_MB: 'lots' })
      } catch (e) {
        return e as Error
      }
    })()

    // Assess
    expect(defaults).toEqual({
      bytes: 256 * 1024 * 1024,
      reason: 'the 256 MB cap on one partial (FANOUT_MAX_PARTIAL_MB)',
    })
    expect(configured.bytes).toBe(64 * 1024 * 1024)
    expect(lambda).toEqual({
      bytes: 128 * 1024 * 1024,
      reason: "half the worker's 256 MB of memory (its rows and their encoding are held at once)",
    })
    expect((bad as Error).message).toBe(
      'Expected FANOUT_MAX_PARTIAL_MB to be a positive number of MB, got "lots"',
    )
  })
})
