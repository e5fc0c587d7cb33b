import { resolve } from 'node:path'
import type { JobHandle } from '../runner/JobHandle.js'
import type { CostReport } from '../runner/jobCost.js'
import { fanoutVersion } from '../runtime/packageRoot.js'
import { writeFileAtomic } from '../store/output.js'
import type { ReportError } from './client/reportTypes.js'
import { reportClient } from './clientBundle.js'
import { renderReport } from './renderReport.js'
import { buildReportData } from './reportData.js'

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** The HTML file. @default `<root>/jobs/<jobId>/report.html` for local jobs, `<root>/reports/<jobId>.html` for cloud ones */
  out?: string
  /** fanout's working directory. @default '.fanout' */
  root?: string
  /** The job's cost beside its prediction (see `costReport`). @default none: the report says so */
  cost?: CostReport
  /** The run's wall time, ms. @default the handle's outcome's, when it has one */
  wallMs?: number
}

/** Where a job's report goes by default. */
export function defaultReportPath(
  handle: Pick<JobHandle, 'id' | 'target'>,
  root = '.fanout',
): string {
  return handle.target === 'local'
    ? resolve(root, 'jobs', handle.id, 'report.html')
    : resolve(root, 'reports', `${handle.id}.html`)
}

/** A job's report as one self-contained HTML page (see {@link renderReport}). */
export async function reportHtml(
  handle: JobHandle,
  options: WriteReportOptions = {},
): Promise<string> {
  const errors: ReportError[] = []
  for await (const e of handle.errors()) {
    errors.push({
      atom: e.atom,
      molecule: e.molecule,
      attempt: e.attempt,
      name: e.name,
      message: e.message,
    })
  }
  const wallMs = options.wallMs ?? handle.outcome?.wallMs
  const data = buildReportData({
    manifest: handle.manifest,
    errors,
    cost: options.cost ?? null,
    fanoutVersion: fanoutVersion(),
    ...(wallMs !== undefined ? { wallMs } : {}),
  })
  return renderReport(data, await reportClient())
}

/**
 * Write a job's run report: one HTML file that makes no network request
 * when opened (its data, style and chart code are all inside), atomically.
 *
 * @returns the file's absolute path
 * @example
 * ```ts
 * const job = await openJob('sweep-20261202-101500-ab12')
 * console.log(await writeReport(job, { out: 'sweep.html' }))
 * ```
 */
export async function writeReport(
  handle: JobHandle,
  options: WriteReportOptions = {},
): Promise<string> {
  const html = await reportHtml(handle, options)
  return writeFileAtomic(options.out ?? defaultReportPath(handle, options.root), html)
}
