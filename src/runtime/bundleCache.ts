import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BundleIntegrityError, BundleMissingError } from '../aws/errors.js'
import type { Job } from '../core/job.js'
import { bundleKeyOf } from '../store/layout.js'
import type { ResultStore } from '../store/ResultStore.js'
import { loadJobBundle } from './loadJob.js'

/** A job bundle fetched, checked and imported. */
export interface LoadedBundle {
  job: Job
  sha256: string
  /** Size of the bundle, bytes. */
  bytes: number
  /** Where the bundle was written before it was imported. */
  path: string
}

/** Loads the job of a bundle key whose bytes must hash to `sha256`. */
export type BundleLoader = (bundleKey: string, sha256: string) => Promise<LoadedBundle>

/** Options of {@link BundleCache}. */
export interface BundleCacheOptions {
  /** Where bundles are downloaded from. */
  store: ResultStore
  /** Directory for the bundle files. @default `<FANOUT_TMP or os.tmpdir()>/fanout-bundles` */
  dir?: string
  /** The environment to read `FANOUT_TMP` from. @default process.env */
  env?: NodeJS.ProcessEnv
}

/** The sha256 of some bytes, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * Job bundles, fetched once per container: the first `load` of a sha256
 * downloads `bundles/<sha256>.mjs`, checks that its bytes hash to that sha256,
 * writes it to `<dir>/<sha256>.mjs` and imports it; later loads (concurrent
 * ones included) share that job. A failed load is forgotten, so the next one
 * tries again.
 *
 * @example
 * ```ts
 * const bundles = new BundleCache({ store })
 * const { job } = await bundles.load(event.bundleKey, event.sha256)
 * ```
 */
export class BundleCache {
  readonly dir: string
  private readonly store: ResultStore
  private readonly jobs = new Map<string, Promise<LoadedBundle>>()
  /** Downloads so far (for tests and logs). */
  downloads = 0

  constructor(options: BundleCacheOptions) {
    this.store = options.store
    const env = options.env ?? process.env
    this.dir = options.dir ?? join(env.FANOUT_TMP || tmpdir(), 'fanout-bundles')
  }

  /** This cache's `load`, as a {@link BundleLoader} function. */
  readonly loader: BundleLoader = (bundleKey, sha256) => this.load(bundleKey, sha256)

  /**
   * The job of a bundle, loaded once per sha256.
   *
   * @throws {@link BundleIntegrityError} when the key does not name `sha256`, or the bytes hash to another
   * @throws {@link BundleMissingError} when the store has no such bundle
   * @throws JobLoadError when the bundle does not import or exports no job
   */
  load(bundleKey: string, sha256: string): Promise<LoadedBundle> {
    if (bundleKey !== bundleKeyOf(sha256)) {
      return Promise.reject(
        new BundleIntegrityError(
          bundleKey,
          sha256,
          bundleKey,
          `bundle key ${bundleKey} does not name sha256 ${sha256}: expected ${bundleKeyOf(sha256)}`,
        ),
      )
    }
    let pending = this.jobs.get(sha256)
    if (!pending) {
      pending = this.fetchAndImport(bundleKey, sha256)
      this.jobs.set(sha256, pending)
      pending.catch(() => this.jobs.delete(sha256))
    }
    return pending
  }

  private async fetchAndImport(bundleKey: string, sha256: string): Promise<LoadedBundle> {
    const path = join(this.dir, `${sha256}.mjs`)
    const cached = await readFile(path).catch(() => undefined)
    let bytes = cached?.byteLength ?? 0
    if (cached === undefined || sha256Hex(cached) !== sha256) {
      const body = await this.store.get(bundleKey)
      if (body === undefined) {
        throw new BundleMissingError(
          bundleKey,
          `job bundle ${this.store.describe(bundleKey)} is missing: the CLI uploads it before starting the job`,
        )
      }
      this.downloads++
      const actual = sha256Hex(body)
      if (actual !== sha256) {
        throw new BundleIntegrityError(
          bundleKey,
          sha256,
          actual,
          `job bundle ${this.store.describe(bundleKey)} has sha256 ${actual}, not the ${sha256} its key names: refusing to run it`,
        )
      }
      await mkdir(this.dir, { recursive: true })
      const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
      try {
        await writeFile(tmp, body)
        await rename(tmp, path)
      } finally {
        await rm(tmp, { force: true })
      }
      bytes = body.byteLength
    }
    const job = await loadJobBundle(path, bundleKey)
    return { job, sha256, bytes, path }
  }
}
