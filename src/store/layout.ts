/**
 * The key layout of a job in a result store, in one place:
 *
 * ```
 * jobs/<jobId>/manifest.json
 * jobs/<jobId>/partials/000000.parquet          one per molecule, written ifAbsent
 * jobs/<jobId>/errors/000000-1.parquet          failed atoms of molecule 0, attempt 1
 * jobs/<jobId>/result.parquet
 * jobs/<jobId>/errors.parquet
 * jobs/<jobId>/stats.json
 * jobs/<jobId>/summary.json                     what the job's reduce returned (cloud runs)
 * jobs/<jobId>/dispatch.json                    plan's dispatch timing (cloud runs)
 * jobs/<jobId>/crashes/000000-1.json            a worker attempt that threw before storing its partial
 * jobs/<jobId>/progress/000000-1.json           atoms a running cloud attempt has done (overwritten)
 * jobs/<jobId>/estimate.json                    the cost estimate made before the run, when one was
 * jobs/<jobId>/report.html                      the run report (`fanout report`, `run --report`), local jobs
 * jobs/<jobId>/data/<name>.json                 data facts pinned for the job (an S3 listing, a line index)
 * bundles/<sha256>.mjs                          the job bundle, content-addressed
 * data/<sha256>                                 a staged file (a file() param), content-addressed
 * data/<sha256>.folder.json                     a staged folder's listing (each file at data/<its sha256>)
 * data/<sha256>.<name>.json                     a fact about a staged file, computed once (a line index)
 * ```
 *
 * Molecule ids are zero-padded to 6 digits so that keys sort in molecule
 * order up to 999999; larger ids get more digits (parse them back with
 * {@link moleculeIdFromKey} and sort numerically).
 *
 * @module
 */

import { describeValue, UsageError } from '../core/errors.js'

const JOB_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

/** Digits a molecule id is zero-padded to in keys. */
export const MOLECULE_ID_DIGITS = 6

/**
 * Check a job id: 1 to 128 characters of letters, digits, `-`, `_` and `.`,
 * not starting with `.` (so it is one safe path segment and never hidden).
 *
 * @returns the id
 * @throws {@link UsageError} naming the rule and the value.
 * @example
 * ```ts
 * validateJobId('sweep-2024.01') // 'sweep-2024.01'
 * ```
 */
export function validateJobId(id: string): string {
  if (typeof id !== 'string' || !JOB_ID.test(id)) {
    throw new UsageError(
      `Expected the job id to be 1 to 128 characters of letters, digits, "-", "_" and ".", not starting with ".", got ${describeValue(id)}`,
    )
  }
  return id
}

function moleculePart(moleculeId: number): string {
  if (!Number.isSafeInteger(moleculeId) || moleculeId < 0) {
    throw new RangeError(
      `Expected the molecule id to be an integer from 0 and up, got ${describeValue(moleculeId)}`,
    )
  }
  return String(moleculeId).padStart(MOLECULE_ID_DIGITS, '0')
}

/** `jobs/<jobId>/`: every key of the job starts with it. */
export function jobPrefix(jobId: string): string {
  return `jobs/${validateJobId(jobId)}/`
}

/** `jobs/<jobId>/manifest.json`. */
export function manifestKey(jobId: string): string {
  return `${jobPrefix(jobId)}manifest.json`
}

/** `jobs/<jobId>/partials/`: list it to see which molecules are done. */
export function partialsPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}partials/`
}

/**
 * `jobs/<jobId>/partials/<moleculeId, 6 digits>.parquet`.
 *
 * @example
 * ```ts
 * partialKey('j1', 3) // 'jobs/j1/partials/000003.parquet'
 * ```
 */
export function partialKey(jobId: string, moleculeId: number): string {
  return `${partialsPrefix(jobId)}${moleculePart(moleculeId)}.parquet`
}

/** `jobs/<jobId>/errors/`. */
export function errorsPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}errors/`
}

/**
 * The failed atoms of one molecule: `jobs/<jobId>/errors/<6 digits>.parquet`,
 * or with `attempt`, `jobs/<jobId>/errors/<6 digits>-<attempt>.parquet`, so
 * each attempt keeps its own file.
 *
 * @example
 * ```ts
 * errorsKey('j1', 3, 2) // 'jobs/j1/errors/000003-2.parquet'
 * ```
 */
export function errorsKey(
  jobId: string,
  moleculeId: number,
  attempt?: number,
  runId?: string,
): string {
  const base = `${errorsPrefix(jobId)}${moleculePart(moleculeId)}`
  if (attempt === undefined) return `${base}.parquet`
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new RangeError(
      `Expected the attempt to be an integer from 0 and up, got ${describeValue(attempt)}`,
    )
  }
  if (runId === undefined) return `${base}-${attempt}.parquet`
  if (!/^[0-9a-f]{1,32}$/.test(runId)) {
    throw new RangeError(`Expected the run id to be lowercase hex, got ${describeValue(runId)}`)
  }
  // the run id tells apart two deliveries of the same attempt: each writes its own errors
  // file, and the partial that wins names the one that goes with it
  return `${base}-${attempt}-${runId}.parquet`
}

/** `jobs/<jobId>/result.parquet`: the combined result. */
export function resultKey(jobId: string): string {
  return `${jobPrefix(jobId)}result.parquet`
}

/** `jobs/<jobId>/errors.parquet`: all failed atoms of the job. */
export function errorsTableKey(jobId: string): string {
  return `${jobPrefix(jobId)}errors.parquet`
}

/** `jobs/<jobId>/stats.json`: the run statistics. */
export function statsKey(jobId: string): string {
  return `${jobPrefix(jobId)}stats.json`
}

const MOLECULE_KEY = /^jobs\/[^/]+\/(?:partials|errors)\/(\d{6,})(?:-\d+(?:-[0-9a-f]+)?)?\.parquet$/

/**
 * The molecule id in a partial or errors key, or `undefined` for any other key.
 *
 * @example
 * ```ts
 * moleculeIdFromKey('jobs/j1/partials/000003.parquet') // 3
 * moleculeIdFromKey('jobs/j1/errors/000003-2.parquet') // 3
 * moleculeIdFromKey('jobs/j1/stats.json') // undefined
 * ```
 */
export function moleculeIdFromKey(key: string): number | undefined {
  const match = MOLECULE_KEY.exec(key)
  return match === null ? undefined : Number(match[1])
}

/** `jobs/<jobId>/summary.json`: what the job's `reduce` returned (cloud runs). */
export function summaryKey(jobId: string): string {
  return `${jobPrefix(jobId)}summary.json`
}

/** `bundles/<sha256>.mjs`: where a job bundle is stored, by the sha256 of its bytes. */
export function bundleKeyOf(sha256: string): string {
  return `bundles/${sha256}.mjs`
}

/** `jobs/<jobId>/dispatch.json`: when plan invoked the molecules ({@link DispatchRecord}). */
export function dispatchKey(jobId: string): string {
  return `${jobPrefix(jobId)}dispatch.json`
}

/** `jobs/<jobId>/crashes/`: list it to see attempts that crashed. */
export function crashesPrefix(jobId: string): string {
  return `${jobPrefix(jobId)}crashes/`
}

/**
 * `jobs/<jobId>/crashes/<moleculeId, 6 digits>-<attempt>.json`.
 *
 * @example
 * ```ts
 * crashKey('j1', 3, 2) // 'jobs/j1/crashes/000003-2.json'
 * ```
 */
export function crashKey(jobId: string, moleculeId: number, attempt: number): string {
  return `${crashesPrefix(jobId)}${String(moleculeId).padStart(MOLECULE_ID_DIGITS, '0')}-${attempt}.json`
}

/**
 * `jobs/<jobId>/progress/<moleculeId, 6 digits>-<attempt>.json`: the atoms a
 * running cloud attempt has done so far, overwritten by its worker, read by the tally.
 *
 * @example
 * ```ts
 * progressKey('j1', 3, 2) // 'jobs/j1/progress/000003-2.json'
 * ```
 */
export function progressKey(jobId: string, moleculeId: number, attempt: number): string {
  return `${jobPrefix(jobId)}progress/${String(moleculeId).padStart(MOLECULE_ID_DIGITS, '0')}-${attempt}.json`
}

const CRASH_KEY = /^jobs\/[^/]+\/crashes\/(\d{6,})-(\d+)\.json$/

/** The molecule id and attempt of a crash key, or `undefined` for any other key. */
export function crashFromKey(key: string): { moleculeId: number; attempt: number } | undefined {
  const match = CRASH_KEY.exec(key)
  return match ? { moleculeId: Number(match[1]), attempt: Number(match[2]) } : undefined
}

/** `jobs/<jobId>/estimate.json`: the cost estimate made before the run started, when one was. */
export function estimateKey(jobId: string): string {
  return `${jobPrefix(jobId)}estimate.json`
}

/** `jobs/<jobId>/report.html`: where `fanout report` writes a job's report by default. */
export function reportKey(jobId: string): string {
  return `${jobPrefix(jobId)}report.html`
}

/** `data/`: staged data, content-addressed. */
export const DATA_PREFIX = 'data/'

const SHA256 = /^[0-9a-f]{64}$/
const FACT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/

function checkSha(sha256: string): string {
  if (!SHA256.test(sha256)) {
    throw new RangeError(`Expected a sha256 in lowercase hex, got ${describeValue(sha256)}`)
  }
  return sha256
}

function checkFactName(name: string): string {
  if (!FACT_NAME.test(name)) {
    throw new RangeError(
      `Expected a data fact name of letters, digits, "-" and "_", got ${describeValue(name)}`,
    )
  }
  return name
}

/**
 * `data/<sha256>`: a staged file, by the sha256 of its bytes.
 *
 * @example
 * ```ts
 * dataKey('9f86d0...') // 'data/9f86d0...'
 * ```
 */
export function dataKey(sha256: string): string {
  return `${DATA_PREFIX}${checkSha(sha256)}`
}

/** `data/<sha256>.folder.json`: a staged folder's listing, by the sha256 of the listing. */
export function folderListingKey(sha256: string): string {
  return `${DATA_PREFIX}${checkSha(sha256)}.folder.json`
}

/** `data/<sha256>.<name>.json`: a fact about a staged file (a line index), kept for every job. */
export function dataFactKey(sha256: string, name: string): string {
  return `${DATA_PREFIX}${checkSha(sha256)}.${checkFactName(name)}.json`
}

/** `jobs/<jobId>/data/<name>.json`: a data fact pinned for one job (an S3 listing). */
export function jobDataKey(jobId: string, name: string): string {
  return `${jobPrefix(jobId)}data/${checkFactName(name)}.json`
}
