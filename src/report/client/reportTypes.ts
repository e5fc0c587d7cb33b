/**
 * The shape of the run report's data, shared by the code that builds it
 * (Node) and the code that draws it (the browser): no imports, so each side
 * compiles it with its own libraries.
 *
 * @module
 */

/** How an attempt is drawn: each kind in its own colour. */
export type AttemptKind =
  | 'ok'
  | 'retry'
  | 'speculative'
  | 'cancelled'
  | 'failed'
  | 'interrupted'
  | 'open'

/** Every {@link AttemptKind}, in the legend's order. */
export const ATTEMPT_KINDS: readonly AttemptKind[] = [
  'ok',
  'retry',
  'speculative',
  'cancelled',
  'failed',
  'interrupted',
  'open',
]

/** One molecule attempt on the timeline. */
export interface ReportAttempt {
  molecule: number
  attempt: number
  /** The molecule's atoms `[start, end)`. */
  start: number
  end: number
  /** ms after the job's first attempt started. */
  from: number
  /** ms after the job's first attempt started; for an attempt that never ended, the manifest's last update. */
  to: number
  durationMs: number | null
  billedMs: number | null
  atomsOk: number | null
  atomsFailed: number | null
  kind: AttemptKind
  /** The worker slot it is drawn in (threads locally, concurrent containers in the cloud). */
  lane: number
  error: string | null
}

/** One atom error. */
export interface ReportError {
  atom: number
  molecule: number
  attempt: number
  name: string
  message: string
}

/** A low–mid–high range. */
export interface ReportRange {
  low: number
  mid: number
  high: number
}

/** Dollars by part. */
export interface ReportBreakdown {
  gbSeconds: number
  lambdaComputeUsd: number
  lambdaRequestsUsd: number
  stepFunctionsUsd: number
  s3PutUsd: number
  s3GetUsd: number
  totalUsd: number
}

/** The measured cost and the prediction, as the report shows them. */
export interface ReportCost {
  measured: {
    basis: 'lambda' | 'local-as-lambda'
    memoryMb: number
    architecture: string
    workers: {
      invocations: number
      billedMs: number
      gbSeconds: number
      unbilled: number
      retries: number
      speculative: number
      cancelled: number
    }
    orchestration: { gbSeconds: number }
    tallies: { count: number; source: string }
    requests: {
      invocations: { total: number }
      transitions: number
      s3Puts: number
      s3Lists: number
      s3Gets: number
    }
    cost: ReportBreakdown
    prices: { region: string; asOf: string; source: string }
  }
  estimate?: {
    memoryMb: number
    molecules: number
    usd: ReportRange
    wallMs: ReportRange
    gbSeconds: ReportRange
    workers: { gbSeconds: ReportRange }
    breakdown: ReportBreakdown
  }
  error?: {
    usd: number | null
    workerGbSeconds: number | null
    usdInRange: boolean
    workerGbSecondsInRange: boolean
  }
}

/** Everything the report draws. */
export interface ReportData {
  version: 1
  generatedAt: string
  fanoutVersion: string
  job: {
    id: string
    name: string
    file: string
    target: string
    status: string
    createdAt: string
    updatedAt: string
    atoms: number
    molecules: number
    scheme: string
    workers: number
    params: unknown
    error: string | null
  }
  /** Epoch ms of the first attempt's start: every `from`/`to` counts from it. */
  t0: number
  lanes: number
  attempts: ReportAttempt[]
  /** Atoms per second over time: the atoms of each stored attempt spread evenly over its run. */
  throughput: { t: number; atomsPerSecond: number }[]
  errors: ReportError[]
  /** Atom errors in the job (the table holds at most the first 5000). */
  errorCount: number
  /** Wall time of the run, ms, when known. */
  wallMs: number | null
  cost: ReportCost | null
}
