import { isOpen } from './attempts.js'
import type { JobStatus, Manifest } from './manifest.js'

/** How far the job is: molecule and atom counts by state. */
export interface Progress {
  molecules: number
  moleculesDone: number
  moleculesFailed: number
  atoms: number
  atomsDone: number
  atomsFailed: number
}

/**
 * Count molecules and atoms by state. A done molecule's failed atoms come from
 * the attempt that stored its partial (its last record); every atom of a
 * failed molecule counts as failed.
 */
export function progressOf(manifest: Manifest): Progress {
  let moleculesDone = 0
  let moleculesFailed = 0
  let atomsDone = 0
  let atomsFailed = 0
  for (const m of manifest.molecules) {
    if (m.status === 'done') {
      moleculesDone++
      const last = m.attempts[m.attempts.length - 1]
      atomsDone += m.end - m.start
      atomsFailed += last?.atomsFailed ?? 0
    } else if (m.status === 'failed') {
      moleculesFailed++
      atomsDone += m.end - m.start
      atomsFailed += m.end - m.start
    }
  }
  return {
    molecules: manifest.molecules.length,
    moleculesDone,
    moleculesFailed,
    atoms: manifest.numAtoms,
    atomsDone,
    atomsFailed,
  }
}

/** True when no molecule is pending or running. */
export function isFinished(manifest: Manifest): boolean {
  return manifest.molecules.every((m) => m.status === 'done' || m.status === 'failed')
}

/** The fraction of atoms that may fail with the job still succeeding (`--tolerate-failures`). */
export function toleranceOf(manifest: Manifest): number {
  return manifest.options.tolerateFailures ?? 0
}

/**
 * The job's final status once finished: succeeded when the failed atoms are
 * within the tolerance (none by default), else failed.
 */
export function finalStatus(manifest: Manifest): 'succeeded' | 'failed' {
  const p = progressOf(manifest)
  if (p.atomsFailed === 0) return 'succeeded'
  return p.atoms > 0 && p.atomsFailed / p.atoms <= toleranceOf(manifest) ? 'succeeded' : 'failed'
}

/** What tells whether a local job's CLI is still alive. */
export interface OwnerCheck {
  now: number
  /** This machine's host name. */
  host: string
  /** Whether a process of this machine is alive. */
  isAlive: (pid: number) => boolean
  /** A heartbeat older than this means the owner is gone. @default 60000 */
  staleMs?: number
}

/**
 * The status to show for a job: a local job left `planned` or `running` by a
 * CLI that is gone (killed, crashed; its pid dead on this machine, or no
 * heartbeat for a minute) is `interrupted`, never `running` forever.
 */
export function effectiveStatus(manifest: Manifest, check: OwnerCheck): JobStatus {
  if (manifest.status !== 'running' && manifest.status !== 'planned') return manifest.status
  const owner = manifest.owner
  if (!owner) return manifest.status
  const stale = check.now - Date.parse(owner.heartbeatAt) > (check.staleMs ?? 60_000)
  const dead = owner.host === check.host && !check.isAlive(owner.pid)
  return dead || stale ? 'interrupted' : manifest.status
}

/** True when a job can be resumed: it ended before every molecule stored its partial. */
export function isResumable(manifest: Manifest, status: JobStatus = manifest.status): boolean {
  if (status === 'running' || status === 'planned' || status === 'succeeded') return false
  return manifest.molecules.some((m) => m.status !== 'done')
}

/** Molecules with an execution in flight. */
export function runningMolecules(manifest: Manifest): number {
  return manifest.molecules.filter((m) => m.attempts.some(isOpen)).length
}
