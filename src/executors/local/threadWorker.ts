/**
 * The worker-thread side of the local executor: imports the job bundle once
 * per thread and runs one molecule per task ({@link executeMolecule}), as the
 * Lambda worker does. An injected `crash` ends the thread itself.
 */
import type { MessagePort } from 'node:worker_threads'
import type { Job } from '../../core/job.js'
import { loadJobBundle } from '../../runtime/loadJob.js'
import { prepare } from '../../runtime/runMolecule.js'
import { FsResultStore } from '../../store/FsResultStore.js'
import { executeMolecule, type MoleculeTask } from './executeMolecule.js'
import type { AttemptReply } from './moleculeLoop.js'

/** One task sent to a worker thread. */
export interface ThreadTask extends MoleculeTask {
  bundlePath: string
  jobFile: string
  storeRoot: string
  /** Where the thread posts the atoms run so far (a number) while the molecule runs. */
  progressPort?: MessagePort
}

/** Load the bundle and run `setup` ahead of the first molecule (sent while the job is planned). */
export interface WarmTask {
  warm: true
  bundlePath: string
  jobFile: string
  params: unknown
}

// atom errors carry stacks that point into the job's TypeScript, through the bundle's inline source map
process.setSourceMapsEnabled(true)

const jobs = new Map<string, Promise<Job>>()
const stores = new Map<string, FsResultStore>()

function jobOf(bundlePath: string, jobFile: string): Promise<Job> {
  let job = jobs.get(bundlePath)
  if (!job) {
    job = loadJobBundle(bundlePath, jobFile)
    jobs.set(bundlePath, job)
  }
  return job
}

/** Answered once the thread has loaded this module: the executor waits for it before stopping threads. */
export interface PingTask {
  ping: true
}

export default async function runTask(
  task: ThreadTask | WarmTask | PingTask,
  // piscina passes the task's abort signal as a second argument only to async tasks that ask
): Promise<AttemptReply | null> {
  if ('ping' in task) return null
  if ('warm' in task) {
    // errors surface again, with their molecule, when a molecule needs the job
    await prepare(await jobOf(task.bundlePath, task.jobFile), task.params).promise
    return null
  }
  let store = stores.get(task.storeRoot)
  if (!store) {
    store = new FsResultStore(task.storeRoot)
    stores.set(task.storeRoot, store)
  }
  const job = await jobOf(task.bundlePath, task.jobFile)
  const { progressPort, ...molecule } = task
  try {
    // a stopped task terminates this thread (piscina), so no signal is needed here
    return await executeMolecule(
      job,
      molecule,
      store,
      undefined,
      {
        die: () => process.exit(1),
        // block this thread until the executor's timeout terminates it
        hang: async () => {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
          throw new Error('unreachable')
        },
      },
      // postMessage is synchronous: it leaves even while synchronous atoms hold this thread
      progressPort ? (n) => progressPort.postMessage(n) : undefined,
    )
  } finally {
    progressPort?.close()
  }
}
