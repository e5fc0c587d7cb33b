/**
 * What a cloud run spends beyond its atoms, per molecule and per job:
 * measured, not guessed. The figures below were measured on fanout's
 * emulator by `npm run bench:cost -- calibrate` (bench/cost.ts), which runs
 * calibration jobs through the real stack and reads the emulated Lambda's
 * REPORT lines (Duration, Init Duration) and the workers' own log lines
 * (bundle load time, billed figure); the bench prints this table as JSON to
 * paste here. `low`/`mid`/`high` are the 10th, 50th and 90th percentiles.
 *
 * What the emulator cannot show: real Lambda adds its sandbox start to a cold
 * start (AWS bills the INIT phase since August 2025), and S3 in a region
 * answers in tens of milliseconds where the emulator answers in a few; the
 * figures are a floor there. Re-measure on AWS and pass your own table
 * (`overheads` of the estimate) where that matters.
 *
 * The parts an estimate measures itself, at plan time, on the job at hand:
 * the atoms, `setup`, the bundle's cold import, and encoding the job's rows
 * as a partial.
 *
 * @module
 */

/** A measured spread: 10th percentile, median, 90th percentile. */
export interface Spread {
  low: number
  mid: number
  high: number
}

/** Per-molecule and per-job overheads of the deployed stack, ms unless named otherwise. */
export interface PlatformOverheads {
  /** Where, when and how the figures were measured. */
  measured: { date: string; machine: string; how: string }
  /** A new worker container's INIT: the runtime loads the handler module. */
  workerInitMs: Spread
  /**
   * Every worker invocation, beyond the bundle, setup, atoms and row
   * encoding: the handler's middleware and logging, the HEAD of its partial,
   * the PUT of a one-row partial.
   */
  workerFixedMs: Spread
  /**
   * The part of a worker invocation's duration that its own billed figure
   * (`billedMs` in the manifest: bundle load, setup, atoms) leaves out: the
   * partial's encoding and PUT, the middleware and logging. The measured cost
   * of a cloud run adds it to each attempt that reported.
   */
  workerUnreportedMs: Spread
  /** ...and per row of its partial (encoding the rows, sending the bytes), ms per row. */
  workerUnreportedMsPerRow: number
  /** Once per container and bundle: GET of the bundle, sha256 check, write to /tmp (the import is timed at plan time). */
  bundleFetchMs: Spread
  /** A worker's memory with a trivial job loaded ("Max Memory Used"), MB. */
  workerBaselineMb: number
  /** The plan function's billed duration, fixed part. */
  planMs: Spread
  /** The plan function's billed duration per molecule it dispatches. */
  planMsPerMolecule: Spread
  /** One tally's billed duration. */
  tallyMs: Spread
  /** The reduce function's billed duration, fixed part. */
  reduceMs: Spread
  /** The reduce function's billed duration per partial it reads. */
  reduceMsPerPartial: Spread
  /** Outside the functions: the CLI's bundle upload and StartExecution until plan runs, Step Functions' own state changes, and the CLI's downloads at the end. */
  clientMs: Spread
}

/** The stack's memory sizes of the functions other than the worker (infra/FanoutStack.ts), MB. */
export const ORCHESTRATION_MEMORY_MB = { plan: 1024, tally: 512, reduce: 3008 } as const

/**
 * The default overheads, measured on fanout's emulator by
 * `npm run bench:cost:calibrate` on 2026-12-02: 2 rounds, 720 worker
 * invocations with one-row partials (4 of them cold) and 16 with 12,500-row
 * partials, 14 tallies, 8 jobs of 8 to 256 molecules, on a shared 2-core AMD
 * EPYC machine (2 processes per function) whose 1-minute load average was
 * 7.9 (other engineers' work): cold starts and S3 calls took longer than on
 * an idle machine (an earlier calibration at a lower load measured cold
 * starts of 292–332 ms against 428–478 ms here).
 */
export const DEFAULT_OVERHEADS: PlatformOverheads = {
  measured: {
    date: '2026-12-02',
    machine: "2 cores (AMD EPYC, load average 7.9), fanout's emulator, 2 processes per function",
    how: 'npm run bench:cost:calibrate: 2 rounds of trivial jobs of 8, 32, 64, 256 one-atom molecules and of 8 molecules of 12,500 rows',
  },
  workerInitMs: { low: 427.8, mid: 465.8, high: 478.2 },
  workerFixedMs: { low: 25.3, mid: 41.2, high: 120.7 },
  workerUnreportedMs: { low: 13.1, mid: 23, high: 66.1 },
  workerUnreportedMsPerRow: 0.003724,
  bundleFetchMs: { low: 0, mid: 43.3, high: 301.3 },
  workerBaselineMb: 104,
  planMs: { low: 0, mid: 306.6, high: 729.1 },
  planMsPerMolecule: { low: 3.156, mid: 3.156, high: 3.156 },
  tallyMs: { low: 152, mid: 415, high: 1078.9 },
  reduceMs: { low: 76.6, mid: 228.4, high: 463.2 },
  reduceMsPerPartial: { low: 5.164, mid: 5.164, high: 5.164 },
  clientMs: { low: 489.5, mid: 690.4, high: 900 },
}
