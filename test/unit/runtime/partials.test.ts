import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineJob } from '../../../src/core/job.js'
import { range } from '../../../src/core/sources.js'
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
})
