import type { Attempt, Manifest, MoleculeState } from './manifest.js'

/**
 * A molecule's executions as the manifest records them, and the pure state
 * transitions the local executor's loop and the cloud tally both make. Every
 * function returns a new manifest and never mutates its input.
 *
 * A molecule is `running` while any attempt is open (started, not ended),
 * `done` once one attempt stored its partial, `pending` when it waits for an
 * execution, and `failed` when its failed attempts since the last resume
 * reach `options.maxAttempts` with none open. Cancelled copies and
 * interrupted attempts are not failures.
 *
 * @module
 */

/** A molecule execution to start. */
export interface Dispatch {
  moleculeId: number
  start: number
  end: number
  attempt: number
  /** A backup copy of a straggler, not a retry. */
  speculative?: boolean
}

/** True while an attempt has started and not ended. */
export function isOpen(a: Attempt): boolean {
  return a.endedAt === undefined && a.error === undefined
}

/** The attempts of a molecule still running. */
export function openAttempts(m: MoleculeState): Attempt[] {
  return m.attempts.filter(isOpen)
}

/** Epoch ms of the last resume (attempts before it do not count against the budget), else 0. */
export function resumedAt(manifest: Manifest): number {
  return manifest.resumedAt ? Date.parse(manifest.resumedAt) : 0
}

/** True for an attempt that failed: it ended with an error, and was neither cancelled nor interrupted. */
export function isFailure(a: Attempt): boolean {
  return a.error !== undefined && !a.cancelled && !a.interrupted && a.error !== 'interrupted'
}

/** Failed attempts of a molecule since `since` (epoch ms). */
export function failuresSince(m: MoleculeState, since: number): number {
  return m.attempts.filter((a) => isFailure(a) && a.startedAt >= since).length
}

/** The number the next attempt of a molecule gets. */
export function nextAttempt(m: MoleculeState): number {
  return m.attempts.reduce((n, a) => Math.max(n, a.attempt), 0) + 1
}

/** Molecules that are pending, as dispatches with their next attempt number. */
export function pendingDispatches(manifest: Manifest): Dispatch[] {
  const out: Dispatch[] = []
  for (const m of manifest.molecules) {
    if (m.status === 'pending') {
      out.push({ moleculeId: m.id, start: m.start, end: m.end, attempt: nextAttempt(m) })
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

function startedState(
  m: MoleculeState,
  attempt: number,
  now: number,
  speculative: boolean,
): MoleculeState {
  const record: Attempt = { attempt, startedAt: now, ...(speculative ? { speculative } : {}) }
  return { ...m, status: 'running', attempts: [...m.attempts, record] }
}

/** Record that `attempt` of a molecule started at `now` (a backup copy with `speculative`). */
export function markStarted(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  now: number,
  speculative = false,
): Manifest {
  const next = update(manifest, moleculeId, (m) => startedState(m, attempt, now, speculative), now)
  return next.status === 'planned' ? { ...next, status: 'running' } : next
}

/**
 * Record that many attempts started, in one pass over the molecules (what
 * {@link markStarted} does for one; a plan starts thousands at once).
 */
export function markStartedMany(
  manifest: Manifest,
  started: readonly { moleculeId: number; attempt: number; at: number; speculative?: boolean }[],
  now: number,
): Manifest {
  if (started.length === 0) return manifest
  const byId = new Map(started.map((s) => [s.moleculeId, s]))
  const molecules = manifest.molecules.map((m) => {
    const s = byId.get(m.id)
    return s ? startedState(m, s.attempt, s.at, s.speculative ?? false) : m
  })
  const status = manifest.status === 'planned' ? 'running' : manifest.status
  return { ...manifest, status, molecules, updatedAt: new Date(now).toISOString() }
}

function replaceAttempt(m: MoleculeState, record: Attempt): Attempt[] {
  const others = m.attempts.filter((a) => a.attempt !== record.attempt)
  return [...others, record].sort((a, b) => a.attempt - b.attempt)
}

/**
 * Record that an attempt stored the molecule's partial: the molecule is done,
 * with that attempt last among its records (progress reads the last record),
 * and every other open copy is closed as cancelled.
 */
export function markDone(
  manifest: Manifest,
  moleculeId: number,
  record: Attempt,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => {
      const others = m.attempts
        .filter((a) => a.attempt !== record.attempt)
        .map((a) =>
          isOpen(a)
            ? {
                ...a,
                endedAt: now,
                cancelled: true,
                error: `cancelled: attempt ${record.attempt} stored the partial first`,
              }
            : a,
        )
      const prior = m.attempts.find((a) => a.attempt === record.attempt)
      const speculative = prior?.speculative ? { speculative: true } : {}
      return { ...m, status: 'done', attempts: [...others, { ...record, ...speculative }] }
    },
    now,
  )
}

/** The state of a molecule after one of its attempts ended without storing a partial. */
export function afterFailure(
  m: MoleculeState,
  record: Attempt,
  maxAttempts: number,
  since: number,
): MoleculeState {
  if (m.status === 'done') return { ...m, attempts: replaceAttempt(m, record) }
  const attempts = replaceAttempt(m, record)
  const next = { ...m, attempts }
  if (attempts.some(isOpen)) return { ...next, status: 'running' }
  return { ...next, status: failuresSince(next, since) >= maxAttempts ? 'failed' : 'pending' }
}

/**
 * Record that an attempt's execution failed (its worker died, hung, could not
 * store its partial; or, with `--retry-atoms`, some atoms threw). The molecule
 * stays running while another copy is open, goes back to pending while
 * attempts remain, and fails once they are spent.
 */
export function markCrashed(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  error: string,
  now: number,
  counts?: Pick<Attempt, 'atomsOk' | 'atomsFailed' | 'durationMs'>,
  /** Another attempt would meet the same error (a partial past its size limit): fail now. */
  permanent = false,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => {
      const prior = m.attempts.find((a) => a.attempt === attempt)
      const record: Attempt = {
        ...(prior ?? { attempt, startedAt: now }),
        ...counts,
        endedAt: now,
        error,
      }
      const attempts = permanent ? 0 : manifest.options.maxAttempts
      return afterFailure(m, record, attempts, resumedAt(manifest))
    },
    now,
  )
}

/** Record that fanout stopped an open copy of a molecule (not a failure). */
export function markCancelled(
  manifest: Manifest,
  moleculeId: number,
  attempt: number,
  reason: string,
  now: number,
): Manifest {
  return update(
    manifest,
    moleculeId,
    (m) => {
      const prior = m.attempts.find((a) => a.attempt === attempt)
      if (!prior || !isOpen(prior)) return m
      const record: Attempt = { ...prior, endedAt: now, cancelled: true, error: reason }
      return afterFailure(m, record, manifest.options.maxAttempts, resumedAt(manifest))
    },
    now,
  )
}

/**
 * Close every open attempt as interrupted and put running molecules back to
 * pending (an interruption is not a failure), as when a run is stopped with
 * Ctrl-C or found abandoned. Molecules with a stored partial stay done.
 */
export function markInterrupted(manifest: Manifest, now: number): Manifest {
  const molecules = manifest.molecules.map((m): MoleculeState => {
    const attempts = m.attempts.map((a) =>
      isOpen(a) ? { ...a, endedAt: now, error: 'interrupted', interrupted: true } : a,
    )
    return { ...m, status: m.status === 'running' ? 'pending' : m.status, attempts }
  })
  return { ...manifest, molecules, updatedAt: new Date(now).toISOString() }
}

/** Open attempts that have run longer than `timeoutMs` at `now`: hangs. */
export function timedOutAttempts(
  manifest: Manifest,
  now: number,
  timeoutMs: number,
): { moleculeId: number; attempt: number }[] {
  const out: { moleculeId: number; attempt: number }[] = []
  for (const m of manifest.molecules) {
    if (m.status !== 'running') continue
    for (const a of m.attempts) {
      if (isOpen(a) && now - a.startedAt > timeoutMs)
        out.push({ moleculeId: m.id, attempt: a.attempt })
    }
  }
  return out
}

/**
 * Whether a molecule execution stores its partial. With `--retry-atoms`, one
 * whose atoms threw does not, while attempts remain: it is run again, and the
 * last attempt stores whatever it got.
 */
export function shouldCommit(
  options: Pick<Manifest['options'], 'retryAtoms' | 'maxAttempts'>,
  attempt: number,
  atomsFailed: number,
): boolean {
  return !(options.retryAtoms && atomsFailed > 0 && attempt < options.maxAttempts)
}

/**
 * What a stored partial tells about the attempt that wrote it: the fields of
 * the runtime's `MoleculeStats` that the manifest keeps.
 */
export interface PartialReport {
  attempt: number
  startedAt: number
  endedAt: number
  durationMs: number
  billedMs: number
  atomsOk: number
  atomsFailed: number
  rows: number
}

/** The manifest's record of an attempt, from its partial's stats. */
export function attemptFromReport(report: PartialReport): Attempt {
  return {
    attempt: report.attempt,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    durationMs: report.durationMs,
    billedMs: report.billedMs,
    atomsOk: report.atomsOk,
    atomsFailed: report.atomsFailed,
    rows: report.rows,
  }
}

/**
 * The manifest of a job about to be resumed: molecules whose partial is
 * stored are done (with the stored attempt's record), every other molecule is
 * pending again (open attempts closed as interrupted, failed molecules given
 * their whole retry budget back from `now`), and the job is running.
 *
 * @param stored - the stats of every partial in the store, by molecule id
 */
export function prepareResume(
  manifest: Manifest,
  stored: ReadonlyMap<number, PartialReport>,
  now: number,
  options: Partial<Manifest['options']> = {},
): Manifest {
  let next = markInterrupted(manifest, now)
  for (const m of next.molecules) {
    const report = stored.get(m.id)
    if (report && m.status !== 'done') next = markDone(next, m.id, attemptFromReport(report), now)
  }
  const molecules = next.molecules.map(
    (m): MoleculeState =>
      m.status === 'done' && stored.has(m.id) ? m : { ...m, status: 'pending' },
  )
  const { error: _dropped, ...rest } = next
  return {
    ...rest,
    molecules,
    status: 'running',
    options: { ...next.options, ...options },
    resumedAt: new Date(now).toISOString(),
    resumes: (manifest.resumes ?? 0) + 1,
    updatedAt: new Date(now).toISOString(),
  }
}
