import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BundleIntegrityError, BundleMissingError } from '../../../src/aws/errors.js'
import { bundleJob, type JobBundle } from '../../../src/runtime/bundle.js'
import { BundleCache, sha256Hex } from '../../../src/runtime/bundleCache.js'
import { FsResultStore } from '../../../src/store/FsResultStore.js'
import { bundleKeyOf } from '../../../src/store/layout.js'

const fixture = join(import.meta.dirname, '../../fixtures/jobs/squares.ts')
let dir: string
let store: FsResultStore
let bundle: JobBundle

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-bundle-cache-'))
  store = new FsResultStore(join(dir, 'store'))
  bundle = await bundleJob(fixture, join(dir, 'built'))
  await store.put(bundleKeyOf(bundle.sha256), bundle.code)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('BundleCache', () => {
  it('downloads, checks and imports a bundle once, however many loads ask for it', async () => {
    // Prepare
    const cache = new BundleCache({ store, dir: join(dir, 'tmp-a') })
    // Act
    const [a, b] = await Promise.all([
      cache.load(bundleKeyOf(bundle.sha256), bundle.sha256),
      cache.load(bundleKeyOf(bundle.sha256), bundle.sha256),
    ])
    const c = await cache.loader(bundleKeyOf(bundle.sha256), bundle.sha256)
    // Assess
    expect(cache.downloads).toBe(1)
    expect(a.job).toBe(b.job)
    expect(c.job).toBe(a.job)
    expect(a).toMatchObject({ sha256: bundle.sha256, bytes: bundle.bytes })
    expect(a.path).toBe(join(dir, 'tmp-a', `${bundle.sha256}.mjs`))
    expect(a.job.atoms({ atoms: 3, failEvery: 0, crashSetup: false }).count).toBe(3)
  })

  it('puts bundles under FANOUT_TMP when no dir is given', () => {
    // Act
    const cache = new BundleCache({ store, env: { FANOUT_TMP: '/x/y' } })
    // Assess
    expect(cache.dir).toBe('/x/y/fanout-bundles')
  })

  it('rejects bytes whose sha256 is not the one the key names', async () => {
    // Prepare: a bundle stored under the key of another hash
    const fake = 'f'.repeat(64)
    await store.put(bundleKeyOf(fake), 'export default 42\n')
    const cache = new BundleCache({ store, dir: join(dir, 'tmp-b') })
    // Act
    const load = cache.load(bundleKeyOf(fake), fake)
    // Assess
    await expect(load).rejects.toThrow(BundleIntegrityError)
    await expect(cache.load(bundleKeyOf(fake), fake)).rejects.toThrow(
      `has sha256 ${sha256Hex(new TextEncoder().encode('export default 42\n'))}, not the ${fake} its key names: refusing to run it`,
    )
  })

  it('rejects a key that does not name the sha256, and a missing bundle', async () => {
    // Prepare
    const cache = new BundleCache({ store, dir: join(dir, 'tmp-c') })
    const missing = 'e'.repeat(64)
    // Act, Assess
    await expect(cache.load('bundles/other.mjs', bundle.sha256)).rejects.toThrow(
      `bundle key bundles/other.mjs does not name sha256 ${bundle.sha256}`,
    )
    await expect(cache.load(bundleKeyOf(missing), missing)).rejects.toThrow(BundleMissingError)
  })
})
