/**
 * Shared set-up of the infra tests: a throw-away cloud assembly directory and
 * readers for template values. The stacks deploy the prebuilt handler bundles
 * of `dist/functions/` (run `npm run build` first).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Duration } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda'
import type { CfnBucket } from 'aws-cdk-lib/aws-s3'
import type { FanoutFunction } from '../../../infra/FanoutFunction.js'
import { FanoutStack } from '../../../infra/FanoutStack.js'

/** Options of {@link testApp}. */
export interface TestAppOptions {
  /** Run CDK's built-in CloudFormation schema validation (about 9 s per stack). @default false */
  cfnValidation?: boolean
}

/** An app writing into a fresh temporary directory, and a way to remove it. */
export function testApp(options: TestAppOptions = {}): {
  app: App
  dir: string
  cleanup: () => void
} {
  const dir = mkdtempSync(join(tmpdir(), 'fanout-infra-test-'))
  const app = new App({
    outdir: join(dir, 'cdk.out'),
    builtinCloudFormationValidation: options.cfnValidation ?? false,
  })
  return { app, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The part of CDK's validation-report.json the tests read. */
export interface ValidationReport {
  pluginReports: Array<{
    pluginName: string
    violations: Array<{
      ruleName: string
      severity: string
      violatingConstructs: Array<{ constructPath: string }>
    }>
  }>
}

/** `<rule> at <construct path>`, one per unacknowledged finding of the given severity. */
export function findings(report: ValidationReport, severity: string): string[] {
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations
      .filter((violation) => violation.severity === severity)
      .flatMap((violation) =>
        violation.violatingConstructs.map((c) => `${violation.ruleName} at ${c.constructPath}`),
      ),
  )
}

/** Synthesizes `app` and reads its validation report; synth throws when a plugin reports an error. */
export function synthWithReport(
  app: App,
  dir: string,
): { report: ValidationReport; error: unknown } {
  let error: unknown
  try {
    app.synth()
  } catch (caught) {
    error = caught
  }
  const file = join(dir, 'cdk.out', 'validation-report.json')
  const report = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as ValidationReport)
    : { pluginReports: [] }
  return { report, error }
}

/** An Amazon States Language state, loosely typed. */
export interface AslState {
  Type: string
  Next?: string
  End?: boolean
  Default?: string
  Resource?: string
  Parameters?: Record<string, unknown>
  Choices?: Array<{ Variable: string; StringEquals?: string; Next: string }>
  Retry?: Array<{
    ErrorEquals: string[]
    IntervalSeconds?: number
    MaxAttempts?: number
    BackoffRate?: number
  }>
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string; Next: string }>
  SecondsPath?: string
  Error?: string
  ErrorPath?: string
  CausePath?: string
}

/** A state machine definition. */
export interface AslDefinition {
  StartAt: string
  TimeoutSeconds?: number
  States: Record<string, AslState>
}

/**
 * A template value as a string: `Fn::GetAtt` as `<LogicalId.Attribute>`, `Ref`
 * as `<LogicalId>`, `Fn::Join` joined.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value
  const intrinsic = value as Record<string, unknown>
  if (Array.isArray(intrinsic['Fn::GetAtt'])) {
    return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`
  }
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`
  if (Array.isArray(intrinsic['Fn::Join'])) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]]
    return parts.map(render).join(separator)
  }
  throw new Error(`Expected a string, Fn::GetAtt, Ref or Fn::Join, got ${JSON.stringify(value)}`)
}

/** The state machine's definition, rendered with {@link render}. */
export function renderDefinition(template: Template): AslDefinition {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))
  if (machines.length !== 1) throw new Error(`Expected 1 state machine, got ${machines.length}`)
  const definition = (machines[0] as { Properties: { DefinitionString: unknown } }).Properties
    .DefinitionString
  return JSON.parse(render(definition)) as AslDefinition
}

/** Two stacks of one app: one with defaults, one with every prop set. */
export interface TestStacks {
  defaults: FanoutStack
  custom: FanoutStack
  template: Template
  customTemplate: Template
  cleanup: () => void
}

/** The props the `custom` stack of {@link synthTestStacks} is built with. */
export const CUSTOM_PROPS = {
  workerMemoryMb: 3008,
  workerTimeout: Duration.seconds(600),
  retentionDays: 7,
  executionTimeout: Duration.hours(2),
  stateMachineLogging: false,
  workerEphemeralStorageMb: 4096,
  dataBuckets: ['lake', 'ticks.archive'],
  maxPartialMb: 64,
} as const

/** Builds and synthesizes the {@link TestStacks} (about a second). */
export function synthTestStacks(): TestStacks {
  const test = testApp()
  const defaults = new FanoutStack(test.app, 'Defaults')
  const custom = new FanoutStack(test.app, 'Custom', CUSTOM_PROPS)
  return {
    defaults,
    custom,
    template: Template.fromStack(defaults),
    customTemplate: Template.fromStack(custom),
    cleanup: test.cleanup,
  }
}

/** The bucket's logical id. */
export const bucketId = (stack: FanoutStack): string =>
  stack.getLogicalId(stack.bucket.node.defaultChild as CfnBucket)

/** A function's logical id. */
export const functionId = (stack: FanoutStack, fn: FanoutFunction): string =>
  stack.getLogicalId(fn.node.defaultChild as CfnFunction)
