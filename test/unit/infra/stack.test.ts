import { Duration } from 'aws-cdk-lib'
import { Match, type Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FanoutFunction } from '../../../infra/FanoutFunction.js'
import { FanoutStack, OUTPUT_NAMES } from '../../../infra/FanoutStack.js'
import {
  bucketId,
  functionId,
  render,
  synthTestStacks,
  type TestStacks,
  testApp,
} from './fixture.js'

let stacks: TestStacks
let defaults: FanoutStack
let custom: FanoutStack
let template: Template
let customTemplate: Template

beforeAll(() => {
  stacks = synthTestStacks()
  ;({ defaults, custom, template, customTemplate } = stacks)
})

afterAll(() => stacks?.cleanup())

describe('FanoutStack resources', () => {
  it('has four arm64 nodejs22.x ESM functions, one state machine and one bucket', () => {
    // Prepare
    const expected = { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' }

    // Act
    const functions = template.findResources('AWS::Lambda::Function')

    // Assess
    expect(Object.keys(functions)).toHaveLength(4)
    template.allResourcesProperties('AWS::Lambda::Function', expected)
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1)
    template.resourceCountIs('AWS::S3::Bucket', 1)
  })

  it('sets the function defaults: source maps, Powertools, the bucket, a log group each', () => {
    // Prepare
    const environment = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'fanout',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      FANOUT_BUCKET: { Ref: bucketId(defaults) },
    }

    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function'))

    // Assess
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike(environment) },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('LogGroup') } },
    })
    for (const fn of functions) expect(fn.Properties.TracingConfig).toBeUndefined()
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 5)
  })

  it('passes the worker name to plan and tally, and its memory to the worker', () => {
    // Prepare
    const workerName = { Ref: functionId(defaults, defaults.worker) }

    // Act
    const resources = template.findResources('AWS::Lambda::Function')
    const env = (fn: FanoutFunction) =>
      resources[functionId(defaults, fn)]?.Properties.Environment.Variables

    // Assess
    expect(env(defaults.plan).FANOUT_WORKER_FUNCTION).toEqual(workerName)
    expect(env(defaults.tally).FANOUT_WORKER_FUNCTION).toEqual(workerName)
    expect(env(defaults.reduce).FANOUT_WORKER_FUNCTION).toBeUndefined()
    expect(env(defaults.worker).FANOUT_WORKER_MEMORY_MB).toBe('1769')
  })

  it('gives the worker 1769 MB and 900 s by default, and the props otherwise', () => {
    // Prepare
    const worker = (stack: FanoutStack, tpl: Template) =>
      tpl.findResources('AWS::Lambda::Function')[functionId(stack, stack.worker)]?.Properties

    // Act
    const byDefault = worker(defaults, template)
    const fromProps = worker(custom, customTemplate)

    // Assess
    expect(byDefault).toMatchObject({ MemorySize: 1769, Timeout: 900 })
    expect(fromProps).toMatchObject({ MemorySize: 3008, Timeout: 600 })
    expect(fromProps.Environment.Variables.FANOUT_WORKER_MEMORY_MB).toBe('3008')
  })

  it('gives worker and plan 2 GB of /tmp by default, the data buckets and the partial cap to the functions', () => {
    // Prepare
    const fnOf = (stack: FanoutStack, tpl: Template, fn: FanoutFunction) =>
      tpl.findResources('AWS::Lambda::Function')[functionId(stack, fn)]?.Properties

    // Act
    const worker = fnOf(defaults, template, defaults.worker)
    const plan = fnOf(defaults, template, defaults.plan)
    const tally = fnOf(defaults, template, defaults.tally)
    const customWorker = fnOf(custom, customTemplate, custom.worker)
    const customPlan = fnOf(custom, customTemplate, custom.plan)
    const outputs = customTemplate.toJSON().Outputs as Record<string, { Value: unknown }>

    // Assess
    expect(worker.EphemeralStorage).toEqual({ Size: 2048 })
    expect(plan.EphemeralStorage).toEqual({ Size: 2048 })
    expect(tally.EphemeralStorage).toEqual({ Size: 512 })
    expect(worker.Environment.Variables).toMatchObject({
      FANOUT_MAX_PARTIAL_MB: '256',
      FANOUT_DATA_BUCKETS: '',
    })
    expect(customWorker.EphemeralStorage).toEqual({ Size: 4096 })
    expect(customWorker.Environment.Variables).toMatchObject({
      FANOUT_MAX_PARTIAL_MB: '64',
      FANOUT_DATA_BUCKETS: 'lake,ticks.archive',
    })
    expect(customPlan.Environment.Variables.FANOUT_DATA_BUCKETS).toBe('lake,ticks.archive')
    expect(outputs.WorkerEphemeralStorageMb?.Value).toBe('4096')
    expect(outputs.WorkerMemoryMb?.Value).toBe('3008')
    expect(outputs.DataBuckets?.Value).toBe('lake,ticks.archive')
  })

  it('refuses a worker /tmp or a data bucket name that S3 or Lambda does not take', () => {
    // Prepare
    const test = testApp()

    // Act
    const storage = () => new FanoutStack(test.app, 'BadTmp', { workerEphemeralStorageMb: 256 })
    const bucket = () => new FanoutStack(test.app, 'BadBucket', { dataBuckets: ['My_Lake'] })

    // Assess
    expect(storage).toThrow(
      'Expected workerEphemeralStorageMb to be an integer from 512 to 10240, got 256',
    )
    expect(bucket).toThrow(
      'Expected dataBuckets to hold S3 bucket names (3 to 63 lowercase letters, digits, "." and "-"), got "My_Lake"',
    )
    test.cleanup()
  })

  it('refuses a worker memory or timeout Lambda does not offer, naming the prop', () => {
    // Prepare
    const test = testApp()

    // Act
    const memory = () => new FanoutStack(test.app, 'BadMemory', { workerMemoryMb: 100 })
    const timeout = () =>
      new FanoutStack(test.app, 'BadTimeout', { workerTimeout: Duration.minutes(16) })

    // Assess
    expect(memory).toThrow('Expected workerMemoryMb to be an integer from 128 to 10240, got 100')
    expect(timeout).toThrow(
      'Expected workerTimeout (seconds) to be an integer from 1 to 900, got 960',
    )
    test.cleanup()
  })

  it('has no custom resources (moto cannot run them)', () => {
    // Prepare
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>)

    // Act
    const custom = types.filter(
      ({ Type }) => Type.startsWith('Custom::') || Type === 'AWS::CloudFormation::CustomResource',
    )

    // Assess
    expect(custom).toEqual([])
  })

  it('outputs what the CLI reads', () => {
    // Prepare
    const names = Object.values(OUTPUT_NAMES)

    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>

    // Assess
    expect(Object.keys(outputs).sort()).toEqual([...names].sort())
    expect(outputs.BucketName?.Value).toEqual({ Ref: bucketId(defaults) })
    expect(outputs.WorkerFunctionName?.Value).toEqual({
      Ref: functionId(defaults, defaults.worker),
    })
    expect(render(outputs.StateMachineArn?.Value)).toMatch(/^<WorkflowStateMachine[0-9A-F]+>$/)
  })
})

describe('FanoutStack bucket', () => {
  it('blocks public access, encrypts with S3-managed keys, keeps no versions and is retained', () => {
    // Prepare
    const expected = {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      VersioningConfiguration: Match.absent(),
    }

    // Act
    const bucket = template.findResources('AWS::S3::Bucket')[bucketId(defaults)]

    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', expected)
    expect(bucket?.DeletionPolicy).toBe('Retain')
  })

  it('denies every request without TLS', () => {
    // Prepare
    const denyInsecure = {
      Effect: 'Deny',
      Action: 's3:*',
      Principal: { AWS: '*' },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }

    // Act
    const policies = template.findResources('AWS::S3::BucketPolicy', {
      Properties: {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(denyInsecure)]) },
      },
    })

    // Assess
    expect(Object.keys(policies)).toHaveLength(1)
  })

  it('expires jobs/ after retentionDays, bundles/ after 90 days, staged data/ after 30', () => {
    // Prepare
    const rules = (days: number) => [
      Match.objectLike({ Prefix: 'jobs/', ExpirationInDays: days, Status: 'Enabled' }),
      Match.objectLike({ Prefix: 'bundles/', ExpirationInDays: 90, Status: 'Enabled' }),
      Match.objectLike({
        Prefix: 'data/',
        ExpirationInDays: 30,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      }),
    ]

    // Act
    const expectRules = (tpl: Template, days: number) =>
      tpl.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: rules(days) },
      })

    // Assess
    expectRules(template, 30)
    expectRules(customTemplate, 7)
  })
})
