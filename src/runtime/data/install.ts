import {
  type DataAccess,
  installDataAccess,
  installedDataAccess,
  whenReady,
} from '../../core/data/access.js'
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
