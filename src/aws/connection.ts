import type { S3ClientConfig } from '@aws-sdk/client-s3'
import { UsageError } from '../core/errors.js'

/**
 * The one place that decides how fanout reaches AWS or an emulator: the CLI's
 * SDK clients, the CDK child process and the Lambda functions' signed fetch
 * all start from {@link connectionFor}, through the thin adapters below
 * ({@link clientConfig}, {@link s3ClientConfig}) and `fetchConnection` in
 * signedFetch.ts.
 */

/** Where the cloud path runs. */
export type CloudTarget = 'localstack' | 'aws'

/** The AWS services fanout talks to, each with its own `AWS_ENDPOINT_URL_<SERVICE>` override. */
export type AwsService = 's3' | 'lambda' | 'sfn' | 'logs' | 'cloudformation'

/** The suffix of each service's endpoint variable, as the AWS SDKs name them. */
const SERVICE_VARIABLES: Readonly<Record<AwsService, string>> = {
  s3: 'S3',
  lambda: 'LAMBDA',
  sfn: 'SFN',
  logs: 'CLOUDWATCH_LOGS',
  cloudformation: 'CLOUDFORMATION',
}

/** The default endpoint of LocalStack and of fanout's own emulator. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4566'

/** Test credentials for an emulator or LocalStack, which accept any. */
export const TEST_CREDENTIALS = Object.freeze({ accessKeyId: 'test', secretAccessKey: 'test' })

/** Static AWS credentials, as Lambda puts them in a function's environment. */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string | undefined
}

/** How fanout reaches a target: the only differences between `localstack` and `aws` are endpoints and credentials. */
export interface TargetConnection {
  target: CloudTarget
  region: string
  /** The custom endpoint (the emulator, LocalStack); undefined for aws (the SDK's own endpoints). */
  endpoint: string | undefined
  /** Each service's endpoint: `AWS_ENDPOINT_URL_<SERVICE>`, else {@link endpoint}; empty for aws. */
  endpoints: Readonly<Partial<Record<AwsService, string>>>
  /**
   * Static credentials: the environment's keys, else test credentials against
   * a custom endpoint when the environment names no other credential source;
   * undefined leaves the SDK's standard credential chain to find them.
   */
  credentials: AwsCredentials | undefined
  /** Environment for child processes (the CDK CLI) that must reach the same target. */
  env: Record<string, string>
}

/** Options of {@link connectionFor}. */
export interface ConnectionOptions {
  /** The custom endpoint of a `localstack` target. @default `AWS_ENDPOINT_URL`, else {@link DEFAULT_LOCAL_ENDPOINT} */
  endpoint?: string | undefined
  /** @default `AWS_REGION`, `AWS_DEFAULT_REGION`, else 'us-east-1' */
  region?: string | undefined
}

/** Variables that name a credential source other than static keys. */
const CREDENTIAL_SOURCES = [
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
]

function credentialsFrom(env: NodeJS.ProcessEnv, custom: boolean): AwsCredentials | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    }
  }
  if (custom && !CREDENTIAL_SOURCES.some((name) => env[name])) return { ...TEST_CREDENTIALS }
  return undefined
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

/**
 * Resolve a target's connection from an environment. `localstack` uses the
 * given endpoint, `AWS_ENDPOINT_URL` or `http://127.0.0.1:4566` (each service
 * may override it with `AWS_ENDPOINT_URL_<SERVICE>`), and test credentials
 * when the environment has none; `aws` uses AWS's own endpoints, whatever
 * `AWS_ENDPOINT_URL` says, and the environment's keys or the standard
 * credential chain.
 *
 * @param target - `localstack` or `aws` (the CLI's `--target`; a function's `FANOUT_TARGET`)
 * @throws {UsageError} for any other target
 * @example
 * ```ts
 * connectionFor('localstack', process.env).endpoint // 'http://127.0.0.1:4566'
 * connectionFor('localstack', {}, { endpoint: 'http://127.0.0.1:4599' }).endpoints.s3 // 'http://127.0.0.1:4599'
 * ```
 */
export function connectionFor(
  target: string,
  env: NodeJS.ProcessEnv,
  options: ConnectionOptions = {},
): TargetConnection {
  if (target !== 'localstack' && target !== 'aws') {
    throw new UsageError(`--target must be local, localstack or aws; got ${JSON.stringify(target)}`)
  }
  const envRegion = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION
  const region = envRegion || 'us-east-1'
  if (target === 'aws') {
    return {
      target,
      region,
      endpoint: undefined,
      endpoints: {},
      credentials: credentialsFrom(env, false),
      env: envRegion ? { AWS_REGION: envRegion } : {},
    }
  }
  const endpoint = withoutTrailingSlash(
    options.endpoint || env.AWS_ENDPOINT_URL || DEFAULT_LOCAL_ENDPOINT,
  )
  const endpoints: Partial<Record<AwsService, string>> = {}
  for (const [service, suffix] of Object.entries(SERVICE_VARIABLES) as [AwsService, string][]) {
    const own = options.endpoint ? undefined : env[`AWS_ENDPOINT_URL_${suffix}`]
    endpoints[service] = own ? withoutTrailingSlash(own) : endpoint
  }
  const credentials = credentialsFrom(env, true)
  // moto reads http://127.0.0.1:4566/bucket/key as a bucket named "127": CloudFormation
  // must fetch templates through a host name.
  const forCloudFormation = endpoint.replace('://127.0.0.1', '://localhost')
  return {
    target,
    region,
    endpoint,
    endpoints,
    credentials,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION:
        env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION || forCloudFormation,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...(credentials
        ? {
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
          }
        : {}),
    },
  }
}

/**
 * Client options for an AWS SDK v3 client of this target: the region, the
 * service's endpoint (if custom) and the static credentials (if any).
 *
 * @param service - whose `AWS_ENDPOINT_URL_<SERVICE>` applies. @default the common endpoint
 * @example
 * ```ts
 * new SFNClient({ ...clientConfig(connection, 'sfn'), maxAttempts: 5 })
 * ```
 */
export function clientConfig(c: TargetConnection, service?: AwsService) {
  const endpoint = service ? c.endpoints[service] : c.endpoint
  return {
    region: c.region,
    ...(endpoint ? { endpoint } : {}),
    ...(c.credentials ? { credentials: c.credentials } : {}),
  }
}

/**
 * S3 client options: {@link clientConfig} plus path-style addressing against a
 * custom endpoint (`http://127.0.0.1:4566/bucket/key`, no DNS tricks), and the
 * SDK's own retries.
 *
 * @param maxAttempts - SDK attempts per request. @default 5
 * @example
 * ```ts
 * new S3Client(s3ClientConfig(connectionFor('localstack', process.env)))
 * ```
 */
export function s3ClientConfig(c: TargetConnection, maxAttempts = 5): S3ClientConfig {
  const config: S3ClientConfig = { ...clientConfig(c, 's3'), maxAttempts }
  if (config.endpoint) config.forcePathStyle = true
  return config
}
