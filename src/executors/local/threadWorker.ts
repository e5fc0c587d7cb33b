/**
 * The worker-thread side of the local executor: imports the job bundle once
 * per thread, runs one molecule per task with `runMolecule` and stores its
 * partial, exactly as the Lambda worker does.
 */
import type { Job } from '../../core/job.js'
import { loadJobBundle } from '../../runtime/loadJob.js'
import { writePartial } from '../../runtime/partials.js'
import { type MoleculeStats, prepare, runMolecule } from '../../runtime/runMolecule.js'
import { FsResultStore } from '../../store/FsResultStore.js'

/** One task sent to a worker thread. */
export interface MoleculeTask {
  bundlePath: string
  jobFile: string
  storeRoot: string
  jobId: string
  params: unknown
  moleculeId: number
  start: number
  end: number
  attempt: number
}

/** Load the bundle and run `setup` ahead of the first molecule (sent while the job is planned). */
export interface WarmTask {
  warm: true
  bundlePath: string
  jobFile: string
  params: unknown
}

/** What a worker thread answers. */
export interface MoleculeReply {
  stats: MoleculeStats
  stored: boolean
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

export default async function runTask(
  task: MoleculeTask | WarmTask,
): Promise<MoleculeReply | null> {
  if ('warm' in task) {
    // errors surface again, with their molecule, when a molecule needs the job
    await prepare(await jobOf(task.bundlePath, task.jobFile), task.params).promise
    return null
  }
  const job = jobOf(task.bundlePath, task.jobFile)
  let store = stores.get(task.storeRoot)
  if (!store) {
    store = new FsResultStore(task.storeRoot)
    stores.set(task.storeRoot, store)
  }
  const result = await runMolecule(await job, task.params, [task.start, task.end], {
    moleculeId: task.moleculeId,
    attempt: task.attempt,
  })
  const stored = await writePartial(store, task.jobId, result)
  return { stats: result.stats, stored }
}
