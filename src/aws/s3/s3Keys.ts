import { describeValue, StoreError } from '../../core/errors.js'

/** Key rules and content types shared by both S3 adapters of the store port. */

/** A store key (or prefix) as S3 takes it: a string not starting with `/`. */
export function checkKey(key: string, what = 'key'): string {
  if (typeof key !== 'string' || (what === 'key' && key === '') || key.startsWith('/')) {
    throw new StoreError(
      `Expected a store ${what} that does not start with "/", like "jobs/<jobId>/result.parquet", got ${describeValue(key)}`,
    )
  }
  return key
}

/**
 * RFC 3986 percent-encoding, as S3 keys and query values are sent and signed
 * (`encodeURIComponent` leaves `!'()*` alone).
 *
 * @example
 * ```ts
 * encodeRfc3986("it's (1)!*") // 'it%27s%20%281%29%21%2A'
 * ```
 */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** `''`, or the prefix with a trailing `/`. */
export function normalizePrefix(prefix: string): string {
  checkKey(prefix, 'prefix')
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`
}

/** ListObjectsV2's page size: 1 to 1000. */
export function checkMaxKeys(maxKeys: number): number {
  if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 1000) {
    throw new RangeError(
      `Expected maxKeys to be an integer from 1 to 1000, got ${describeValue(maxKeys)}`,
    )
  }
  return maxKeys
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
  mjs: 'text/javascript',
  js: 'text/javascript',
  csv: 'text/csv',
  jsonl: 'application/jsonl',
}

/** The Content-Type of a key, by its extension. @default 'application/octet-stream' */
export function contentType(key: string): string {
  const dot = key.lastIndexOf('.')
  return (dot >= 0 && CONTENT_TYPES[key.slice(dot + 1)]) || 'application/octet-stream'
}

/** An object key as S3 takes it in a URL path: each `/`-separated segment RFC 3986-encoded. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/')
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** The text of an S3 XML element (a key, a continuation token): its five entities and character references decoded. */
export function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(Number.parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number.parseInt(e.slice(1), 10))
        : (ENTITIES[e] as string),
  )
}
