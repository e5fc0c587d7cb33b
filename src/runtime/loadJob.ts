import { pathToFileURL } from 'node:url'
import { JobLoadError } from '../core/errors.js'
import { type Job, jobFromModule } from '../core/job.js'

/** Import a bundle file and return the job it exports. */
export async function loadJobBundle(path: string, jobFile = path): Promise<Job> {
  let mod: Record<string, unknown>
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
  } catch (error) {
    throw new JobLoadError(
      jobFile,
      `${jobFile} failed while loading: ${(error as Error).message ?? String(error)}`,
      { cause: error },
    )
  }
  return jobFromModule(mod, jobFile)
}
