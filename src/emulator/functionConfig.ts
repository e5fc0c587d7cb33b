/**
 * A Lambda function's configuration, looked up in moto: GetFunction (handler,
 * runtime, environment, timeout, memory, code), its reserved concurrency and
 * its async retry settings. moto stores functions per region and account
 * (access key), so a lookup is keyed by both, taken from the caller's
 * `Authorization` header or the function's ARN.
 */
import { EmulatorError } from './errors.js'
import type { InvokeRequest } from './invokeApi.js'
import { type MotoClient, motoAuthorization, parseAuthorization } from './motoClient.js'

/** A function's configuration, as the emulator needs it. */
export interface FunctionConfig {
  functionName: string
  functionArn: string
  region: string
  accountId: string
  version: string
  runtime: string
  handler: string
  packageType: string
  timeoutSeconds: number
  memoryMb: number
  environment: Record<string, string>
  codeSha256: string
  codeLocation?: string
  /** Reserved concurrency; undefined when the function has none. */
  reservedConcurrency?: number
  /** Retries of a failed `Event` invocation (Lambda's default: 2). */
  maximumRetryAttempts: number
}

/** Which function of which moto backend an invocation means. */
export interface LookupKey {
  name: string
  qualifier: string | undefined
  region: string
  accessKey: string
}

/** `name:qualifier`, or the name alone. */
export function qualifiedName(name: string, qualifier: string | undefined): string {
  return qualifier ? `${name}:${qualifier}` : name
}

/**
 * The lookup key of an Invoke call: the name, ARN or partial ARN split into
 * name and qualifier; the region from the ARN, else from the signature.
 *
 * @example
 * ```ts
 * lookupKey({ functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:f:live', payload })
 * // { name: 'f', qualifier: 'live', region: 'eu-west-1', accessKey: 'test' }
 * ```
 */
export function lookupKey(
  request: Pick<InvokeRequest, 'functionName' | 'qualifier' | 'authorization'>,
): LookupKey {
  const auth = parseAuthorization(request.authorization)
  let region = auth?.region ?? 'us-east-1'
  let name = request.functionName
  let qualifier = request.qualifier
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  const arn = /^arn:[^:]+:lambda:([^:]+):\d+:function:([^:]+)(?::(.+))?$/.exec(name)
  if (arn) {
    region = arn[1] as string
    name = arn[2] as string
    qualifier ??= arn[3]
  } else if (name.includes(':')) {
    const [plain, q] = name.split(':')
    name = plain as string
    qualifier ??= q
  }
  return { name, qualifier, region, accessKey: auth?.accessKey ?? 'test' }
}

/** The ARN Lambda names in its 404 for a function that does not exist. */
export function missingFunctionArn(key: LookupKey): string {
  return key.name.startsWith('arn:')
    ? key.name
    : `arn:aws:lambda:${key.region}:123456789012:function:${qualifiedName(key.name, key.qualifier)}`
}

function parseJson<T>(body: Buffer): T {
  return JSON.parse(body.toString() || '{}') as T
}

/**
 * The function's configuration from moto; undefined when it does not exist.
 *
 * @throws EmulatorError when moto answers GetFunction with anything but 200 or 404.
 */
export async function fetchFunctionConfig(
  moto: MotoClient,
  key: LookupKey,
): Promise<FunctionConfig | undefined> {
  const headers = { authorization: motoAuthorization('lambda', key.region, key.accessKey) }
  const name = encodeURIComponent(key.name)
  const query = key.qualifier ? `?Qualifier=${encodeURIComponent(key.qualifier)}` : ''
  const [fn, concurrency, eventConfig] = await Promise.all([
    moto.send({ path: `/2015-03-31/functions/${name}${query}`, headers }),
    moto.send({ path: `/2019-09-30/functions/${name}/concurrency`, headers }),
    moto.send({ path: `/2019-09-25/functions/${name}/event-invoke-config${query}`, headers }),
  ])
  if (fn.status === 404) return undefined
  if (fn.status !== 200) {
    throw new EmulatorError(
      `moto's GetFunction answered ${fn.status}: ${fn.body.toString().slice(0, 300)}`,
    )
  }
  const body = parseJson<{
    Configuration?: Record<string, unknown>
    Code?: { Location?: string }
    Concurrency?: { ReservedConcurrentExecutions?: number }
  }>(fn.body)
  const c = body.Configuration ?? {}
  const arn = String(c.FunctionArn ?? '')
  const arnParts = arn.split(':')
  let reserved = body.Concurrency?.ReservedConcurrentExecutions
  if (concurrency.status === 200) {
    const parsed = parseJson<{ ReservedConcurrentExecutions?: number | null }>(concurrency.body)
    if (typeof parsed?.ReservedConcurrentExecutions === 'number')
      reserved = parsed.ReservedConcurrentExecutions
  }
  let maximumRetryAttempts = 2
  if (eventConfig.status === 200) {
    const parsed = parseJson<{ MaximumRetryAttempts?: number }>(eventConfig.body)
    if (typeof parsed.MaximumRetryAttempts === 'number')
      maximumRetryAttempts = parsed.MaximumRetryAttempts
  }
  const environment =
    (c.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}
  return {
    functionName: String(c.FunctionName ?? key.name),
    functionArn: arn,
    region: arnParts[3] ?? key.region,
    accountId: arnParts[4] ?? '123456789012',
    version: String(c.Version ?? '$LATEST'),
    runtime: String(c.Runtime ?? ''),
    handler: String(c.Handler ?? 'index.handler'),
    packageType: String(c.PackageType ?? 'Zip'),
    timeoutSeconds: Number(c.Timeout ?? 3),
    memoryMb: Number(c.MemorySize ?? 128),
    environment,
    codeSha256: String(c.CodeSha256 ?? ''),
    ...(body.Code?.Location ? { codeLocation: body.Code.Location } : {}),
    ...(typeof reserved === 'number' ? { reservedConcurrency: reserved } : {}),
    maximumRetryAttempts,
  }
}
