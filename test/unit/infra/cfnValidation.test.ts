import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FanoutStack } from '../../../infra/FanoutStack.js'
import { findings, synthWithReport, testApp, type ValidationReport } from './fixture.js'

let cleanup: () => void
let result: { report: ValidationReport; error: unknown }

beforeAll(() => {
  const test = testApp({ cfnValidation: true })
  cleanup = test.cleanup
  new FanoutStack(test.app, 'Fanout')
  result = synthWithReport(test.app, test.dir)
})

afterAll(() => cleanup?.())

describe("CDK's built-in CloudFormation validation", () => {
  it('finds nothing in the template', () => {
    // Prepare
    const { report, error } = result

    // Act
    const all = [...findings(report, 'error'), ...findings(report, 'warning')]

    // Assess
    expect(all).toEqual([])
    expect(error).toBeUndefined()
  })
})
