import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobLoadError } from '../../../src/core/errors.js'
import { bundleJob } from '../../../src/runtime/bundle.js'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout-bundle-'))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('bundleJob and the fanout import', () => {
  it("bundles 'fanout' from the running fanout, though the job's folder has no node_modules", async () => {
    // Prepare
    const job = join(dir, 'ok.ts')
    writeFileSync(
      job,
      "import { defineJob, range } from 'fanout'\nexport default defineJob({ atoms: () => range(2), run: (i: number) => ({ i }) })\n",
    )

    // Act
    const bundle = await bundleJob(job, join(dir, 'cache'))

    // Assess
    const code = readFileSync(bundle.path, 'utf8')
    expect(code).toContain('function defineJob(')
    expect(code).not.toMatch(/from ['"]fanout['"]/)
  })

  it("rejects any other fanout/... import with a message that says to import from 'fanout'", async () => {
    // Prepare
    const job = join(dir, 'bad.ts')
    writeFileSync(job, "import { run } from 'fanout/runner'\nexport default run\n")

    // Act
    const bundling = bundleJob(job, join(dir, 'cache'))

    // Assess
    await expect(bundling).rejects.toThrow(JobLoadError)
    await expect(bundling).rejects.toThrow(
      /bad\.ts:1:\d+: a job cannot import "fanout\/runner": only 'fanout' \(the job API\) runs inside a job's bundle/,
    )
  })
})
