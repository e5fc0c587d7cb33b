import { ManifestError } from '../core/errors.js'
import { decodeManifest, encodeManifest, type Manifest } from '../core/manifest.js'
import { manifestKey } from './layout.js'
import type { ResultStore } from './ResultStore.js'

/**
 * A job's manifest in a result store, read and written through the one
 * manifest codec ({@link decodeManifest}, {@link encodeManifest}) by the local
 * executor, the Lambda steps and the CLI alike.
 *
 * @module
 */

/**
 * The manifest of `jobId`, or `undefined` when the store has none.
 *
 * @throws {@link ManifestError} when it exists but is truncated, not a manifest, or another job's
 */
export async function readManifest(
  store: ResultStore,
  jobId: string,
): Promise<Manifest | undefined> {
  const key = manifestKey(jobId)
  const bytes = await store.get(key)
  return bytes === undefined ? undefined : decodeManifest(bytes, store.describe(key), jobId)
}

/**
 * The manifest of `jobId`, which must exist.
 *
 * @throws {@link ManifestError} when it is missing, truncated, not a manifest, or another job's
 */
export async function loadManifest(store: ResultStore, jobId: string): Promise<Manifest> {
  const manifest = await readManifest(store, jobId)
  if (manifest === undefined) {
    throw new ManifestError(
      jobId,
      `job ${jobId} has no manifest at ${store.describe(manifestKey(jobId))}`,
    )
  }
  return manifest
}

/** Write a job's manifest (atomically, as every store write is). */
export async function saveManifest(store: ResultStore, manifest: Manifest): Promise<void> {
  await store.put(manifestKey(manifest.jobId), encodeManifest(manifest))
}

/**
 * Write a job's first manifest only when the job id is free: of two runs racing
 * for one id, exactly one claims it.
 *
 * @returns false when a manifest exists already
 */
export async function claimManifest(store: ResultStore, manifest: Manifest): Promise<boolean> {
  return store.put(manifestKey(manifest.jobId), encodeManifest(manifest), { ifAbsent: true })
}
