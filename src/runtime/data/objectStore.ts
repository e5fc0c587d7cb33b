/** The S3 side of a data access: list a prefix with sizes, read a byte range. */
export interface S3Objects {
  /** Every object under `prefix` in `bucket`, with its size, in key order. */
  list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]>
  /** The bytes `[start, end)` of an object. */
  read(bucket: string, key: string, start: number, end: number): Promise<Uint8Array>
}

/**
 * Names in S3's listing order (UTF-8 bytes), so that a folder listed locally
 * and the same files listed under a prefix give the same atom order.
 */
export function byteOrder(a: string, b: string): number {
  if (a === b) return 0
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}
