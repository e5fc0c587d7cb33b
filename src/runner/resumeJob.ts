import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { UsageError } from '../core/errors.js'
import type { Manifest } from '../core/manifest.js'
import { isResumable, prepareResume } from '../core/schedule.js'
import type { Row } from '../core/types.js'
import { bundleJob, type JobBundle } from '../runtime/bundle.js'
import { loadJobBundle } from '../runtime/loadJob.js'
import { storedPartials } from '../runtime/storedPartials.js'
import { bundleKeyOf, jobPrefix, validateJobId } from '../store/layout.js'
import { readManifest } from '../store/manifests.js'
import type { ResultStore } from '../store/ResultStore.js'
import { openBackend, openStore } from './backends.js'
import { JobHandle } from './JobHandle.js'
import { currentStatus } from './jobStatus.js'
import { type ResumeOptions, resolveOptions } from './options.js'
import { checkRoot } from './root.js'
import { executeOptionsOf, executeWithId, recoveryFields } from './runJob.js'

/** The job's bundle, as the job ran: from the local cache, else from the target's store. */
async function bundleOf(manifest: Manifest, root: string, store: ResultStore): Promise<JobBundle> {
  const sha256 = manifest.bundle.sha256
  const local = join(root, 'bundles', `${sha256}.mjs`)
  let code: Uint8Array | undefined = existsSync(local) ? readFileSync(local) : undefined
  let path = local
  if (!code) {
    code = await store.get(bundleKeyOf(sha256))
    if (!code) {
      throw new UsageError(
        `the bundle of job ${manifest.jobId} (${sha256.slice(0, 12)}…) is neither in ${join(root, 'bundles')} nor in ${store.describe(bundleKeyOf(sha256))}: the job cannot be resumed; run it again`,
      )
    }
    path = join(tmpdir(), `fanout-resume-${sha256}.mjs`)
    const { writeFileSync } = await import('node:fs')
    writeFileSync(path, code)
  }
  return { path, sha256, bytes: code.byteLength, code }
}

/**
 * Refuse to resume when the job's file changed since it ran (the resume runs
 * the job's original bundle, so its rows would not match the new code),
 * unless `force`.
 */
async function checkJobFile(manifest: Manifest, root: string, force: boolean): Promise<void> {
  if (force) return
  const file = resolve(manifest.jobFile)
  if (!existsSync(file)) {
    throw new UsageError(
      `job ${manifest.jobId}'s file ${manifest.jobFile} is gone: resuming would run its original bundle without it; pass --force to resume with that bundle anyway`,
    )
  }
  const now = await bundleJob(file, join(root, 'bundles'))
  if (now.sha256 !== manifest.bundle.sha256) {
    throw new UsageError(
      `job ${manifest.jobId}'s file ${manifest.jobFile} changed since the job ran (bundle ${manifest.bundle.sha256.slice(0, 12)}… then, ${now.sha256.slice(0, 12)}… now): a resume runs the original code, so its rows would not match the new one. Start a new run, or pass --force to resume with the original bundle.`,
    )
  }
}

/**
 * Resume a job that ended before every molecule stored its partial (a run
 * interrupted by Ctrl-C or killed, a cloud execution stopped, timed out or
 * failed, a job that failed with molecules left): run only the molecules
 * without a complete partial, with the job's bundle and params, to the result
 * a clean run gives.
 *
 * @throws {@link UsageError} when there is no such job, it is still running,
 *   or its job file changed since (unless `force`)
 * @example
 * ```ts
 * const job = await resume('sweep-20261202-101500-ab12', { target: 'local' })
 * ```
 */
export async function resume<R extends Row = Row>(
  jobId: string,
  options?: ResumeOptions,
): Promise<JobHandle<R>> {
  validateJobId(jobId)
  const o = resolveOptions(options, 'resume')
  const root = resolve(o.root)
  checkRoot(root)
  const site =
    o.target === 'local' ? undefined : (await openStore(o.target, root, o.stackName)).cloud
  const backend = await openBackend({
    target: o.target,
    root,
    stackName: o.stackName,
    workers: o.workers,
    workersGiven: o.workersGiven,
  })
  try {
    const { store, executor } = backend
    const manifest = await readManifest(store, jobId)
    if (!manifest) {
      throw new UsageError(
        `no job ${jobId} on --target ${o.target} (${store.describe(jobPrefix(jobId))} holds no manifest): list the jobs with \`fanout jobs --target ${o.target}\``,
      )
    }
    const status = await currentStatus(manifest, site)
    if (status === 'running' || status === 'planned') {
      const owner = manifest.owner ? ` (pid ${manifest.owner.pid} on ${manifest.owner.host})` : ''
      throw new UsageError(
        `job ${jobId} is still running${owner}: wait for it, or stop it (Ctrl-C), then resume`,
      )
    }
    if (!isResumable(manifest, status)) {
      return new JobHandle<R>({ store, target: o.target, manifest }).refresh()
    }
    await checkJobFile(manifest, root, o.force)
    const bundle = await bundleOf(manifest, root, store)
    const job = await loadJobBundle(bundle.path, manifest.jobFile)
    const stored = await storedPartials(store, manifest, { all: true })
    const given = options ?? {}
    const resumed = prepareResume(manifest, stored, Date.now(), {
      ...(given.retries !== undefined ? { maxAttempts: o.recovery.maxAttempts } : {}),
      ...(given.retryAtoms !== undefined ? { retryAtoms: o.recovery.retryAtoms } : {}),
      ...(given.tolerateFailures !== undefined ||
      given.speculate !== undefined ||
      given.timeout !== undefined
        ? recoveryFields(o.recovery)
        : {}),
      // the cost cap is the job's total, across resumes: a resume past it needs a higher one
      ...(given.maxCostUsd !== undefined ? { maxCostUsd: o.recovery.maxCostUsd } : {}),
      // a deadline belongs to the run that set it: one that passed does not hold the resume
      ...(given.deadline !== undefined
        ? { deadline: o.recovery.deadline }
        : manifest.options.deadline !== undefined && manifest.options.deadline <= Date.now()
          ? { deadline: undefined }
          : {}),
    })
    backend.warmUp()
    const outcome = await executeWithId(
      () =>
        executor.run({ manifest: resumed, bundle, job, store, resume: true }, executeOptionsOf(o)),
      jobId,
    )
    return new JobHandle<R>({
      store,
      target: o.target,
      manifest: outcome.manifest,
      outcome,
      timing: { planMs: 0, workers: o.workers },
    })
  } finally {
    await backend.close()
  }
}
