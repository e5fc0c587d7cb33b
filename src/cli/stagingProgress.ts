import { formatBytes } from '../runner/stagingChecks.js'
import type { StagingEvent } from '../runner/stagingEvents.js'

/**
 * Staging progress as plain lines on `stream` (stderr): one when a file is
 * found in the bucket already, one per tenth uploaded, one when done.
 *
 * @example
 * ```ts
 * run(job, { target: 'aws', onStaging: stagingReporter(process.stderr) })
 * ```
 */
export function stagingReporter(stream: {
  write(text: string): unknown
}): (event: StagingEvent) => void {
  const tenths = new Map<string, number>()
  return (e) => {
    const what = `${e.name} (${formatBytes(e.bytes)})`
    if (e.kind === 'skip') {
      stream.write(`fanout: ${what} is in the bucket already: nothing to upload\n`)
    } else if (e.kind === 'upload') {
      const tenth = e.bytes > 0 ? Math.floor(((e.loaded ?? 0) * 10) / e.bytes) : 10
      if (tenth >= 10 || tenth <= (tenths.get(e.name) ?? -1)) return
      tenths.set(e.name, tenth)
      stream.write(`fanout: staging ${what}: ${tenth * 10}% uploaded\n`)
    } else if (e.kind === 'done') {
      stream.write(`fanout: staged ${what}\n`)
    }
  }
}
