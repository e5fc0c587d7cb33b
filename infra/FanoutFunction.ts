import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib'
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'

/** Powertools log levels. */
export type FanoutLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'

/** Options of {@link FanoutFunction}: only what differs between fanout's functions. */
export interface FanoutFunctionProps {
  /**
   * The directory of the function's prebuilt bundle (absolute path): an
   * `index.mjs` exporting `handler`, and its source map. `npm run build`
   * writes them to `dist/functions/<name>/`.
   */
  readonly codeDir: string
  /** Memory in MB. @default 1024 */
  readonly memorySize?: number
  /** Timeout. @default Duration.seconds(60) */
  readonly timeout?: Duration
  /** Extra environment variables, merged over the defaults. @default {} */
  readonly environment?: Record<string, string>
  /** Retention of the function's log group. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays
  /** `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: FanoutLogLevel
  /** A description for the console. @default - none */
  readonly description?: string
  /** Ephemeral storage (`/tmp`) in MB, 512 to 10240. @default 512 (Lambda's) */
  readonly ephemeralStorageMb?: number
}

/**
 * A Lambda function with every fanout default set in one place.
 *
 * Defaults (not overridable, so every function is built the same way):
 * - runtime `nodejs22.x`, architecture `arm64`;
 * - code: a prebuilt bundle directory ({@link FanoutFunctionProps.codeDir}),
 *   deployed as is (`Code.fromAsset`), handler `index.handler`. The bundles are
 *   built once by `npm run build` (scripts/build.js), so deploying needs no
 *   bundler, no lockfile and none of the handlers' dependencies, and works the
 *   same from this repository and from an installed package. Each bundle is
 *   ESM (`index.mjs`, `mainFields: ['module', 'main']`) with a banner that
 *   defines `require` through `createRequire` for CommonJS dependencies;
 *   `target: 'node20'` (the same bundle runs on the emulator's Node 20 and on
 *   Lambda's Node 22); minified with names kept; an external source map
 *   without sources content; `@aws-sdk/*` left external (Lambda's Node
 *   runtime ships SDK v3);
 * - `NODE_OPTIONS=--enable-source-maps`;
 * - its own `logs.LogGroup` with retention ({@link FanoutFunctionProps.logRetention},
 *   one month by default), destroyed with the stack;
 * - its own IAM role with no managed policy: it may write to its own log group
 *   only; the stack grants the rest;
 * - `POWERTOOLS_SERVICE_NAME=fanout`, `POWERTOOLS_LOG_LEVEL` ({@link FanoutFunctionProps.logLevel});
 * - X-Ray tracing off.
 *
 * @example
 * ```ts
 * const worker = new FanoutFunction(this, 'Worker', {
 *   codeDir: join(functionsDir, 'worker'),
 *   memorySize: 1769,
 *   timeout: Duration.seconds(900),
 *   environment: { FANOUT_BUCKET: bucket.bucketName },
 * })
 * ```
 */
export class FanoutFunction extends LambdaFunction {
  /** The runtime every fanout function uses. */
  static readonly RUNTIME = Runtime.NODEJS_22_X
  /** The architecture every fanout function uses. */
  static readonly ARCHITECTURE = Architecture.ARM_64

  constructor(scope: Construct, id: string, props: FanoutFunctionProps) {
    const handlerFile = join(props.codeDir, 'index.mjs')
    if (!existsSync(handlerFile)) {
      throw new TypeError(
        `Expected codeDir to hold a prebuilt handler bundle, but ${handlerFile} is missing: run \`npm run build\` in the fanout package (it writes dist/functions/<name>/index.mjs)`,
      )
    }
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `fanout ${id} function`,
    })
    super(scope, id, {
      code: Code.fromAsset(props.codeDir),
      handler: 'index.handler',
      description: props.description,
      runtime: FanoutFunction.RUNTIME,
      architecture: FanoutFunction.ARCHITECTURE,
      memorySize: props.memorySize ?? 1024,
      ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb ?? 512),
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: Tracing.DISABLED,
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'fanout',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
    })
    logGroup.grantWrite(role)
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "nodejs22.x on purpose: bundles target Node 20 so that the same code runs on the local emulator (Node 20) and on Lambda; move to a newer runtime together with the project's Node version.",
    })
  }
}
