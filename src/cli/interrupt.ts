/**
 * Ctrl-C on a run, in two steps, as a user expects: the first stops
 * dispatching and lets the running molecules finish (their partials are
 * kept), the second cancels them at once; either way nothing already written
 * is lost and the job can be resumed. The message is written after the
 * progress display is stopped, so that it stays on screen.
 */
export class Interrupts {
  /** Aborted by the first Ctrl-C: no new molecule starts. */
  readonly stop = new AbortController()
  /** Aborted by the second Ctrl-C: running molecules are cancelled. */
  readonly abort = new AbortController()
  readonly #beforeMessage = new Set<() => void>()
  #count = 0

  /** Run `fn` before a message is written (stops a progress bar); returns its remover. */
  beforeMessage(fn: () => void): () => void {
    this.#beforeMessage.add(fn)
    return () => this.#beforeMessage.delete(fn)
  }

  /** One Ctrl-C (SIGINT) or SIGTERM. */
  signal(stream: NodeJS.WritableStream = process.stderr): void {
    this.#count++
    for (const fn of this.#beforeMessage) fn()
    if (this.#count === 1) {
      stream.write(
        '\nfanout: stopping: no new molecules start; the running ones finish and keep their partials (Ctrl-C again to cancel them now)\n',
      )
      this.stop.abort(new Error('stopped'))
    } else {
      stream.write(
        '\nfanout: stopping now: the running molecules are cancelled; partials written so far are kept\n',
      )
      this.abort.abort(new Error('interrupted'))
    }
  }
}
