import type { Attempt, Manifest, MoleculeState } from './manifest.js'

/**
 * The scheduling decisions, kept pure so that the local executor's loop and the
 * cloud tally make them the same way: from the manifest, which molecules to
 * dispatch, and whether the job is finished. Each function returns a new
 * manifest and never mutates its input.
 */

/** A molecule execution to start. */
export interface Dispatch {
  moleculeId: number
  start: number
  end: number
  attempt: number
}

/** Molecules that are pending, as dispatches with their next attempt number. */
export function pendingDispatches(manifest: Manifest): Dispatch[] {
  const out: Dispatch[] = []
  for (const m of manifest.molecules) {
    if (m.status === 'pending') {
      out.push({ moleculeId: m.id, start: m.start, end: m.end, attempt: m.attempts.length + 1 })
    }
  }
  return out
}

function update(
  manifest: Manifest,
  moleculeId: number,
  change: (m: MoleculeState) => MoleculeState,
  now: number,
): Manifest {
  const molecules = manifest.molecules.map((m) => (m.id === moleculeId ? change(m) : m))
  return { ...manifest, molecules, updatedAt: new Date(now).toISOString() }
}

/** Record that `attempt` of a molecule started at `now`. */
export function markStarted(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  now: number,
): Manifest {
  const next = update(
    manifest,
    moleculeId,
    (m) => ({ ...m, status: 'running', attempts: [...m.attempts, { attempt, startedAt: now }] }),
    now,
  )
  return next.status === 'planned' ? { ...next, status: 'running' } : next
}

function replaceAttempt(m: MoleculeState, record: Attempt): Attempt[] {
  const others = m.attempts.filter((a) => a.attempt !== record.attempt)
  return [...others, record].sort((a, b) => a.attempt - b.attempt)
}

/** Record that an attempt finished and its partial is stored. */
export function markDone(
  manifest: Manifest,
  moleculeId: number,
  record: Attempt,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => ({ ...m, status: 'done', attempts: replaceAttempt(m, record) }),
    now,
  )
}

/**
 * Record that an attempt's execution failed (its worker died, not an atom error).
 * The molecule goes back to pending while attempts remain, else it fails.
 */
export function markCrashed(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  error: string,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => {
      const prior = m.attempts.find((a) => a.attempt === attempt)
      const record: Attempt = { attempt, startedAt: prior?.startedAt ?? now, endedAt: now, error }
      const attempts = replaceAttempt(m, record)
      const status = attempts.length >= manifest.options.maxAttempts ? 'failed' : 'pending'
      return { ...m, status, attempts }
    },
    now,
  )
}

/** How far the job is: molecule and atom counts by state. */
export interface Progress {
  molecules: number
  moleculesDone: number
  moleculesFailed: number
  atoms: number
  atomsDone: number
  atomsFailed: number
}

/** Count molecules and atoms by state. Atom failures come from the done attempts' records. */
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

/** The job's final status once finished: succeeded only when no atom failed. */
export function finalStatus(manifest: Manifest): 'succeeded' | 'failed' {
  const p = progressOf(manifest)
  return p.atomsFailed === 0 && p.moleculesFailed === 0 ? 'succeeded' : 'failed'
}
