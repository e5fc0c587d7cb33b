import cliProgress from 'cli-progress'
import { AtomRate } from '../core/atomRate.js'
import type { ProgressEvent, ProgressPhase } from '../executors/Executor.js'
import { usd } from './costFormat.js'

/** Renders progress events: a bar on a TTY, throttled plain lines otherwise. */
export interface ProgressReporter {
  onProgress(event: ProgressEvent): void
  /** Write a message line (ending in a newline) without breaking the bar. */
  log(text: string): void
  stop(): void
}

/** Where a run is, as the progress shows it. */
export interface ProgressView {
  phase: ProgressPhase | undefined
  /** Ms since the progress began (the run's start). */
  elapsedMs: number
  atoms: number
  atomsRun: number
  atomsFailed: number
  molecules: number
  moleculesDone: number
  moleculesFailed: number
  /** Atoms/s over the last seconds ({@link AtomRate}), 0 before any atom ended. */
  rate: number
  /** Ms left at that rate; undefined while it is unknown. */
  remainingMs: number | undefined
  /** What the job has cost so far, on cloud targets. */
  costUsd: number | undefined
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(2)
}

/** `12s`, `3m04s`, `1h02m`: how long, for the bar. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function fractionOf(v: ProgressView): number {
  return v.atoms > 0 ? Math.min(1, v.atomsRun / v.atoms) : v.molecules > 0 ? 0 : 1
}

function counts(v: ProgressView): string {
  const failed = v.moleculesFailed ? `, ${v.moleculesFailed} failed` : ''
  const atomErrors = v.atomsFailed ? `, ${v.atomsFailed} atom errors` : ''
  return `${v.atomsRun}/${v.atoms} atoms, ${v.moleculesDone}/${v.molecules} molecules${failed}${atomErrors}`
}

function costText(v: ProgressView): string {
  return v.costUsd === undefined ? '' : `, ${usd(v.costUsd)} so far`
}

/**
 * mpPandasObj's reportProgress, as a line over atoms: "x% done after m
 * minutes, remaining r minutes", with r from the atoms/s of the last seconds
 * (not the average since the start), plus the molecule counts and, on cloud
 * targets, the cost so far.
 *
 * @example
 * ```ts
 * progressLine(view) // '42.0% done: 1512/3600 atoms, 3/32 molecules, 540 atoms/s, after 0.05 min, remaining 0.06 min'
 * ```
 */
export function progressLine(v: ProgressView): string {
  const remaining = v.remainingMs === undefined ? '?' : minutes(v.remainingMs)
  return (
    `${(fractionOf(v) * 100).toFixed(1)}% done: ${counts(v)}, ${Math.round(v.rate)} atoms/s, ` +
    `after ${minutes(v.elapsedMs)} min, remaining ${remaining} min${costText(v)}`
  )
}

/** The line that says a phase began: `dispatching: 8 molecules of 36 atoms (2 workers × 4)`. */
export function phaseLine(e: ProgressEvent): string {
  return `${e.phase}${e.detail ? `: ${e.detail}` : ''}`
}

/** What a retried or failed molecule's line says, or undefined for other events. */
export function moleculeLine(e: ProgressEvent): string | undefined {
  const why = e.reason ? ` (${e.reason})` : ''
  if (e.kind === 'molecule-retry') return `molecule ${e.moleculeId}: run again${why}`
  if (e.kind === 'molecule-failed') return `molecule ${e.moleculeId}: failed${why}`
  if (e.kind === 'molecule-copy') return `molecule ${e.moleculeId}: a backup copy started`
  if (e.kind === 'stopping') return 'stopping: no new molecule starts; the running ones finish'
  return undefined
}

/**
 * The bar's text around the bar itself: before the job is planned, the
 * phase and the time so far; then the atoms, molecules, rate, ETA and cost.
 */
export function barText(v: ProgressView): { head: string; tail: string; showBar: boolean } {
  const phase = v.phase ?? 'starting'
  const showBar = v.atoms > 0 || v.molecules > 0
  if (!showBar) return { head: phase, tail: ` | ${shortDuration(v.elapsedMs)}`, showBar }
  const eta = v.remainingMs === undefined ? '?' : shortDuration(v.remainingMs)
  const cost = v.costUsd === undefined ? '' : ` | ${usd(v.costUsd)} so far`
  const failed = v.moleculesFailed ? ` (${v.moleculesFailed} failed)` : ''
  return {
    head: phase.padEnd(11),
    tail:
      ` ${Math.floor(fractionOf(v) * 100)}% | ${v.atomsRun}/${v.atoms} atoms | ${v.moleculesDone}/${v.molecules} molecules${failed}` +
      ` | ${Math.round(v.rate)} atoms/s | ETA ${eta}${cost} | ${shortDuration(v.elapsedMs)}`,
    showBar,
  }
}

/** Options of {@link ProgressState}. */
export interface ProgressStateOptions {
  /** @default performance.now */
  now?: () => number
  /** Half-life of the atoms/s weighting, ms. @default 10000 */
  halfLifeMs?: number
}

/**
 * The running view of a run from its events: the phase, the latest counts,
 * and the atoms/s measured on this side's clock from when molecules run.
 */
export class ProgressState {
  private readonly now: () => number
  private readonly started: number
  private readonly rate: AtomRate
  private last: ProgressEvent | undefined
  private phase: ProgressPhase | undefined

  constructor(options: ProgressStateOptions = {}) {
    this.now = options.now ?? (() => performance.now())
    this.started = this.now()
    this.rate = new AtomRate({ halfLifeMs: options.halfLifeMs ?? 10_000 })
  }

  update(e: ProgressEvent): void {
    if (e.kind === 'phase' && e.phase) this.phase = e.phase
    // the cost is sent by cloud executors on their counting events; a phase event keeps it
    const cost = e.costUsd ?? this.last?.costUsd
    this.last = { ...e, ...(cost === undefined ? {} : { costUsd: cost }) }
    if (this.phase === 'running' || this.phase === 'reducing') {
      this.rate.sample(this.now() - this.started, e.atomsRun)
    }
  }

  view(): ProgressView {
    const e = this.last
    const atoms = e?.atoms ?? 0
    const atomsRun = e?.atomsRun ?? 0
    const ms = this.rate.remainingMs(atomsRun, atoms)
    return {
      phase: this.phase,
      elapsedMs: this.now() - this.started,
      atoms,
      atomsRun,
      atomsFailed: e?.atomsFailed ?? 0,
      molecules: e?.molecules ?? 0,
      moleculesDone: e?.moleculesDone ?? 0,
      moleculesFailed: e?.moleculesFailed ?? 0,
      rate: this.rate.perSecond,
      remainingMs: ms,
      costUsd: e?.costUsd,
    }
  }
}

/** Options of {@link createProgressReporter}. */
export interface ReporterOptions {
  /** @default performance.now */
  now?: () => number
  /** Count lines without a TTY: at least this far apart, ms (and at least 1/60 of the time so far). @default 1000 */
  lineIntervalMs?: number
}

/**
 * A reporter for `stream` (stderr): on a TTY a live bar (cli-progress) drawn
 * from the run's start, with each phase and message as a line above it;
 * otherwise plain lines: one per phase, per retried or failed molecule, and
 * count lines at most one per second (one per 1/60 of the time so far on long
 * runs, so an hour's run writes a few hundred), and always the last one.
 */
export function createProgressReporter(
  stream: NodeJS.WriteStream,
  options: ReporterOptions = {},
): ProgressReporter {
  const now = options.now ?? (() => performance.now())
  const state = new ProgressState({ now })
  return stream.isTTY ? ttyReporter(stream, state) : lineReporter(stream, state, options)
}

function lineReporter(
  stream: NodeJS.WriteStream,
  state: ProgressState,
  options: ReporterOptions,
): ProgressReporter {
  const now = options.now ?? (() => performance.now())
  const minInterval = options.lineIntervalMs ?? 1000
  let lastLineAt = Number.NEGATIVE_INFINITY
  let lastLine = ''
  let stopped = false
  const started = now()
  return {
    onProgress(e) {
      if (stopped) return
      state.update(e)
      if (e.kind === 'phase') {
        stream.write(`${phaseLine(e)}\n`)
        return
      }
      const note = moleculeLine(e)
      if (note) stream.write(`${note}\n`)
      const t = now()
      const finished = e.molecules > 0 && e.moleculesDone + e.moleculesFailed === e.molecules
      const interval = Math.max(minInterval, (t - started) / 60)
      if (!finished && t - lastLineAt < interval) return
      const v = state.view()
      // a line that says nothing new (the same counts) is left out
      const counted = counts(v)
      if (counted === lastLine) return
      lastLine = counted
      lastLineAt = t
      stream.write(`${progressLine(v)}\n`)
    },
    log(text) {
      stream.write(text)
    },
    stop() {
      stopped = true
    },
  }
}

function ttyReporter(stream: NodeJS.WriteStream, state: ProgressState): ProgressReporter {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      format: (options, params) => {
        const { head, tail, showBar } = barText(state.view())
        const bar = showBar ? ` ${cliProgress.Format.BarFormat(params.progress, options)}` : ''
        return `${head}${bar}${tail}`
      },
    },
    cliProgress.Presets.shades_classic,
  )
  let bar: cliProgress.SingleBar | undefined
  let stopped = false
  const redraw = () => {
    const v = state.view()
    if (!bar) bar = multi.create(Math.max(v.atoms, 1), v.atomsRun)
    bar.setTotal(Math.max(v.atoms, 1))
    bar.update(v.atomsRun)
    // draw now, also when synchronous atoms hold the event loop (in-process runs)
    multi.update()
  }
  return {
    onProgress(e) {
      if (stopped) return
      state.update(e)
      if (e.kind === 'phase') multi.log(`${phaseLine(e)}\n`)
      const note = moleculeLine(e)
      if (note) multi.log(`${note}\n`)
      redraw()
    },
    log(text) {
      if (stopped || !bar) {
        stream.write(text)
        return
      }
      multi.log(text)
      multi.update()
    },
    stop() {
      if (stopped) return
      stopped = true
      if (bar) multi.stop()
    },
  }
}
