import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions'
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks'
import { Construct } from 'constructs'

/** The Lambda service errors every task retries (throttling included). */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const

/** The names of the workflow's states, as the CLI sees them in the execution history. */
export const STATE_NAMES = {
  plan: 'Plan',
  wait: 'Wait',
  tally: 'Tally',
  decide: 'Decide',
  reduce: 'Reduce',
  succeeded: 'Succeeded',
  taskFailed: 'TaskFailed',
  failureThreshold: 'FailureThreshold',
  costCap: 'CostCap',
  deadline: 'Deadline',
  jobCodeError: 'JobCodeError',
} as const

/** Options of {@link FanoutWorkflow}. */
export interface FanoutWorkflowProps {
  /** The plan function: its event is the execution's input; it returns `{ jobId, waitSeconds }`. */
  readonly plan: IFunction
  /** The tally function: gets `{ jobId }`, returns a `TallyResult`. */
  readonly tally: IFunction
  /** The reduce function: gets `{ jobId }`. */
  readonly reduce: IFunction
  /** The longest an execution may run. @default Duration.hours(24) */
  readonly executionTimeout?: Duration
  /** Log every execution event (level ALL, with execution data) to a log group. @default true */
  readonly logging?: boolean
  /** Retention of the execution log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays
}

/**
 * fanout's Step Functions workflow (standard type):
 *
 * ```
 * Plan → Wait($.waitSeconds) → Tally → Decide ─ running ─▶ Wait
 *                                          ├─ done ─▶ Reduce → Succeeded
 *                                          ├─ failure-threshold ─▶ Fail FailureThreshold
 *                                          ├─ cost-cap ─▶ Fail CostCap
 *                                          ├─ deadline ─▶ Fail Deadline
 *                                          └─ job-error ─▶ Fail JobCodeError (the job's setup threw)
 * ```
 *
 * The three job-level Fail states take their cause from the tally's `$.cause`.
 * Every task retries Lambda service errors ({@link LAMBDA_SERVICE_ERRORS}) with
 * jittered exponential backoff and catches everything else into the Fail state
 * `TaskFailed`, whose error and cause are the task's.
 */
export class FanoutWorkflow extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine
  /** The execution log group, when logging is on. */
  readonly logGroup: LogGroup | undefined

  constructor(scope: Construct, id: string, props: FanoutWorkflowProps) {
    super(scope, id)

    const taskFailed = new Fail(this, STATE_NAMES.taskFailed, {
      errorPath: JsonPath.stringAt('$.error.Error'),
      causePath: JsonPath.stringAt('$.error.Cause'),
    })
    const invoke = (name: string, fn: IFunction, payload?: TaskInput): LambdaInvoke => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false, // replaced by the retry below, which adds throttling
        ...(payload ? { payload } : {}),
      })
      task.addRetry({
        errors: [...LAMBDA_SERVICE_ERRORS],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      })
      task.addCatch(taskFailed, { errors: [Errors.ALL], resultPath: '$.error' })
      return task
    }
    const jobIdOnly = TaskInput.fromObject({ jobId: JsonPath.stringAt('$.jobId') })

    // The execution's input is the plan event: passed whole.
    const plan = invoke(STATE_NAMES.plan, props.plan)
    const wait = new Wait(this, STATE_NAMES.wait, {
      time: WaitTime.secondsPath('$.waitSeconds'),
    })
    // the tally gets the last wait too, so it can lengthen waits while nothing changes
    // (long jobs then stay well under Step Functions' 25,000 history events)
    const tallyInput = TaskInput.fromObject({
      jobId: JsonPath.stringAt('$.jobId'),
      waitSeconds: JsonPath.numberAt('$.waitSeconds'),
    })
    const tally = invoke(STATE_NAMES.tally, props.tally, tallyInput)
    const reduce = invoke(STATE_NAMES.reduce, props.reduce, jobIdOnly)
    const jobFailed = (name: string, status: string): [Condition, Fail] => [
      Condition.stringEquals('$.status', status),
      new Fail(this, name, { error: name, causePath: JsonPath.stringAt('$.cause') }),
    ]
    const decide = new Choice(this, STATE_NAMES.decide)
      .when(
        Condition.stringEquals('$.status', 'done'),
        reduce.next(new Succeed(this, STATE_NAMES.succeeded)),
      )
      .when(...jobFailed(STATE_NAMES.failureThreshold, 'failure-threshold'))
      .when(...jobFailed(STATE_NAMES.costCap, 'cost-cap'))
      .when(...jobFailed(STATE_NAMES.deadline, 'deadline'))
      .when(...jobFailed(STATE_NAMES.jobCodeError, 'job-error'))
      .otherwise(wait)

    this.logGroup =
      (props.logging ?? true)
        ? new LogGroup(this, 'Logs', {
            // Step Functions' vended logs: this prefix keeps the account's log resource policy small.
            logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${id}`,
            retention: props.logRetention ?? RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.DESTROY,
          })
        : undefined

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(plan.next(wait).next(tally).next(decide)),
      timeout: props.executionTimeout ?? Duration.hours(24),
      tracingEnabled: false,
      ...(this.logGroup
        ? { logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true } }
        : {}),
    })

    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF2',
      reason:
        'X-Ray tracing is off on purpose: fanout reports progress and timings itself (tally, run stats), and tracing every molecule would cost more than the work for short atoms.',
    })
    if (!this.logGroup) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          'Execution logging is turned off only for the local emulator (moto), which ignores LoggingConfiguration.',
      })
    }
  }
}
