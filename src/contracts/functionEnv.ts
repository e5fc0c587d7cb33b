import { z } from 'zod'
import { firstIssue } from '../core/zodIssues.js'

/** The environment of fanout's Lambda functions, as the stack sets it. */
export const functionEnvSchema = z.object({
  /** The bucket of bundles and job data. */
  FANOUT_BUCKET: z.string().min(1),
  /** A key prefix inside the bucket. @default '' */
  FANOUT_PREFIX: z.string().default(''),
  /** The worker function's name (plan and tally invoke it). */
  FANOUT_WORKER_FUNCTION: z.string().min(1).optional(),
  /** `localstack` or `aws`, recorded in manifests. @default 'localstack' with AWS_ENDPOINT_URL, else 'aws' */
  FANOUT_TARGET: z.enum(['localstack', 'aws']).optional(),
  /** Directory for downloaded job bundles and data. @default os.tmpdir() */
  FANOUT_TMP: z.string().optional(),
  /** The user's buckets the functions may read (`-c dataBuckets=a,b`), comma-separated. @default none */
  FANOUT_DATA_BUCKETS: z.string().default(''),
  AWS_ENDPOINT_URL: z.string().optional(),
})

/** The parsed environment of a function. */
export interface FunctionEnv {
  bucket: string
  prefix: string
  workerFunction: string | undefined
  target: 'localstack' | 'aws'
  /** The user's buckets the functions may read: `objects('s3://<bucket>/...')`. */
  dataBuckets: string[]
  /** The function's `/tmp`: `FANOUT_TMP`, else the OS's. */
  tmpDir: string | undefined
}

/**
 * Read a function's environment once, at cold start.
 *
 * @param needs - variables this function cannot run without beyond `FANOUT_BUCKET`
 * @throws TypeError naming the missing or bad variable
 * @example
 * ```ts
 * const env = readFunctionEnv(process.env, ['FANOUT_WORKER_FUNCTION'])
 * ```
 */
export function readFunctionEnv(
  env: NodeJS.ProcessEnv,
  needs: readonly 'FANOUT_WORKER_FUNCTION'[] = [],
): FunctionEnv {
  const parsed = functionEnvSchema.safeParse(env)
  if (!parsed.success) {
    const { path: name, message } = firstIssue(parsed.error, 'the environment')
    throw new TypeError(
      `environment variable ${name} is ${env[name] === undefined ? 'not set' : `invalid (${message})`}; the fanout stack sets it on every function`,
    )
  }
  for (const name of needs) {
    if (!parsed.data[name]) {
      throw new TypeError(
        `environment variable ${name} is not set; the fanout stack sets it on the plan and tally functions`,
      )
    }
  }
  const d = parsed.data
  return {
    bucket: d.FANOUT_BUCKET,
    prefix: d.FANOUT_PREFIX,
    workerFunction: d.FANOUT_WORKER_FUNCTION,
    target: d.FANOUT_TARGET ?? (d.AWS_ENDPOINT_URL ? 'localstack' : 'aws'),
    dataBuckets: d.FANOUT_DATA_BUCKETS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    tmpDir: d.FANOUT_TMP || undefined,
  }
}
