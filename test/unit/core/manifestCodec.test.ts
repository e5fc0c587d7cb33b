import { describe, expect, it } from 'vitest'
import { ManifestError } from '../../../src/core/errors.js'
import { decodeManifest, encodeManifest } from '../../../src/core/manifest.js'
import { testManifest } from '../../helpers/manifest.js'

const manifest = testManifest({ target: 'local', numAtoms: 10, boundaries: [0, 5, 10], workers: 2 })

function caught(fn: () => unknown): ManifestError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError)
    return error as ManifestError
  }
  throw new Error('expected a ManifestError')
}

describe('the manifest codec', () => {
  it('round-trips a manifest through its JSON text', () => {
    // Act
    const text = encodeManifest(manifest)
    // Assess
    expect(text.endsWith('}\n')).toBe(true)
    expect(decodeManifest(text, 'm.json', 'j')).toEqual(manifest)
    expect(decodeManifest(new TextEncoder().encode(text), 'm.json')).toEqual(manifest)
  })

  it('names the file of a truncated manifest', () => {
    const text = encodeManifest(manifest)
    const error = caught(() => decodeManifest(text.slice(0, 120), '/jobs/j/manifest.json', 'j'))
    expect(error.message).toMatch(/^\/jobs\/j\/manifest\.json is truncated \(/)
    expect(error.jobId).toBe('j')
  })

  it('names the file and the field of a manifest that does not match the schema', () => {
    const broken = { ...JSON.parse(encodeManifest(manifest)), numAtoms: 'ten' }
    const error = caught(() => decodeManifest(JSON.stringify(broken), 'm.json', 'j'))
    expect(error.message).toMatch(
      /^m\.json is not a fanout manifest of this version: field numAtoms: /,
    )
    const molecule = JSON.parse(encodeManifest(manifest))
    molecule.molecules[1].status = 'exploded'
    expect(caught(() => decodeManifest(JSON.stringify(molecule), 'm.json')).message).toMatch(
      /field molecules\.1\.status: /,
    )
  })

  it('refuses the manifest of another job', () => {
    const error = caught(() => decodeManifest(encodeManifest(manifest), 'other/manifest.json', 'k'))
    expect(error.message).toBe(
      'other/manifest.json is the manifest of job j, not of job k: the file was copied or moved from another job',
    )
  })

  it('refuses JSON that is not an object of the schema, and text that is not JSON', () => {
    expect(caught(() => decodeManifest('[1, 2]', 'm.json')).message).toMatch(
      /^m\.json is not a fanout manifest of this version: field \(manifest\): /,
    )
    expect(caught(() => decodeManifest('hello', 'm.json')).message).toMatch(
      /^m\.json is not JSON \(/,
    )
  })
})
