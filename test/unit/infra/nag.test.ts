import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ESM_REQUIRE_BANNER } from '../../../infra/FanoutFunction.js'
import { FanoutStack } from '../../../infra/FanoutStack.js'
import { findings, synthWithReport, testApp, type ValidationReport } from './fixture.js'

let cleanup: () => void
let outdir: string
let nag: { report: ValidationReport; error: unknown }

beforeAll(() => {
  // cdk-nag 3 is a policy validation plugin (Validations.of(app).addPlugins), not an aspect:
  // it runs during synth, which throws when a rule fails, and writes validation-report.json.
  // This app also bundles the real handlers, proving that they bundle.
  const test = testApp({ bundling: true })
  cleanup = test.cleanup
  outdir = join(test.dir, 'cdk.out')
  Validations.of(test.app).addPlugins(new AwsSolutionsChecks(test.app))
  new FanoutStack(test.app, 'Fanout')
  new FanoutStack(test.app, 'FanoutNoLogging', { stateMachineLogging: false })
  nag = synthWithReport(test.app, test.dir)
})

afterAll(() => cleanup?.())

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error, with or without execution logging', () => {
    // Prepare
    const { report, error } = nag

    // Act
    const errors = findings(report, 'error')

    // Assess
    expect(errors).toEqual([])
    expect(error).toBeUndefined()
  })

  it('finds no unacknowledged warning either', () => {
    // Prepare
    const { report } = nag

    // Act
    const warnings = findings(report, 'warning')

    // Assess
    expect(warnings).toEqual([])
  })
})

describe('bundling', () => {
  it('bundles each handler into an ESM index.mjs with a source map', () => {
    // Prepare
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'))

    // Act
    const files = assets.map((asset) => readdirSync(join(outdir, asset)).sort())
    const heads = assets.map((asset) =>
      readFileSync(join(outdir, asset, 'index.mjs'), 'utf8').slice(0, ESM_REQUIRE_BANNER.length),
    )

    // Assess
    expect(files).toEqual(Array(4).fill(['index.mjs', 'index.mjs.map']))
    expect(heads).toEqual(Array(4).fill(ESM_REQUIRE_BANNER))
  })
})
