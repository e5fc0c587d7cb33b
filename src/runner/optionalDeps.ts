/**
 * fanout's cloud parts are optional peer dependencies: a local-only install
 * has neither the AWS SDK nor the AWS CDK. The code that needs them loads
 * them lazily through this module, which turns "module not found" into one
 * line saying what needs them and the exact install command.
 */
import { createRequire } from 'node:module'
import { UsageError } from '../core/errors.js'

/** A set of optional packages that one feature needs together. */
export interface OptionalGroup {
  /** What the packages are, for the message: `the AWS SDK`. */
  readonly what: string
  /** The packages, in the order the install command names them. */
  readonly packages: readonly string[]
}

/** The AWS SDK clients of the cloud path (`--target localstack|aws`, `status`, `logs`), and its upload helper (staging data). */
export const AWS_SDK: OptionalGroup = {
  what: 'the AWS SDK',
  packages: [
    '@aws-sdk/client-s3',
    '@aws-sdk/client-sfn',
    '@aws-sdk/client-cloudformation',
    '@aws-sdk/client-cloudwatch-logs',
    '@aws-sdk/lib-storage',
  ],
}

/** The AWS CDK toolkit and library (`fanout deploy`). */
export const AWS_CDK: OptionalGroup = {
  what: 'the AWS CDK',
  packages: ['aws-cdk', 'aws-cdk-lib', 'constructs'],
}

/** The package a specifier names: `@aws-sdk/client-s3/x` → `@aws-sdk/client-s3`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/**
 * The error for a feature whose optional packages are missing.
 *
 * @example
 * ```ts
 * missingOptional('fanout deploy', AWS_CDK, 'aws-cdk').message
 * // 'fanout deploy needs the AWS CDK (aws-cdk is not installed): npm install aws-cdk aws-cdk-lib constructs'
 * ```
 */
export function missingOptional(
  feature: string,
  group: OptionalGroup,
  missing: string,
  cause?: unknown,
): UsageError {
  return new UsageError(
    `${feature} needs ${group.what} (${missing} is not installed): npm install ${group.packages.join(' ')}`,
    { cause },
  )
}

/** The package of `group` that a module-not-found error is about, if it is one. */
function missingPackage(error: unknown, group: OptionalGroup): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined
  const text = String(message)
  return group.packages.find((pkg) => text.includes(`'${pkg}'`) || text.includes(`"${pkg}"`))
}

/**
 * Load a module that imports optional packages (`load` is a thunk around a
 * literal `import()`, so bundlers and TypeScript see the specifier). When one
 * of `group`'s packages is missing, throws a {@link UsageError} naming
 * `feature` and the install command; any other error passes through.
 *
 * @example
 * ```ts
 * const { cloudBackend } = await importOptional('--target aws', AWS_SDK, () =>
 *   import('../../runner/cloudBackend.js'),
 * )
 * ```
 */
export async function importOptional<T>(
  feature: string,
  group: OptionalGroup,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const missing = missingPackage(error, group)
    if (missing) throw missingOptional(feature, group, missing, error)
    throw error
  }
}

/**
 * Resolve a file of an optional package (`aws-cdk/bin/cdk`) wherever npm put
 * it, as Node would from fanout's own modules, after checking that every
 * package of `group` resolves too.
 *
 * @param from - where resolution starts @default this module
 * @throws {UsageError} naming `feature` and the install command when one is missing
 * @example
 * ```ts
 * const bin = resolveOptional('fanout deploy', AWS_CDK, 'aws-cdk/bin/cdk')
 * ```
 */
export function resolveOptional(
  feature: string,
  group: OptionalGroup,
  specifier: string,
  from: string | URL = import.meta.url,
): string {
  const require = createRequire(from)
  for (const pkg of new Set([...group.packages, packageOf(specifier)])) {
    try {
      require.resolve(`${pkg}/package.json`)
    } catch (error) {
      // installed, but its exports map hides package.json
      if ((error as { code?: unknown }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') continue
      throw missingOptional(feature, group, pkg, error)
    }
  }
  return require.resolve(specifier)
}
