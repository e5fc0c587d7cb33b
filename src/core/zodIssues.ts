import type { z } from 'zod'

/**
 * Every issue of a zod error, one indented line each: `  <path>: <message>`,
 * with `root` standing for an empty path. The one formatter for params,
 * events, manifests and environments, so every surface reports a bad value the
 * same way.
 *
 * @example
 * ```ts
 * formatIssues(schema.safeParse(raw).error, '(params)') // '  bars: Expected number, received string'
 * ```
 */
export function formatIssues(error: z.ZodError, root = '(value)'): string {
  return error.issues
    .map((i) => `  ${i.path.length ? i.path.join('.') : root}: ${i.message}`)
    .join('\n')
}

/** The first issue's path (`root` when empty) and message: for one-line errors. */
export function firstIssue(error: z.ZodError, root = '(value)'): { path: string; message: string } {
  const issue = error.issues[0]
  return {
    path: issue?.path.length ? issue.path.join('.') : root,
    message: issue?.message ?? 'invalid',
  }
}
