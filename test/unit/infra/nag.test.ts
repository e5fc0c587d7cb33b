import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validations } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { AwsSolutionsChecks } from 'cdk-nag'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FanoutStack } from '../../../infra/FanoutStack.js'
import { DEFAULT_FUNCTIONS_DIR } from '../../../infra/paths.js'
import { findings, functionId, synthWithReport, testApp, type ValidationReport } from './fixture.js'

let cleanup: () => void
let outdir: string
let stack: FanoutStack
let nag: { report: ValidationReport; error: unknown }

beforeAll(() => {
  // cdk-nag 3 is a policy validation plugin (Validations.of(app).addPlugins), not an aspect:
  // it runs during synth, which throws when a rule fails, and writes validation-report.json.
  const test = testApp()
  cleanup = test.cleanup
  outdir = join(test.dir, 'cdk.out')
  Validations.of(test.app).addPlugins(new AwsSolutionsChecks(test.app))
  stack = new FanoutStack(test.app, 'Fanout')
  new FanoutStack(test.app, 'FanoutNoLogging', { stateMachineLogging: false })
  new FanoutStack(test.app, 'FanoutData', { dataBuckets: ['lake', 'ticks.archive'] })
  nag = synthWithReport(test.app, test.dir)
})

afterAll(() => cleanup?.())

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged error, with or without execution logging, with data buckets', () => {
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

describe('function code', () => {
  it('deploys each prebuilt handler bundle of dist/functions as its code asset', () => {
    // Prepare
    const resources = Template.fromStack(stack).findResources('AWS::Lambda::Function')
    const fns = { plan: stack.plan, worker: stack.worker, tally: stack.tally, reduce: stack.reduce }

    // Act
    const deployed = Object.entries(fns).map(([name, fn]) => {
      const key = resources[functionId(stack, fn)]?.Properties.Code.S3Key as string
      const asset = join(outdir, `asset.${key.replace(/\.zip$/, '')}`)
      return {
        name,
        files: readdirSync(asset).sort(),
        same:
          readFileSync(join(asset, 'index.mjs'), 'utf8') ===
          readFileSync(join(DEFAULT_FUNCTIONS_DIR, name, 'index.mjs'), 'utf8'),
      }
    })

    // Assess
    expect(deployed).toEqual(
      Object.keys(fns).map((name) => ({ name, files: ['index.mjs', 'index.mjs.map'], same: true })),
    )
  })

  it('has ESM bundles that define require, export handler and bundle no AWS SDK', () => {
    // Prepare
    const names = ['plan', 'worker', 'tally', 'reduce']
    const banner =
      "import { createRequire as __fanoutCreateRequire } from 'node:module';const require = __fanoutCreateRequire(import.meta.url);"

    // Act
    const bundles = names.map((name) => ({
      code: readFileSync(join(DEFAULT_FUNCTIONS_DIR, name, 'index.mjs'), 'utf8'),
      map: JSON.parse(readFileSync(join(DEFAULT_FUNCTIONS_DIR, name, 'index.mjs.map'), 'utf8')) as {
        sources: string[]
        sourcesContent?: unknown
      },
    }))

    // Assess
    for (const { code, map } of bundles) {
      expect(code.startsWith(banner)).toBe(true)
      expect(code).toMatch(/export\{\w+ as handler\};/)
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true)
      expect(map.sources.some((s) => s.includes('functions/'))).toBe(true)
      expect(map.sources.filter((s) => s.includes('node_modules/@aws-sdk/'))).toEqual([])
      expect(map.sourcesContent).toBeUndefined()
    }
  })
})
