import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FanoutFunction } from '../../../infra/FanoutFunction.js'
import type { FanoutStack } from '../../../infra/FanoutStack.js'
import { LAMBDA_SERVICE_ERRORS } from '../../../infra/FanoutWorkflow.js'
import {
  type AslDefinition,
  functionId,
  renderDefinition,
  synthTestStacks,
  type TestStacks,
} from './fixture.js'

let stacks: TestStacks
let defaults: FanoutStack
let template: Template
let customTemplate: Template
let definition: AslDefinition

beforeAll(() => {
  stacks = synthTestStacks()
  ;({ defaults, template, customTemplate } = stacks)
  definition = renderDefinition(template)
})

afterAll(() => stacks?.cleanup())

describe('FanoutStack state machine', () => {
  it('runs Plan → Wait → Tally → Decide and loops back to Wait while running', () => {
    // Prepare
    const states = definition.States

    // Act
    const path = [definition.StartAt, states.Plan?.Next, states.Wait?.Next, states.Tally?.Next]

    // Assess
    expect(path).toEqual(['Plan', 'Wait', 'Tally', 'Decide'])
    expect(states.Wait).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds' })
    expect(states.Decide?.Type).toBe('Choice')
    expect(states.Decide?.Default).toBe('Wait')
  })

  it('branches on the tally status to Reduce and the four job Fail states', () => {
    // Prepare
    const choices = definition.States.Decide?.Choices ?? []

    // Act
    const branches = Object.fromEntries(
      choices.map((choice) => [choice.StringEquals, [choice.Variable, choice.Next]]),
    )

    // Assess
    expect(branches).toEqual({
      done: ['$.status', 'Reduce'],
      'failure-threshold': ['$.status', 'FailureThreshold'],
      'cost-cap': ['$.status', 'CostCap'],
      deadline: ['$.status', 'Deadline'],
      'job-error': ['$.status', 'JobCodeError'],
    })
    expect(definition.States.Reduce?.Next).toBe('Succeeded')
    expect(definition.States.Succeeded?.Type).toBe('Succeed')
    for (const name of ['FailureThreshold', 'CostCap', 'Deadline', 'JobCodeError']) {
      expect(definition.States[name]).toEqual({ Type: 'Fail', Error: name, CausePath: '$.cause' })
    }
  })

  it('invokes the functions directly: the whole input to Plan, { jobId, waitSeconds } to Tally, { jobId } to Reduce', () => {
    // Prepare
    const arn = (fn: FanoutFunction) => `<${functionId(defaults, fn)}.Arn>`

    // Act
    const { Plan, Tally, Reduce } = definition.States

    // Assess
    expect(Plan).toMatchObject({ Type: 'Task', Resource: arn(defaults.plan) })
    expect(Plan?.Parameters).toBeUndefined()
    expect(Tally).toMatchObject({
      Resource: arn(defaults.tally),
      Parameters: { 'jobId.$': '$.jobId', 'waitSeconds.$': '$.waitSeconds' },
    })
    expect(Reduce).toMatchObject({
      Resource: arn(defaults.reduce),
      Parameters: { 'jobId.$': '$.jobId' },
    })
  })

  it('retries Lambda service errors with backoff and catches everything into TaskFailed', () => {
    // Prepare
    const tasks = ['Plan', 'Tally', 'Reduce'].map((name) => definition.States[name])

    // Act
    const retries = tasks.map((task) => task?.Retry)
    const catches = tasks.map((task) => task?.Catch)

    // Assess
    for (const retry of retries) {
      expect(retry).toHaveLength(1)
      expect(retry?.[0]?.ErrorEquals).toEqual([...LAMBDA_SERVICE_ERRORS])
      expect(retry?.[0]?.BackoffRate).toBeGreaterThan(1)
      expect(retry?.[0]?.MaxAttempts).toBeGreaterThan(1)
    }
    for (const error of [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ]) {
      expect(LAMBDA_SERVICE_ERRORS).toContain(error)
    }
    for (const c of catches) {
      expect(c).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'TaskFailed' },
      ])
    }
    expect(definition.States.TaskFailed).toEqual({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    })
  })

  it('is a standard workflow with a 24 h timeout by default, logging everything', () => {
    // Prepare
    const custom = renderDefinition(customTemplate)

    // Act
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]

    // Assess
    expect(definition.TimeoutSeconds).toBe(24 * 3600)
    expect(custom.TimeoutSeconds).toBe(2 * 3600)
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
    })
    customTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.absent(),
    })
  })

  it('has exactly the expected states', () => {
    // Prepare
    const expected = [
      'CostCap',
      'Deadline',
      'Decide',
      'FailureThreshold',
      'JobCodeError',
      'Plan',
      'Reduce',
      'Succeeded',
      'Tally',
      'TaskFailed',
      'Wait',
    ]

    // Act
    const names = Object.keys(definition.States).sort()

    // Assess
    expect(names).toEqual(expected)
  })
})
