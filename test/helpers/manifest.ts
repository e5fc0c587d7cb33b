import { createManifest, type Manifest, type ManifestInit } from '../../src/core/manifest.js'

/**
 * A manifest for scheduling tests: job `j`, a tiny bundle, no params; give the
 * fields a test is about (target, atoms, boundaries, workers, attempts, time).
 */
export function testManifest(
  fields: Pick<ManifestInit, 'target' | 'numAtoms' | 'boundaries' | 'workers'> &
    Partial<Pick<ManifestInit, 'maxAttempts' | 'now'>>,
): Manifest {
  return createManifest({
    jobId: 'j',
    jobName: 'j',
    jobFile: 'j.ts',
    bundle: { sha256: 'x', bytes: 1 },
    params: {},
    scheme: 'linear',
    ...fields,
  })
}
