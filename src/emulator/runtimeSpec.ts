/**
 * What a runtime process of a function gets: Lambda's environment variables
 * (with `AWS_ENDPOINT_URL` pointing at the gateway), the facts for the
 * handler's `context`, the Node binary to run on, and a generation that
 * changes with the code or configuration so that outdated processes retire.
 */
import { createHash } from 'node:crypto'
import { dirname } from 'node:path'
import type { FunctionConfig } from './functionConfig.js'
import type { RuntimeSpec } from './RuntimeProcess.js'

/** Inputs of {@link runtimeSpec} besides the function's configuration. */
export interface RuntimeSpecInputs {
  /** The unzipped code (`LAMBDA_TASK_ROOT`). */
  codeDir: string
  /** The gateway's URL, given to handlers as `AWS_ENDPOINT_URL`. */
  endpointUrl: string
  /** Path of the built `lambdaRuntime.js`. */
  runtimePath: string
  /** The Node binary for the function's runtime. */
  nodePath: string
  /** Its version (`v22.23.3`), which decides the permission flags. */
  nodeVersion?: string
  /**
   * Sandbox the function's processes: each its own `/tmp` under `tmpRoot`,
   * and reads only of `read` (code, runtime, SDK) and that `/tmp`. @default no sandbox
   */
  sandbox?: { tmpRoot: string; read: readonly string[] }
}

/**
 * The runtime spec of a function.
 *
 * @example
 * ```ts
 * const spec = runtimeSpec(config, { codeDir, endpointUrl: gateway.url, runtimePath, nodePath })
 * ```
 */
export function runtimeSpec(config: FunctionConfig, inputs: RuntimeSpecInputs): RuntimeSpec {
  const { codeDir, endpointUrl, runtimePath, nodePath, nodeVersion } = inputs
  const sandbox = inputs.sandbox && nodeVersion ? { ...inputs.sandbox, nodeVersion } : undefined
  const logStream = `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[${config.version}]${createHash('md5').update(config.functionArn).digest('hex')}`
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    ...config.environment,
    AWS_ENDPOINT_URL: endpointUrl,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: config.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(config.timeoutSeconds),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStream,
    LAMBDA_TASK_ROOT: codeDir,
    LAMBDA_RUNTIME_DIR: dirname(runtimePath),
    _HANDLER: config.handler,
    FANOUT_EMULATOR: '1',
  }
  // The log stream name carries the date: keep it out of the generation, or processes would retire daily.
  const generation = createHash('sha256')
    .update(
      JSON.stringify([
        { ...env, AWS_LAMBDA_LOG_STREAM_NAME: '' },
        config.memoryMb,
        config.timeoutSeconds,
        nodePath,
        sandbox ?? null,
      ]),
    )
    .digest('hex')
  return {
    generation,
    codeDir,
    env,
    runtimePath,
    nodePath,
    timeoutSeconds: config.timeoutSeconds,
    memoryMb: config.memoryMb,
    ...(sandbox ? { sandbox } : {}),
    info: {
      functionName: config.functionName,
      functionVersion: config.version,
      invokedFunctionArn: config.functionArn,
      memoryLimitInMB: String(config.memoryMb),
      logGroupName: `/aws/lambda/${config.functionName}`,
      logStreamName: logStream,
    },
  }
}
