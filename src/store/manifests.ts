import { ManifestError } from '../aws/errors.js'
import { type Manifest, manifestSchema } from '../core/manifest.js'
import { manifestKey } from './layout.js'
import type { ResultStore } from './ResultStore.js'

/**
 * Read and validate a job's manifest.
 *
 * @throws {@link ManifestError} when it is missing or does not match the manifest schema
 */
export async function loadManifest(store: ResultStore, jobId: string): Promise<Manifest> {
  const key = manifestKey(jobId)
  const bytes = await store.get(key)
  if (bytes === undefined) {
    throw new ManifestError(jobId, `job ${jobId} has no manifest at ${store.describe(key)}`)
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(bytes))
  } catch (error) {
    throw new ManifestError(jobId, `${store.describe(key)} is not JSON`, { cause: error })
  }
  const parsed = manifestSchema.safeParse(json)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new ManifestError(jobId, `${store.describe(key)} is not a fanout manifest: ${issues}`, {
      cause: parsed.error,
    })
  }
  return parsed.data
}

/** Write a job's manifest (pretty JSON, as the local executor writes it). */
export async function saveManifest(store: ResultStore, manifest: Manifest): Promise<void> {
  await store.put(manifestKey(manifest.jobId), `${JSON.stringify(manifest, null, 2)}\n`)
}
