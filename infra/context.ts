import { isAbsolute, resolve } from 'node:path'
import type { Node } from 'constructs'
import { z } from 'zod'

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
const integer = (min: number, max: number) => {
  const error = `an integer from ${min} to ${max}`
  return z.coerce
    .number({ error })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error })
}

/**
 * The CDK context keys fanout's app reads (`cdk.json` or `-c key=value`, so
 * numbers and booleans may arrive as strings). Unknown keys belong to CDK.
 */
export const appContextSchema = z
  .object({
    /** Stack name. @default 'Fanout' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'a CloudFormation stack name' })
      .default('Fanout'),
    /** Worker memory in MB. @default 1769 */
    workerMemoryMb: integer(128, 10240).default(1769),
    /** Worker timeout in seconds. @default 900 */
    workerTimeoutSeconds: integer(1, 900).default(900),
    /** The worker's /tmp in MB, where data params are downloaded. @default 2048 */
    workerEphemeralStorageMb: integer(512, 10240).default(2048),
    /** The user's buckets the functions may read, comma-separated: `-c dataBuckets=lake,ticks`. @default none */
    dataBuckets: z
      .union([z.array(z.string()), z.string()], { error: 'a comma-separated list of bucket names' })
      .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((b) => b.trim()).filter(Boolean))
      .default([]),
    /** The largest partial one molecule may write, MB. @default 256 */
    maxPartialMb: integer(1, 5120).default(256),
    /** Days job data (`jobs/`) is kept. @default 30 */
    retentionDays: integer(1, 36500).default(30),
    /** Deploying to fanout's emulator (moto): no bootstrap version rule. @default false */
    emulator: flag.default(false),
    /**
     * Directory of prebuilt handler bundles (`<name>/index.mjs`), for stub
     * deploys (relative to the working directory). @default `<fanout package>/dist/functions`
     */
    functionsDir: z.string().min(1).optional(),
  })
  .strict()

/** The parsed app context. */
export type AppContext = z.infer<typeof appContextSchema>

/**
 * Reads and checks the app's context keys.
 *
 * @throws TypeError naming the key, what was expected and what was got.
 * @example
 * ```ts
 * const { stackName, emulator } = readAppContext(app.node)
 * ```
 */
export function readAppContext(node: Node): AppContext {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(appContextSchema.shape)) {
    const value: unknown = node.tryGetContext(key)
    if (value !== undefined) raw[key] = value
  }
  const parsed = appContextSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = String(issue?.path[0] ?? '?')
    throw new TypeError(
      `Expected context ${key} to be ${issue?.message ?? 'valid'}, got ${JSON.stringify(raw[key])} (${typeof raw[key]})`,
    )
  }
  const context = parsed.data
  if (context.functionsDir && !isAbsolute(context.functionsDir)) {
    context.functionsDir = resolve(context.functionsDir)
  }
  return context
}
