import cliProgress from 'cli-progress'
import type { ProgressEvent } from '../executors/Executor.js'

/** Renders progress events: a bar on a TTY, one plain line per step otherwise. */
export interface ProgressReporter {
  onProgress(event: ProgressEvent): void
  stop(): void
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(2)
}

/**
 * mpPandasObj's reportProgress, as a line: "x% done after m minutes. Remaining r minutes",
 * r = m·(1/x − 1), plus molecule counts and atoms/s.
 */
export function progressLine(e: ProgressEvent): string {
  const fraction = e.molecules ? (e.moleculesDone + e.moleculesFailed) / e.molecules : 1
  const remaining = fraction > 0 ? e.elapsedMs * (1 / fraction - 1) : Number.NaN
  const rate = e.elapsedMs > 0 ? Math.round((e.atomsDone / e.elapsedMs) * 1000) : 0
  const failed = e.moleculesFailed ? `, ${e.moleculesFailed} failed` : ''
  const atomErrors = e.atomsFailed ? `, ${e.atomsFailed} atom errors` : ''
  return (
    `${(fraction * 100).toFixed(1)}% done: ${e.moleculesDone}/${e.molecules} molecules${failed}${atomErrors}, ` +
    `${rate} atoms/s, after ${minutes(e.elapsedMs)} min, remaining ${Number.isNaN(remaining) ? '?' : minutes(remaining)} min`
  )
}

/** A reporter for `stream`: a live bar when it is a TTY, throttled plain lines when not. */
export function createProgressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          'molecules {bar} {value}/{total} | failed {failed} | {rate} atoms/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    )
    let startedBar = false
    let stopped = false
    return {
      onProgress(e) {
        if (stopped) return
        const rate = e.elapsedMs > 0 ? Math.round((e.atomsDone / e.elapsedMs) * 1000) : 0
        const payload = { failed: e.moleculesFailed, rate }
        if (!startedBar) {
          bar.start(e.molecules, 0, payload)
          startedBar = true
        }
        bar.update(e.moleculesDone + e.moleculesFailed, payload)
      },
      stop() {
        if (startedBar && !stopped) bar.stop()
        stopped = true
      },
    }
  }
  let lastPercent = -1
  return {
    onProgress(e) {
      const done = e.moleculesDone + e.moleculesFailed
      const percent = e.molecules ? Math.floor((done * 100) / e.molecules) : 100
      // one line per step, but at most one per whole percent on very large jobs
      if (percent === lastPercent && done !== e.molecules && e.kind === 'molecule-done') return
      lastPercent = percent
      stream.write(`${progressLine(e)}\n`)
    },
    stop() {},
  }
}
