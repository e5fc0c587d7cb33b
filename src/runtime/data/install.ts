import {
  type DataAccess,
  installDataAccess,
  installedDataAccess,
  whenReady,
} from '../../core/data/access.js'
import { DataError } from '../../core/data/errors.js'
import { hasDataRefs } from '../../core/data/refs.js'
import type { Job } from '../../core/job.js'
import type { AtomSource } from '../../core/types.js'
import { LocalDataAccess } from './LocalDataAccess.js'

/**
 * The data access of this process: the one installed (a Lambda worker's), or
 * a {@link LocalDataAccess} installed now (worker threads, the CLI).
 */
export function ensureDataAccess(): DataAccess {
  const installed = installedDataAccess()
  if (installed) return installed
  const local = new LocalDataAccess()
  installDataAccess(local)
  return local
}

/**
 * The job's atom source for `params`, once the data it needs is loaded:
 * `atoms(params)` is called again after each fetch a data source asks for
 * (a listing, a line index, a Parquet footer).
 */
export function atomsOf(job: Job, params: unknown): Promise<AtomSource<unknown>> {
  ensureDataAccess()
  return whenReady(() => job.atoms(params))
}

/**
 * The params of an invocation, as the job reads them: staged-data
 * references (a cloud run's file and folder params) made local paths by the
 * installed data access. Call it before validating params, in every function
 * that loads the job (plan, worker, reduce).
 *
 * @throws {@link DataError} when the params hold staged data and this process cannot read it
 */
export async function resolveDataParams(params: unknown, jobId: string): Promise<unknown> {
  const access = installedDataAccess()
  if (access?.resolveParams) return access.resolveParams(params, jobId)
  if (hasDataRefs(params)) {
    throw new DataError(
      `the params of job ${jobId} hold data staged in a bucket, which this process has no way to read: run it through the stack's functions`,
    )
  }
  return params
}
