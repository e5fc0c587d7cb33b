import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fanoutVersion, packageRoot } from '../../../src/runtime/packageRoot.js'

describe('fanoutVersion', () => {
  it("is the version in fanout's package.json", () => {
    // Prepare
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      name: string
      version: string
    }

    // Act
    const version = fanoutVersion()

    // Assess
    expect(pkg.name).toBe('fanout')
    expect(version).toBe(pkg.version)
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
  })
})
