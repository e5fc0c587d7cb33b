import { join } from 'node:path'
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda'
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { REPO_ROOT } from './paths.js'

/** Powertools log levels. */
export type FanoutLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'

/**
 * ESM bundles may still contain CommonJS dependencies that call `require`:
 * give them one. The alias avoids clashing with any name esbuild emits.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __fanoutCreateRequire } from 'node:module';const require = __fanoutCreateRequire(import.meta.url);"

/** Options of {@link FanoutFunction}: only what differs between fanout's functions. */
export interface FanoutFunctionProps {
  /** The handler module (absolute path), exporting `handler`. */
  readonly entry: string
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
  /**
   * The directory esbuild runs in; `entry` and `package-lock.json` must be under it.
   * @default the repository root
   */
  readonly projectRoot?: string
}

/**
 * A Lambda function with every fanout default set in one place.
 *
 * Defaults (not overridable, so every function is built the same way):
 * - runtime `nodejs22.x`, architecture `arm64`;
 * - bundled by the local esbuild (`forceDockerBundling: false`, never Docker)
 *   with `projectRoot` = the repository root and `depsLockFilePath` = its
 *   `package-lock.json`;
 * - ESM output (`index.mjs`, `mainFields: ['module', 'main']`) with a banner
 *   that defines `require` through `createRequire` for CommonJS dependencies;
 * - `target: 'node20'`: the same bundle runs on the emulator's Node 20 and on
 *   Lambda's Node 22;
 * - minified, external source maps without sources content, and
 *   `NODE_OPTIONS=--enable-source-maps`;
 * - `@aws-sdk/*` left external (Lambda's Node runtime ships SDK v3);
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
 *   entry: join(functionsDir, 'workerHandler.ts'),
 *   memorySize: 1769,
 *   timeout: Duration.seconds(900),
 *   environment: { FANOUT_BUCKET: bucket.bucketName },
 * })
 * ```
 */
export class FanoutFunction extends NodejsFunction {
  /** The runtime every fanout function uses. */
  static readonly RUNTIME = Runtime.NODEJS_22_X
  /** The architecture every fanout function uses. */
  static readonly ARCHITECTURE = Architecture.ARM_64

  constructor(scope: Construct, id: string, props: FanoutFunctionProps) {
    const projectRoot = props.projectRoot ?? REPO_ROOT
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `fanout ${id} function`,
    })
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: FanoutFunction.RUNTIME,
      architecture: FanoutFunction.ARCHITECTURE,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: Tracing.DISABLED,
      role,
      logGroup,
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'fanout',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        target: 'node20',
        minify: true,
        // error class names survive minification, so Lambda's errorType stays readable
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: ['@aws-sdk/*'],
        logLevel: LogLevel.WARNING,
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
