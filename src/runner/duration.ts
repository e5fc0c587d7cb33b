import ms from 'ms'
import { describeValue, UsageError } from '../core/errors.js'

/**
 * A duration given by a user, as milliseconds: a number of seconds (`600`,
 * as Lambda's timeout is given), or a number with a unit as the `ms` package
 * reads it (`90s`, `30m`, `1.5h`, `500ms`).
 *
 * @throws {@link UsageError} naming `what` and the value
 * @example
 * ```ts
 * parseDuration('30m', '--deadline') // 1800000
 * parseDuration(600, '--timeout') // 600000
 * ```
 */
export function parseDuration(value: string | number, what: string): number {
  const text = String(value).trim()
  const out = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : ms(text as ms.StringValue)
  if (typeof out !== 'number' || !Number.isFinite(out) || out <= 0) {
    throw new UsageError(
      `Expected ${what} to be a duration such as 600 (seconds), 90s, 30m or 1h, got ${describeValue(value)}`,
    )
  }
  return Math.round(out)
}
