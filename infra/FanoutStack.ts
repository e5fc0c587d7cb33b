import { join } from 'node:path'
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib'
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda'
import type { RetentionDays } from 'aws-cdk-lib/aws-logs'
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import { FanoutFunction, type FanoutLogLevel } from './FanoutFunction.js'
import { FanoutWorkflow } from './FanoutWorkflow.js'
import { DEFAULT_FUNCTIONS_DIR } from './paths.js'

/** Key prefix of content-addressed job bundles (`bundles/<sha256>.mjs`). */
export const BUNDLES_PREFIX = 'bundles/'
/** Key prefix of everything a job writes (manifest, partials, result). */
export const JOBS_PREFIX = 'jobs/'
/** Key prefix of the data staged with jobs (`data/<sha256>`, folder listings, line indexes). */
export const DATA_PREFIX = 'data/'

/** The stack outputs the CLI reads (`fanout deploy` records them). */
export const OUTPUT_NAMES = {
  bucketName: 'BucketName',
  stateMachineArn: 'StateMachineArn',
  workerFunctionName: 'WorkerFunctionName',
  planFunctionName: 'PlanFunctionName',
  tallyFunctionName: 'TallyFunctionName',
  reduceFunctionName: 'ReduceFunctionName',
  workerMemoryMb: 'WorkerMemoryMb',
  workerEphemeralStorageMb: 'WorkerEphemeralStorageMb',
  dataBuckets: 'DataBuckets',
} as const

/** Options of {@link FanoutStack}. */
export interface FanoutStackProps extends StackProps {
  /** Worker memory in MB (1769 MB is one full vCPU). @default 1769 */
  readonly workerMemoryMb?: number
  /** Worker timeout. @default Duration.seconds(900) */
  readonly workerTimeout?: Duration
  /**
   * The worker's (and plan's) ephemeral storage, `/tmp`, in MB, 512 to 10240:
   * where `file()` and `folder()` params are downloaded. @default 2048
   */
  readonly workerEphemeralStorageMb?: number
  /**
   * The user's own buckets the functions may read, for `objects('s3://<bucket>/...')`:
   * the worker may get their objects, plan may list and get them (it pins the
   * listing for the job, and times sample atoms for `--partition weighted`).
   * Nothing else is granted on them. @default none
   */
  readonly dataBuckets?: readonly string[]
  /** The largest partial a molecule may write, MB (`FANOUT_MAX_PARTIAL_MB`). @default 256 */
  readonly maxPartialMb?: number
  /** Days after which staged data (`data/`) expires; a later run stages it again. @default 30 */
  readonly dataRetentionDays?: number
  /** Days after which objects under `jobs/` expire. @default 30 */
  readonly retentionDays?: number
  /** Days after which objects under `bundles/` expire. @default 90 */
  readonly bundleRetentionDays?: number
  /** What happens to the bucket when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly bucketRemovalPolicy?: RemovalPolicy
  /** Retention of every log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays
  /** `POWERTOOLS_LOG_LEVEL` of every function. @default 'INFO' */
  readonly logLevel?: FanoutLogLevel
  /** The longest a job's execution may run. @default Duration.hours(24) */
  readonly executionTimeout?: Duration
  /** Log state machine executions (level ALL) to a log group. @default true */
  readonly stateMachineLogging?: boolean
  /**
   * Where the prebuilt handler bundles are: `plan/`, `worker/`, `tally/` and
   * `reduce/`, each holding an `index.mjs` that exports `handler`.
   * @default `<fanout package>/dist/functions` (written by `npm run build`)
   */
  readonly functionsDir?: string
}

/** S3 bucket names: 3 to 63 lowercase letters, digits, dots and hyphens. */
function checkBuckets(names: readonly string[]): readonly string[] {
  for (const name of names) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
      throw new TypeError(
        `Expected dataBuckets to hold S3 bucket names (3 to 63 lowercase letters, digits, "." and "-"), got ${JSON.stringify(name)}`,
      )
    }
  }
  return [...new Set(names)]
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `Expected ${name} to be an integer from ${min} to ${max}, got ${String(value)} (${typeof value})`,
    )
  }
  return value
}

/**
 * fanout's whole cloud side: one bucket, the plan/worker/tally/reduce
 * functions with least-privilege roles, and the workflow that drives them.
 * Deploy once; jobs travel as bundles in the bucket. No custom resources, so
 * it also deploys to moto-based emulators.
 */
export class FanoutStack extends Stack {
  readonly bucket: Bucket
  readonly plan: FanoutFunction
  readonly worker: FanoutFunction
  readonly tally: FanoutFunction
  readonly reduce: FanoutFunction
  readonly workflow: FanoutWorkflow
  /** The user's buckets the functions may read. */
  readonly dataBuckets: readonly string[]

  constructor(scope: Construct, id: string, props: FanoutStackProps = {}) {
    super(scope, id, props)
    const workerMemoryMb = checkInteger('workerMemoryMb', props.workerMemoryMb ?? 1769, 128, 10240)
    const workerTimeout = props.workerTimeout ?? Duration.seconds(900)
    checkInteger('workerTimeout (seconds)', workerTimeout.toSeconds(), 1, 900)
    const retentionDays = checkInteger('retentionDays', props.retentionDays ?? 30, 1, 36500)
    const bundleDays = checkInteger(
      'bundleRetentionDays',
      props.bundleRetentionDays ?? 90,
      1,
      36500,
    )
    const functionsDir = props.functionsDir ?? DEFAULT_FUNCTIONS_DIR
    const ephemeralMb = checkInteger(
      'workerEphemeralStorageMb',
      props.workerEphemeralStorageMb ?? 2048,
      512,
      10240,
    )
    const maxPartialMb = checkInteger('maxPartialMb', props.maxPartialMb ?? 256, 1, 5120)
    const dataDays = checkInteger('dataRetentionDays', props.dataRetentionDays ?? 30, 1, 36500)
    this.dataBuckets = checkBuckets(props.dataBuckets ?? [])

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      removalPolicy: props.bucketRemovalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireJobData',
          prefix: JOBS_PREFIX,
          expiration: Duration.days(retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'ExpireBundles', prefix: BUNDLES_PREFIX, expiration: Duration.days(bundleDays) },
        {
          id: 'ExpireData',
          prefix: DATA_PREFIX,
          expiration: Duration.days(dataDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    })
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Job data only, reached through the functions roles and the deploying user; a second, access-log bucket would outlive every job. Enable CloudTrail S3 data events where an audit trail is required.',
    })

    const dataEnv = { FANOUT_DATA_BUCKETS: this.dataBuckets.join(',') }
    const fn = (
      name: string,
      memorySize: number,
      timeout: Duration,
      env: Record<string, string>,
      ephemeralStorageMb?: number,
    ) =>
      new FanoutFunction(this, name, {
        codeDir: join(functionsDir, name.toLowerCase()),
        memorySize,
        timeout,
        ephemeralStorageMb,
        logRetention: props.logRetention,
        logLevel: props.logLevel,
        description: `fanout ${name.toLowerCase()}`,
        environment: { FANOUT_BUCKET: this.bucket.bucketName, ...env },
      })
    this.worker = fn(
      'Worker',
      workerMemoryMb,
      workerTimeout,
      {
        FANOUT_WORKER_MEMORY_MB: String(workerMemoryMb),
        FANOUT_MAX_PARTIAL_MB: String(maxPartialMb),
        ...dataEnv,
      },
      ephemeralMb,
    )
    const workerEnv = { FANOUT_WORKER_FUNCTION: this.worker.functionName }
    // plan runs setup too, timing sample atoms for --partition weighted: the same /tmp
    this.plan = fn('Plan', 1024, Duration.seconds(300), { ...workerEnv, ...dataEnv }, ephemeralMb)
    this.tally = fn('Tally', 512, Duration.seconds(60), workerEnv)
    this.reduce = fn('Reduce', 3008, Duration.seconds(900), dataEnv)

    this.#grantPermissions()

    this.workflow = new FanoutWorkflow(this, 'Workflow', {
      plan: this.plan,
      tally: this.tally,
      reduce: this.reduce,
      executionTimeout: props.executionTimeout,
      logging: props.stateMachineLogging,
      logRetention: props.logRetention,
    })
    this.#acknowledgeWorkflowRole()

    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description })
    output(OUTPUT_NAMES.bucketName, this.bucket.bucketName, 'Bundles and job data')
    output(
      OUTPUT_NAMES.stateMachineArn,
      this.workflow.stateMachine.stateMachineArn,
      'One execution per job',
    )
    output(OUTPUT_NAMES.workerFunctionName, this.worker.functionName, 'Runs one molecule')
    output(OUTPUT_NAMES.planFunctionName, this.plan.functionName, 'Splits a job into molecules')
    output(OUTPUT_NAMES.tallyFunctionName, this.tally.functionName, 'Tracks progress')
    output(OUTPUT_NAMES.reduceFunctionName, this.reduce.functionName, 'Combines partials')
    output(OUTPUT_NAMES.workerMemoryMb, String(workerMemoryMb), "The worker's memory, MB")
    output(
      OUTPUT_NAMES.workerEphemeralStorageMb,
      String(ephemeralMb),
      "The worker's /tmp, MB: where data params are downloaded",
    )
    output(
      OUTPUT_NAMES.dataBuckets,
      this.dataBuckets.join(',') || '-',
      'The data buckets the functions may read ("-": none)',
    )
  }

  /**
   * Least privilege, by key prefix. Every role gets `s3:ListBucket` on the
   * bucket: without it S3 answers 403 instead of 404 for a key that does not
   * exist, and the handlers ask for keys that do not exist yet on purpose
   * (`S3ResultStore.exists`/`get`: the worker's partial, plan's manifest and
   * dispatch record). That check carries no `s3:prefix`, so a grant
   * conditioned on one would not count. Listing shows key names only.
   */
  #grantPermissions(): void {
    const bundles = this.bucket.arnForObjects(`${BUNDLES_PREFIX}*`)
    const jobs = this.bucket.arnForObjects(`${JOBS_PREFIX}*`)
    const readBundles = new PolicyStatement({ actions: ['s3:GetObject'], resources: [bundles] })
    const readData = new PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(`${DATA_PREFIX}*`)],
    })
    const readJobs = new PolicyStatement({ actions: ['s3:GetObject'], resources: [jobs] })
    const writeJobs = new PolicyStatement({ actions: ['s3:PutObject'], resources: [jobs] })
    const list = new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
    })
    // The unqualified ARN only: fanout never invokes a version or an alias.
    const invokeWorker = new PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [this.worker.functionArn],
    })

    const grant = (fn: FanoutFunction, statements: PolicyStatement[]) => {
      for (const statement of statements) fn.addToRolePolicy(statement)
      const prefixes = new Set<string>()
      if (statements.includes(readBundles)) prefixes.add(BUNDLES_PREFIX)
      if (statements.some((st) => st === readJobs || st === writeJobs)) prefixes.add(JOBS_PREFIX)
      if (statements.includes(readData)) prefixes.add(DATA_PREFIX)
      this.#acknowledgeObjectWildcards(fn, prefixes)
    }
    // Reads the job's code and data; checks (HeadObject) and writes its partial, errors and timings.
    grant(this.worker, [readBundles, readJobs, writeJobs, list, readData])
    // Reads the bundle (and the data's listings and line indexes) to count atoms, writes the manifest, invokes the worker.
    grant(this.plan, [readBundles, readJobs, writeJobs, list, readData, invokeWorker])
    // Lists and reads partials and crash records, writes progress, re-invokes stragglers.
    grant(this.tally, [readJobs, writeJobs, list, invokeWorker])
    // Imports the job's reduce (with its data params' folder listings), reads partials, writes result, errors and stats.
    grant(this.reduce, [readBundles, readJobs, writeJobs, list, readData])
    this.#grantDataBuckets()
  }

  /**
   * The user's data buckets, named at deploy time: the worker gets their
   * objects (by the key the job's pinned listing names); plan lists them
   * (once per job) and gets their objects (the sample atoms of
   * `--partition weighted`). No writes, no other bucket.
   */
  #grantDataBuckets(): void {
    if (this.dataBuckets.length === 0) return
    const objects = this.dataBuckets.map((b) => `arn:${this.partition}:s3:::${b}/*`)
    const buckets = this.dataBuckets.map((b) => `arn:${this.partition}:s3:::${b}`)
    const get = new PolicyStatement({ actions: ['s3:GetObject'], resources: objects })
    this.worker.addToRolePolicy(get)
    this.plan.addToRolePolicy(get)
    this.plan.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: buckets }),
    )
    for (const fn of [this.worker, this.plan]) {
      for (const b of this.dataBuckets) {
        Validations.of(fn.role as IRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`,
          reason: `Read-only access to the objects of ${b}, a data bucket named at deploy time (-c dataBuckets): a job's objects() source reads any object under the prefix it names.`,
        })
      }
    }
  }

  /** The `bundles/*` and `jobs/*` object ARNs are the key layout, not a shortcut. */
  #acknowledgeObjectWildcards(fn: FanoutFunction, prefixes: Iterable<string>): void {
    const role = fn.role as IRole
    const bucketId = this.getLogicalId(this.bucket.node.defaultChild as CfnBucket)
    for (const prefix of prefixes) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason: `Objects under ${prefix} have per-job, content-addressed keys (see src/store/layout.ts): the prefix is the narrowest resource that covers them.`,
      })
    }
  }

  /** LambdaInvoke grants `<function ARN>:*` (versions and aliases); log delivery needs `*`. */
  #acknowledgeWorkflowRole(): void {
    const role = this.workflow.stateMachine.role
    for (const fn of [this.plan, this.tally, this.reduce]) {
      const fnId = this.getLogicalId(fn.node.defaultChild as CfnFunction)
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${fnId}.Arn>:*]`,
        reason:
          'Added by the CDK LambdaInvoke task to allow qualified invocations of this one function; no other function is reachable.',
      })
    }
    if (this.workflow.logGroup) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'CloudWatch Logs vended-log delivery actions (logs:CreateLogDelivery, PutResourcePolicy, ...) support no resource-level permissions; Step Functions requires them on "*" to log executions.',
      })
    }
  }
}
