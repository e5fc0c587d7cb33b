import { resolve } from 'node:path'
import { UsageError } from '../core/errors.js'
import type { JobStatus, Manifest } from '../core/manifest.js'
import { isResumable, progressOf } from '../core/schedule.js'
import type { Row } from '../core/types.js'
import { jobPrefix, validateJobId } from '../store/layout.js'
import { readManifest } from '../store/manifests.js'
import { childrenOf } from '../store/ResultStore.js'
import { openStore } from './backends.js'
import { JobHandle } from './JobHandle.js'
import { currentStatus } from './jobStatus.js'
import { resolveOptions, type Target, type TargetOptions } from './options.js'

/** A job as `fanout jobs` lists it. */
export interface JobInfo {
  id: string
  status: JobStatus
  target: Target
  job: string
  atoms: number
  atomsOk: number
  atomsFailed: number
  molecules: number
  /** When the job was created (ISO). */
  startedAt: string
  /** From creation to the manifest's last update, ms. */
  wallMs: number
  /** It ended before every molecule stored its partial: `fanout resume <id>` continues it. */
  resumable: boolean
}

/** A manifest as {@link JobInfo}, with the status to show ({@link currentStatus}). */
export function jobInfoOf(m: Manifest, status: JobStatus = m.status): JobInfo {
  const p = progressOf(m)
  return {
    id: m.jobId,
    status,
    resumable: isResumable(m, status),
    target: m.target,
    job: m.jobName,
    atoms: m.numAtoms,
    atomsOk: p.atomsDone - p.atomsFailed,
    atomsFailed: p.atomsFailed,
    molecules: p.molecules,
    startedAt: m.createdAt,
    wallMs: Math.max(0, Date.parse(m.updatedAt) - Date.parse(m.createdAt)),
  }
}

/**
 * A past job of a target (its manifest, summary and stats read from the
 * target's store). Job ids belong to a target: a local id never answers for a
 * cloud job, or the other way round.
 *
 * @throws {@link UsageError} when the target holds no job of that id
 * @example
 * ```ts
 * const job = await openJob('sweep-20261202-101500-ab12', { target: 'local' })
 * for await (const row of job.rows()) console.log(row)
 * ```
 */
export async function openJob<R extends Row = Row>(
  jobId: string,
  options?: TargetOptions,
): Promise<JobHandle<R>> {
  validateJobId(jobId)
  const o = resolveOptions(options, 'openJob')
  const root = resolve(o.root)
  // the handle keeps the store's client: it reads rows and errors later
  const { store, cloud } = await openStore(o.target, root, o.stackName)
  const manifest = await readManifest(store, jobId)
  if (!manifest) {
    throw new UsageError(
      `no job ${jobId} on --target ${o.target} (${store.describe(jobPrefix(jobId))} holds no manifest). Job ids belong to a target: list them with \`fanout jobs --target ${o.target}\`.`,
    )
  }
  return new JobHandle<R>({
    store,
    target: o.target,
    manifest,
    statusOf: (m) => currentStatus(m, cloud),
  }).refresh()
}

/**
 * Every job of a target, newest first.
 *
 * @example
 * ```ts
 * for (const j of await listJobs({ target: 'local' })) console.log(j.id, j.status)
 * ```
 */
export async function listJobs(options?: TargetOptions): Promise<JobInfo[]> {
  const o = resolveOptions(options, 'listJobs')
  const { store, close, cloud } = await openStore(o.target, resolve(o.root), o.stackName)
  try {
    const ids = await childrenOf(store, 'jobs/')
    const infos: JobInfo[] = []
    for (const id of ids) {
      let manifest: Manifest | undefined
      try {
        manifest = await readManifest(store, validateJobId(id))
      } catch {
        continue // not a job's folder, or a manifest fanout cannot read: `status` explains it
      }
      if (manifest) infos.push(jobInfoOf(manifest, await currentStatus(manifest, cloud)))
    }
    return infos.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id))
  } finally {
    close()
  }
}
