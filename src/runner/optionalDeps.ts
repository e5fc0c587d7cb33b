import { UsageError } from '../core/errors.js'

/** What the cloud path needs beyond a local-only install. */
export const CLOUD_PACKAGES = [
  '@aws-sdk/client-s3',
  '@aws-sdk/client-sfn',
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-cloudformation',
  '@aws-sdk/client-cloudwatch-logs',
] as const

/** What `fanout deploy` needs beyond the cloud path. */
export const CDK_PACKAGES = ['aws-cdk', 'aws-cdk-lib', 'constructs'] as const

/** The npm package a module-not-found error names, if any. */
export function missingPackage(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string } | undefined
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return undefined
  const name = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(e.message ?? '')?.[1]
  return name && !name.startsWith('.') && !name.startsWith('/') ? name : undefined
}

/**
 * Load a part of fanout that needs optional peer dependencies (the AWS SDK,
 * the CDK). When one is not installed, fail with one line naming what needs
 * it and the install command, instead of a module-resolution stack.
 *
 * @param load - the import, written out (`() => import('./cloudBackend.js')`) so bundlers see it
 * @param purpose - what needs it, e.g. `--target localstack`
 * @param packages - what to install @default {@link CLOUD_PACKAGES}
 * @throws {@link UsageError} naming the missing package and the command
 */
export async function importOptional<T>(
  load: () => Promise<T>,
  purpose: string,
  packages: readonly string[] = CLOUD_PACKAGES,
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const name = missingPackage(error)
    if (name === undefined) throw error
    throw new UsageError(
      `${purpose} needs ${name}, which is not installed (fanout installs its cloud parts only on request): npm install ${packages.join(' ')}`,
      { cause: error },
    )
  }
}
