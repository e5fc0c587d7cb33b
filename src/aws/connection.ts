import { UsageError } from '../core/errors.js'

/** Where the cloud path runs. */
export type CloudTarget = 'localstack' | 'aws'

/** The default endpoint of LocalStack and of fanout's own emulator. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4566'

/** How AWS SDK clients reach a target: the only difference between `localstack` and `aws`. */
export interface TargetConnection {
  target: CloudTarget
  region: string
  /** Set for localstack (AWS_ENDPOINT_URL or the default); undefined for aws (the SDK's own endpoints). */
  endpoint: string | undefined
  /** Static test credentials for localstack; undefined for aws (the standard credential chain). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined
  /** Environment for child processes (the CDK CLI) that must reach the same target. */
  env: Record<string, string>
}

/**
 * Resolve a target's connection from the environment. `localstack` uses
 * `AWS_ENDPOINT_URL` (default `http://127.0.0.1:4566`) with test credentials;
 * `aws` uses the standard credential chain and region, and no endpoint.
 *
 * @example
 * ```ts
 * connectionFor('localstack', process.env).endpoint // 'http://127.0.0.1:4566'
 * ```
 */
export function connectionFor(target: string, env: NodeJS.ProcessEnv): TargetConnection {
  if (target === 'localstack') {
    const endpoint = env.AWS_ENDPOINT_URL || DEFAULT_LOCAL_ENDPOINT
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'
    const credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID || 'test',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY || 'test',
    }
    // moto reads http://127.0.0.1:4566/bucket/key as a bucket named "127": CloudFormation
    // must fetch templates through a host name.
    const forCloudFormation = endpoint.replace('://127.0.0.1', '://localhost')
    return {
      target,
      region,
      endpoint,
      credentials,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION:
          env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION || forCloudFormation,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    }
  }
  if (target === 'aws') {
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION
    return {
      target,
      region: region || 'us-east-1',
      endpoint: undefined,
      credentials: undefined,
      env: region ? { AWS_REGION: region } : {},
    }
  }
  throw new UsageError(`--target must be local, localstack or aws; got ${JSON.stringify(target)}`)
}

/** Client options for any AWS SDK v3 client of this target. */
export function clientConfig(c: TargetConnection) {
  return {
    region: c.region,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.credentials ? { credentials: c.credentials } : {}),
  }
}
