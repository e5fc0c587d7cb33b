import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn'
import type { PlanEvent } from '../../contracts/events.js'
import type { CloudSettings } from '../../contracts/settings.js'
import { chargeOpenAttempts } from '../../core/caps.js'
import { manifestCostUsd } from '../../core/cost.js'
import {
  FanoutError,
  LimitReachedError,
  RunInterruptedError,
  UsageError,
} from '../../core/errors.js'
import { liveAtoms } from '../../core/liveAtoms.js'
import { progressOf } from '../../core/schedule.js'
import type { ColumnTable } from '../../core/table.js'
import type {
  ExecuteOptions,
  ExecutePlan,
  Executor,
  ProgressEvent,
  RunOutcome,
} from '../../executors/Executor.js'
import { dispatchDetail, phaseEvent } from '../../executors/phaseEvent.js'
import type { RunStats } from '../../runtime/reduce.js'
import { errorsTableKey, resultKey, statsKey, summaryKey } from '../../store/layout.js'
import { readManifest, saveManifest } from '../../store/manifests.js'
import { decodeTable } from '../../store/parquet.js'
import type { ResultStore } from '../../store/ResultStore.js'
import { clientConfig, type TargetConnection } from '../connection.js'
import { ExecutionFailedError } from '../errors.js'
import { sleep } from '../retry.js'
import type { DeployedStack } from './deploy.js'

/** Options of the {@link CloudExecutor}. */
export interface CloudExecutorOptions {
  connection: TargetConnection
  deployed: DeployedStack
  /** The S3 result store over the stack's bucket. */
  store: ResultStore
  /** Molecule-count hint (molecules default to workers × 4). @default 64 */
  workers?: number
  molecules?: number
  atomsPerMolecule?: number
  /** Cloud settings other than the bundle (poll interval, caps, deadline...). */
  settings?: Partial<Omit<CloudSettings, 'bundleKey' | 'sha256'>>
  /** @default 3 */
  maxAttempts?: number
  /** How often the CLI polls the execution and the manifest. @default 500 */
  pollMs?: number
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'])

/** The state machine's Fail states of a job that stopped at a limit, resumable. */
const LIMIT_STATES: Record<string, 'cost-cap' | 'deadline'> = {
  CostCap: 'cost-cap',
  Deadline: 'deadline',
}

/**
 * Runs a job on the deployed stack: uploads the bundle content-addressed,
 * starts an execution named after the job id, follows its progress through
 * the manifest the tally keeps, and downloads the result. The same class
 * serves `localstack` and `aws`: only the connection differs.
 */
export class CloudExecutor implements Executor {
  readonly target: 'localstack' | 'aws'
  private readonly sfn: SFNClient

  constructor(private readonly options: CloudExecutorOptions) {
    this.target = options.connection.target
    this.sfn = new SFNClient({ ...clientConfig(options.connection, 'sfn'), maxAttempts: 5 })
  }

  /** The state machine input for a planned job. */
  planEvent(plan: ExecutePlan): PlanEvent {
    const m = plan.manifest
    const o = this.options
    const { maxCostUsd, deadline, estimatedMoleculeUsd, reservedUsd } = m.options
    const caps = {
      ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
      ...(estimatedMoleculeUsd !== undefined ? { estimatedMoleculeUsd } : {}),
      ...(reservedUsd !== undefined ? { reservedUsd } : {}),
    }
    return {
      jobId: m.jobId,
      jobName: m.jobName,
      jobFile: m.jobFile,
      params: m.params,
      partition: {
        scheme: m.partition.scheme,
        workers: o.workers ?? 64,
        // the count fanout chose (the estimate's suggestion) when no flag gave one
        ...(o.molecules
          ? { molecules: o.molecules }
          : plan.cut?.molecules
            ? { molecules: plan.cut.molecules }
            : {}),
        ...(o.atomsPerMolecule ? { atomsPerMolecule: o.atomsPerMolecule } : {}),
      },
      maxAttempts: m.options.maxAttempts,
      recovery: {
        ...(m.options.retryAtoms ? { retryAtoms: true } : {}),
        ...(m.options.tolerateFailures !== undefined
          ? { tolerateFailures: m.options.tolerateFailures }
          : {}),
        speculate: m.options.speculate ?? true,
        ...(m.options.timeoutMs !== undefined ? { timeoutMs: m.options.timeoutMs } : {}),
        ...caps,
      },
      cloud: {
        bundleKey: `bundles/${plan.bundle.sha256}.mjs`,
        sha256: plan.bundle.sha256,
        dispatchConcurrency: 128,
        // the worker's own timeout ends a hung execution; the tally waits 30 s more for its partial
        moleculeTimeoutMs: (m.options.timeoutMs ?? 15 * 60 * 1000) + 30_000,
        pollSeconds: 2,
        // --tolerate-failures, when given, also stops the job early once more atoms failed
        failureTolerance: m.options.tolerateFailures ?? 1,
        // the deployed worker's (-c workerMemoryMb), which the cost so far and the progress price
        memoryMb: o.deployed.workerMemoryMb ?? 1769,
        architecture: 'arm64',
        // --max-cost and --deadline: the plan step and the tally dispatch only what they allow
        ...(caps.maxCostUsd !== undefined ? { costCapUsd: caps.maxCostUsd } : {}),
        ...(caps.deadline !== undefined ? { deadline: caps.deadline } : {}),
        ...(caps.estimatedMoleculeUsd !== undefined
          ? { estimatedMoleculeUsd: caps.estimatedMoleculeUsd }
          : {}),
        ...(caps.reservedUsd !== undefined ? { reservedUsd: caps.reservedUsd } : {}),
        ...o.settings,
      },
    }
  }

  async run(plan: ExecutePlan, options: ExecuteOptions = {}): Promise<RunOutcome> {
    const started = performance.now()
    const { store } = this.options
    const jobId = plan.manifest.jobId
    const event = this.planEvent(plan)
    // content-addressed: an unchanged job uploads nothing new
    await store.put(event.cloud.bundleKey, plan.bundle.code, { ifAbsent: true })
    let name = jobId
    if (plan.resume) {
      // the resumed manifest goes first: the new execution's plan step dispatches its pending molecules
      const executions = plan.manifest.executions ?? [jobId]
      name = `${jobId}-resume-${plan.manifest.resumes ?? executions.length}`
      await saveManifest(store, {
        ...plan.manifest,
        cloud: event.cloud,
        executions: [...executions, name],
      })
    }
    options.onProgress?.(
      phaseEvent(
        'dispatching',
        plan.resume ? plan.manifest : undefined,
        performance.now() - started,
        plan.cut?.detail ?? (plan.resume ? dispatchDetail(plan.manifest) : undefined),
      ),
    )
    const executionArn = await this.start(name, event)
    const description = await this.follow(executionArn, jobId, started, options)
    const reduceStarted = performance.now()
    if (description.status !== 'SUCCEEDED') {
      const limit = LIMIT_STATES[description.error ?? '']
      if (limit) {
        throw new LimitReachedError(limit, description.cause ?? limit, jobId)
      }
      throw new ExecutionFailedError(
        description.status ?? 'UNKNOWN',
        description.error,
        description.cause,
      )
    }
    const outcome = await downloadOutcome(store, jobId)
    return {
      ...outcome,
      wallMs: performance.now() - started,
      phases: { moleculesMs: reduceStarted - started, reduceMs: performance.now() - reduceStarted },
    }
  }

  /**
   * Start the execution `name`. A name that exists already means the job id
   * is taken (an execution name lives as long as the state machine's history).
   */
  private async start(name: string, event: PlanEvent): Promise<string> {
    try {
      const { executionArn } = await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.options.deployed.stateMachineArn,
          name,
          input: JSON.stringify(event),
        }),
      )
      if (!executionArn) throw new FanoutError('StartExecution returned no execution ARN')
      return executionArn
    } catch (error) {
      if ((error as Error).name === 'ExecutionAlreadyExists') {
        throw new UsageError(
          `job id ${event.jobId} is taken on --target ${this.target}: the stack already ran an execution named ${name}. Choose another job id (fanout keeps every job's files).`,
          { cause: error },
        )
      }
      throw error
    }
  }

  /** Poll the execution until it ends, emitting progress from the manifest as the tally updates it. */
  private async follow(
    executionArn: string,
    jobId: string,
    started: number,
    options: ExecuteOptions,
  ): Promise<DescribeExecutionCommandOutput> {
    const pollMs = this.options.pollMs ?? 500
    let seen = { ended: -1, atomsRun: -1, costUsd: -1 }
    let phase: 'dispatching' | 'running' | 'reducing' = 'dispatching'
    const emit = (e: ProgressEvent) => options.onProgress?.(e)
    for (;;) {
      if (options.signal?.aborted || options.stopSignal?.aborted) {
        await this.sfn.send(
          new StopExecutionCommand({ executionArn, cause: 'interrupted from the fanout CLI' }),
        )
        throw new RunInterruptedError(
          'run interrupted: the execution was stopped, so nothing more is dispatched; molecules already running on Lambda finish and keep their partials',
          { jobId },
        )
      }
      const d = await this.sfn.send(new DescribeExecutionCommand({ executionArn }))
      const manifest = await readManifest(this.options.store, jobId)
      if (manifest && options.onProgress) {
        const elapsedMs = performance.now() - started
        // running once the plan step dispatched (the manifest's molecules have attempts)
        if (phase === 'dispatching' && manifest.molecules.some((m) => m.attempts.length > 0)) {
          phase = 'running'
          emit(phaseEvent('running', manifest, elapsedMs))
        }
        const p = progressOf(manifest)
        const finished = p.moleculesDone + p.moleculesFailed === p.molecules
        // running executions are billed for the time they have run so far
        const costUsd = manifestCostUsd(chargeOpenAttempts(manifest, Date.now()))
        const atomsRun = liveAtoms(manifest, (_id, a) => a.atomsSoFar)
        const ended = p.moleculesDone + p.moleculesFailed
        if (
          phase !== 'dispatching' &&
          (ended !== seen.ended || atomsRun !== seen.atomsRun || costUsd !== seen.costUsd)
        ) {
          const kind = ended !== seen.ended ? 'molecule-done' : 'atoms'
          seen = { ended, atomsRun, costUsd }
          emit({ ...p, atomsRun, costUsd, elapsedMs, moleculeId: -1, kind })
        }
        if (phase === 'running' && finished) {
          phase = 'reducing'
          emit(phaseEvent('reducing', manifest, elapsedMs))
        }
      }
      if (d.status && TERMINAL.has(d.status)) return d
      await sleep(pollMs, options.signal)
    }
  }
}

/** Download what the reduce function left: result, errors, stats, summary and manifest. */
export async function downloadOutcome(
  store: ResultStore,
  jobId: string,
): Promise<Omit<RunOutcome, 'wallMs' | 'phases'>> {
  const text = async (key: string) => {
    const bytes = await store.get(key)
    return bytes ? new TextDecoder().decode(bytes) : undefined
  }
  const manifest = await readManifest(store, jobId)
  if (!manifest) throw new FanoutError(`the manifest of job ${jobId} is missing`)
  // a job that failed leaves no result file: its rows stay in the partials
  const resultBytes = await store.get(resultKey(jobId))
  if (!resultBytes && manifest.status === 'succeeded')
    throw new FanoutError(`the job succeeded but ${store.describe(resultKey(jobId))} is missing`)
  const result: ColumnTable = resultBytes
    ? (await decodeTable(resultBytes)).table
    : { numRows: 0, columns: [] }
  const errorsBytes = await store.get(errorsTableKey(jobId))
  const errors: ColumnTable = errorsBytes
    ? (await decodeTable(errorsBytes)).table
    : { numRows: 0, columns: [{ name: 'atom', type: 'int32', values: new Int32Array(0) }] }
  const stats = JSON.parse((await text(statsKey(jobId))) ?? 'null') as RunStats
  const summaryText = await text(summaryKey(jobId))
  return {
    result,
    errors,
    stats,
    summary: summaryText === undefined ? undefined : (JSON.parse(summaryText) as unknown),
    manifest,
    resultLocation: resultBytes ? store.describe(resultKey(jobId)) : undefined,
    errorsLocation: errorsBytes ? store.describe(errorsTableKey(jobId)) : undefined,
  }
}
