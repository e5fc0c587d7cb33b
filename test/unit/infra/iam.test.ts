import { Match, type Template } from 'aws-cdk-lib/assertions'
import type { CfnRole } from 'aws-cdk-lib/aws-iam'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FanoutFunction } from '../../../infra/FanoutFunction.js'
import type { FanoutStack } from '../../../infra/FanoutStack.js'
import { bucketId, functionId, render, synthTestStacks, type TestStacks } from './fixture.js'

interface Statement {
  Effect: string
  Action: string | string[]
  Resource: unknown
  Condition?: Record<string, Record<string, string>>
}

/** A statement with its actions as a list and its resources rendered as strings. */
interface Grant {
  actions: string[]
  resources: string[]
  condition?: Record<string, Record<string, string>>
}

const toList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value])

/** Every statement of the policies attached to a function's role. */
function grantsOf(stack: FanoutStack, tpl: Template, fn: FanoutFunction): Grant[] {
  const roleId = stack.getLogicalId(fn.role?.node.defaultChild as CfnRole)
  const policies = tpl.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  })
  return Object.values(policies).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({
      actions: toList(statement.Action),
      resources: toList(statement.Resource).map(render),
      ...(statement.Condition ? { condition: statement.Condition } : {}),
    })),
  )
}

/** The grants of a function that are not the write access to its own log group. */
function grantsBeyondLogs(stack: FanoutStack, fn: FanoutFunction): Grant[] {
  return grantsOf(stack, template, fn).filter((grant) => !grant.actions[0]?.startsWith('logs:'))
}

let stacks: TestStacks
let defaults: FanoutStack
let template: Template
let customTemplate: Template

beforeAll(() => {
  stacks = synthTestStacks()
  ;({ defaults, template, customTemplate } = stacks)
})

afterAll(() => stacks?.cleanup())

describe('FanoutStack IAM', () => {
  it('lets the worker read bundles/* and data/*, check and write jobs/*, nothing more', () => {
    // Prepare
    const bucket = `<${bucketId(defaults)}.Arn>`

    // Act
    const grants = grantsBeyondLogs(defaults, defaults.worker)

    // Assess
    expect(grants).toEqual([
      { actions: ['s3:GetObject'], resources: [`${bucket}/bundles/*`] },
      { actions: ['s3:GetObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:PutObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:ListBucket'], resources: [bucket] },
      { actions: ['s3:GetObject'], resources: [`${bucket}/data/*`] },
    ])
  })

  it('lets the worker get, and plan list and get, the data buckets named at deploy time, and nothing else of them', () => {
    // Prepare
    const { custom, customTemplate: tpl } = stacks
    const objects = [
      'arn:<AWS::Partition>:s3:::lake/*',
      'arn:<AWS::Partition>:s3:::ticks.archive/*',
    ]
    const beyondLogs = (fn: FanoutFunction) =>
      grantsOf(custom, tpl, fn).filter((g) => !g.actions[0]?.startsWith('logs:'))
    const onDataBuckets = (fn: FanoutFunction) =>
      beyondLogs(fn).filter((g) => g.resources.some((r) => /:::(lake|ticks)/.test(r)))

    // Act
    const worker = onDataBuckets(custom.worker)
    const plan = onDataBuckets(custom.plan)
    const others = [custom.tally, custom.reduce].flatMap(onDataBuckets)

    // Assess
    expect(worker).toEqual([{ actions: ['s3:GetObject'], resources: objects }])
    expect(plan).toEqual([
      { actions: ['s3:GetObject'], resources: objects },
      {
        actions: ['s3:ListBucket'],
        resources: ['arn:<AWS::Partition>:s3:::lake', 'arn:<AWS::Partition>:s3:::ticks.archive'],
      },
    ])
    expect(others).toEqual([])
    expect(grantsBeyondLogs(defaults, defaults.worker).flatMap((g) => g.resources)).not.toContain(
      'arn:<AWS::Partition>:s3:::lake/*',
    )
  })

  it('lets plan read bundles/* and data/*, read and write jobs/*, and invoke the worker only', () => {
    // Prepare
    const bucket = `<${bucketId(defaults)}.Arn>`
    const worker = `<${functionId(defaults, defaults.worker)}.Arn>`

    // Act
    const grants = grantsBeyondLogs(defaults, defaults.plan)

    // Assess
    expect(grants).toEqual([
      { actions: ['s3:GetObject'], resources: [`${bucket}/bundles/*`] },
      { actions: ['s3:GetObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:PutObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:ListBucket'], resources: [bucket] },
      { actions: ['s3:GetObject'], resources: [`${bucket}/data/*`] },
      { actions: ['lambda:InvokeFunction'], resources: [worker] },
    ])
  })

  it('lets tally use jobs/* and invoke the worker, and reduce read bundles/* and use jobs/*', () => {
    // Prepare
    const bucket = `<${bucketId(defaults)}.Arn>`
    const worker = `<${functionId(defaults, defaults.worker)}.Arn>`
    const jobs = [
      { actions: ['s3:GetObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:PutObject'], resources: [`${bucket}/jobs/*`] },
      { actions: ['s3:ListBucket'], resources: [bucket] },
    ]

    // Act
    const tally = grantsBeyondLogs(defaults, defaults.tally)
    const reduce = grantsBeyondLogs(defaults, defaults.reduce)

    // Assess
    expect(tally).toEqual([...jobs, { actions: ['lambda:InvokeFunction'], resources: [worker] }])
    expect(reduce).toEqual([
      { actions: ['s3:GetObject'], resources: [`${bucket}/bundles/*`] },
      ...jobs,
      { actions: ['s3:GetObject'], resources: [`${bucket}/data/*`] },
    ])
  })

  it('never grants writes outside jobs/ nor deletes', () => {
    // Prepare
    const bucket = `<${bucketId(defaults)}.Arn>`
    const fns = [defaults.plan, defaults.worker, defaults.tally, defaults.reduce]

    // Act
    const s3Actions = fns.flatMap((fn) =>
      grantsBeyondLogs(defaults, fn).flatMap((grant) =>
        grant.actions.filter((a) => a.startsWith('s3:')).map((a) => [a, grant.resources]),
      ),
    )

    // Assess
    for (const [action, resources] of s3Actions) {
      expect(['s3:GetObject', 's3:PutObject', 's3:ListBucket']).toContain(action)
      if (action === 's3:PutObject') expect(resources).toEqual([`${bucket}/jobs/*`])
    }
  })

  it('lets each function write only to its own log group, with no managed policy', () => {
    // Prepare
    const fns = [defaults.plan, defaults.worker, defaults.tally, defaults.reduce]

    // Act
    const logGrants = fns.map((fn) =>
      grantsOf(defaults, template, fn).filter((g) => g.actions[0]?.startsWith('logs:')),
    )

    // Assess
    for (const [i, fn] of fns.entries()) {
      const logGroup = render(
        template.findResources('AWS::Lambda::Function')[functionId(defaults, fn)]?.Properties
          .LoggingConfig.LogGroup,
      )
      expect(logGrants[i]).toEqual([
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.replace(/>$/, '.Arn>')],
        },
      ])
    }
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() })
  })

  it('uses Resource "*" only for Step Functions log delivery, which has no resource-level permissions', () => {
    // Prepare
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))

    // Act
    const starred = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).filter((statement) =>
        toList(statement.Resource).includes('*'),
      ),
    )

    // Assess
    expect(starred).toHaveLength(1)
    for (const action of toList(starred[0]?.Action ?? [])) expect(action).toMatch(/^logs:/)
  })

  it('uses no Resource "*" at all without execution logging', () => {
    // Prepare
    const policies = Object.values(customTemplate.findResources('AWS::IAM::Policy'))

    // Act
    const resources = policies.flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap((statement) =>
        toList(statement.Resource),
      ),
    )

    // Assess
    expect(resources).not.toContain('*')
    customTemplate.resourceCountIs('AWS::Logs::LogGroup', 4)
  })
})
