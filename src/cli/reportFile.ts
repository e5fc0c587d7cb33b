import { writeReport } from '../report/writeReport.js'
import type { JobHandle } from '../runner/JobHandle.js'
import type { CostReport } from '../runner/jobCost.js'

/** `run --report [file]`: write the run's report after the run; returns its path. */
export function writeRunReport(
  handle: JobHandle,
  options: { out?: string; root: string; cost: CostReport },
): Promise<string> {
  return writeReport(handle, options)
}
