import { FanoutError, JobCodeError, StoreError } from '../../core/errors.js'
import type { FaultKind } from '../../core/faults.js'
import type { Job } from '../../core/job.js'
import type { Manifest } from '../../core/manifest.js'
import { shouldCommit } from '../../core/schedule.js'
import { PartialTooLargeError } from '../../runtime/errors.js'
import { writePartial } from '../../runtime/partials.js'
import { runMolecule } from '../../runtime/runMolecule.js'
import { partialsPrefix } from '../../store/layout.js'
import type { ResultStore } from '../../store/ResultStore.js'
import type { AttemptReply } from './moleculeLoop.js'

/** One molecule execution: what a worker thread or the in-process runner needs. */
export interface MoleculeTask {
  jobId: string
  params: unknown
  moleculeId: number
  start: number
  end: number
  attempt: number
  options: Pick<Manifest['options'], 'retryAtoms' | 'maxAttempts'>
  fault?: FaultKind | undefined
}

/** An injected fault that fanout reports like the real one (a dead worker, a failed write). */
export class InjectedFault extends FanoutError {}

/** A store whose writes of partials fail with 503 SlowDown: the injected `s3` fault. */
function slowDown(store: ResultStore, jobId: string): ResultStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'put') return Reflect.get(target, prop, receiver)
      return (k: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }) =>
        k.startsWith(partialsPrefix(jobId))
          ? Promise.reject(
              new StoreError(`cannot write ${target.describe(k)}: 503 SlowDown (injected fault)`),
            )
          : target.put(k, body, options)
    },
  })
}

/** A promise that never settles unless `signal` aborts: the injected `hang` fault in-process. */
export function hangUntil(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

/** How a molecule execution dies or hangs when a fault says so, where it runs. */
export interface FaultActions {
  /** `crash`: end the execution's thread (in-process: throw). */
  die: () => never
  /** `hang`: never return until stopped (a thread blocks; in-process: until the signal aborts). */
  hang: () => Promise<never>
}

/**
 * Run one molecule and store its partial (unless `--retry-atoms` says to run
 * it again), with an injected fault when the task carries one: `crash` runs
 * half the molecule and then calls `die` (a worker thread exits; in-process
 * it throws), `hang` blocks until stopped, `s3` fails the partial's write.
 * A `setup` that throws is reported as such, once, not as a dead worker.
 * `onAtoms` hears the atoms run so far while it runs (a few times a second).
 */
export async function executeMolecule(
  job: Job,
  task: MoleculeTask,
  store: ResultStore,
  signal: AbortSignal | undefined,
  faults: FaultActions,
  onAtoms?: (atomsRun: number) => void,
): Promise<AttemptReply> {
  const range: [number, number] = [task.start, task.end]
  const base = {
    moleculeId: task.moleculeId,
    attempt: task.attempt,
    ...(signal ? { signal } : {}),
    ...(onAtoms ? { onAtoms } : {}),
  }
  try {
    if (task.fault === 'crash') {
      await runMolecule(
        job,
        task.params,
        [task.start, Math.floor((task.start + task.end) / 2)],
        base,
      )
      faults.die()
    }
    if (task.fault === 'hang') await faults.hang()
    const result = await runMolecule(job, task.params, range, base)
    if (signal?.aborted) throw signal.reason
    const committed = shouldCommit(task.options, task.attempt, result.stats.atomsFailed)
    if (!committed) return { kind: 'ran', stats: result.stats, committed, stored: false }
    const target = task.fault === 's3' ? slowDown(store, task.jobId) : store
    const stored = await writePartial(target, task.jobId, result)
    return { kind: 'ran', stats: result.stats, committed, stored }
  } catch (error) {
    if (error instanceof JobCodeError) return { kind: 'setup-failed', message: error.message }
    if (error instanceof PartialTooLargeError) return { kind: 'too-large', message: error.message }
    throw error
  }
}
