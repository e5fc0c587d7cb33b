import { FanoutError } from '../core/errors.js'
import { type AwsCredentials, signRequest } from './sigv4.js'

/**
 * Signed `fetch` for the hot paths of the Lambda functions (the worker's S3
 * reads and writes, plan's dispatch), instead of the AWS SDK clients: loading
 * `@aws-sdk/client-s3` costs about 250 ms of a cold start on its own, a signer
 * over Node's built-in `fetch` almost nothing. Same endpoints, same requests.
 */

/** One request may take this long before it is aborted (and retried). */
const REQUEST_TIMEOUT_MS = 60_000

/** A request as {@link SignedFetch.fetch} takes it. */
export interface SignedRequestInit {
  method: string
  headers?: Record<string, string>
  body?: Uint8Array | string
}

/**
 * `fetch` that signs every request (SigV4) and retries 5xx and 429 answers
 * with exponential backoff and full jitter.
 */
export class SignedFetch {
  constructor(
    private readonly credentials: AwsCredentials,
    readonly service: string,
    readonly region: string,
    private readonly retries: number,
    private readonly initRetryMs = 50,
  ) {}

  async fetch(url: string, init: SignedRequestInit): Promise<Response> {
    const target = new URL(url)
    for (let attempt = 0; ; attempt++) {
      const headers = signRequest({
        method: init.method,
        url: target,
        headers: init.headers ?? {},
        body: init.body,
        service: this.service,
        region: this.region,
        credentials: this.credentials,
      })
      // fetch sets Host itself, from the same URL that was signed
      delete headers.host
      let res: Response
      try {
        res = await fetch(target, {
          method: init.method,
          headers,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          ...(init.body !== undefined ? { body: init.body } : {}),
        })
      } catch (error) {
        // a dropped or stale keep-alive connection, a timeout: sign again and retry
        if (attempt >= this.retries) throw error
        await this.backoff(attempt)
        continue
      }
      if ((res.status < 500 && res.status !== 429) || attempt >= this.retries) return res
      await res.arrayBuffer()
      await this.backoff(attempt)
    }
  }

  private backoff(attempt: number): Promise<void> {
    return new Promise((resolve) =>
      setTimeout(resolve, Math.random() * this.initRetryMs * 2 ** attempt),
    )
  }
}

/** Where and as whom the fetch clients talk to AWS. */
export interface AwsFetchConnection {
  region: string
  /** A custom endpoint (the emulator, LocalStack); undefined for AWS's own. */
  endpoint: string | undefined
  client: SignedFetch
}

/** Options of {@link awsFetchConnection}. */
export interface AwsFetchOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` from env */
  endpoint?: string | undefined
  /** @default `AWS_REGION`, `AWS_DEFAULT_REGION`, else 'us-east-1' */
  region?: string | undefined
  /** Retries of 5xx and 429 answers, with exponential backoff and jitter. @default 5 */
  retries?: number
}

/**
 * A signing client for `service`, with credentials from the environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, which
 * Lambda sets for the function's role). Against a custom endpoint without
 * credentials it signs with test credentials, as emulators expect.
 *
 * @throws {FanoutError} when there are no credentials and no custom endpoint
 */
export function awsFetchConnection(
  service: 's3' | 'lambda',
  options: AwsFetchOptions = {},
): AwsFetchConnection {
  const env = options.env ?? process.env
  const endpoint =
    options.endpoint ||
    env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ||
    env.AWS_ENDPOINT_URL ||
    undefined
  const region = options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'
  let accessKeyId = env.AWS_ACCESS_KEY_ID
  let secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    if (!endpoint) {
      throw new FanoutError(
        `no AWS credentials for ${service}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them for the function's role)`,
      )
    }
    accessKeyId = 'test'
    secretAccessKey = 'test'
  }
  const client = new SignedFetch(
    { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined },
    service,
    region,
    options.retries ?? 5,
  )
  return { region, endpoint: endpoint?.replace(/\/+$/, ''), client }
}

/** An AWS error answer, shaped like the SDK's so retry policies read it the same way. */
export class AwsHttpError extends FanoutError {
  readonly $metadata: { httpStatusCode: number }
  constructor(name: string, status: number, message: string) {
    super(message)
    this.name = name
    this.$metadata = { httpStatusCode: status }
  }
}

/**
 * The error code of an AWS error answer: the `x-amzn-ErrorType` header (JSON
 * APIs such as Lambda), a JSON body's `__type`, or an XML body's `<Code>` (S3).
 */
export function awsErrorCode(body: string, fallback: string, headers?: Headers): string {
  const header = headers?.get('x-amzn-errortype')?.split(':')[0]
  return (
    (header || undefined) ??
    /"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"/.exec(body)?.[1] ??
    /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ??
    fallback
  )
}
