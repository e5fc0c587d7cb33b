/**
 * Newline-aligned byte ranges, as Lithops and Dask cut text files: a file's
 * bytes `[0, size)` are tiled into ranges, and each range owns the lines that
 * START in it. A reader of range `[start, end)` reads from `start - 1` (to
 * tell whether `start` begins a line), skips to the first line start at or
 * after `start`, reads to `end`, and then only as far past `end` as the line
 * that crosses it goes. So every line belongs to exactly one range, a file
 * without a final newline loses nothing, and a worker reads its range plus
 * about one line, never the whole file.
 *
 * Lines end in `\n` (a `\r` before it stays with the line). A quoted CSV field
 * that holds a line break would be cut like any other line: chunked CSV must
 * keep each record on one line, as with Dask's `read_csv(blocksize=...)`.
 *
 * @module
 */
import type { DataFile } from './access.js'

const LF = 10

/** What {@link readLineRange} read. */
export interface LineRange {
  /** The lines that start in the range, whole, in file order. */
  readonly bytes: Uint8Array
  /** Where the first of them starts in the file (`end` of the range when there is none). */
  readonly from: number
  /** Where the last of them ends. */
  readonly to: number
  /** Bytes fetched from the file to find them. */
  readonly bytesRead: number
}

/** Bytes fetched past a range's end per step while looking for the end of its last line: grows ×2. */
function firstStep(rangeBytes: number): number {
  return Math.min(64 * 1024, Math.max(256, Math.ceil(rangeBytes / 1000)))
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/**
 * The whole lines that start in `[start, end)` of `file`.
 *
 * @param lineStart - true when `start` is known to begin a line (0, or a boundary of a line index): nothing is read before it
 * @example
 * ```ts
 * const { bytes } = await readLineRange(file, 1 << 20, 2 << 20) // the lines starting in the 2nd MiB
 * ```
 */
export async function readLineRange(
  file: DataFile,
  start: number,
  end: number,
  lineStart = start === 0,
): Promise<LineRange> {
  const stop = Math.min(end, file.size)
  if (start >= stop) return { bytes: new Uint8Array(0), from: stop, to: stop, bytesRead: 0 }
  const readFrom = lineStart ? start : start - 1
  const main = await file.read(readFrom, stop)
  let bytesRead = main.byteLength
  let skip = 0
  if (!lineStart) {
    const lf = main.indexOf(LF)
    // no newline at or after start - 1 before the end: no line starts in the range
    if (lf < 0 || readFrom + lf + 1 >= stop) {
      return { bytes: new Uint8Array(0), from: stop, to: stop, bytesRead }
    }
    skip = lf + 1
  }
  const from = readFrom + skip
  const parts = [main.subarray(skip)]
  let total = main.byteLength - skip
  let to = stop
  if (main[main.byteLength - 1] !== LF && stop < file.size) {
    // the last line crosses the end: read on until its newline (or the end of the file)
    let step = firstStep(stop - start)
    for (;;) {
      const more = await file.read(to, Math.min(file.size, to + step))
      bytesRead += more.byteLength
      const lf = more.indexOf(LF)
      const take = lf < 0 ? more : more.subarray(0, lf + 1)
      parts.push(take)
      total += take.byteLength
      to += take.byteLength
      if (lf >= 0 || to >= file.size || more.byteLength === 0) break
      step *= 2
    }
  }
  return { bytes: concat(parts, total), from, to, bytesRead }
}

/**
 * The first line of `file` (without its newline), and where the next line
 * starts: one read of 4 KiB for a typical header, doubling while no newline
 * is found.
 */
export async function readFirstLine(
  file: DataFile,
): Promise<{ line: Uint8Array; next: number; bytesRead: number }> {
  const parts: Uint8Array[] = []
  let at = 0
  let step = 4096
  while (at < file.size) {
    const more = await file.read(at, Math.min(file.size, at + step))
    if (more.byteLength === 0) break
    const lf = more.indexOf(LF)
    if (lf >= 0) {
      parts.push(more.subarray(0, lf))
      const line = concat(parts, at + lf)
      return { line, next: at + lf + 1, bytesRead: at + more.byteLength }
    }
    parts.push(more)
    at += more.byteLength
    step *= 2
  }
  return { line: concat(parts, at), next: at, bytesRead: at }
}

/** What {@link lineOffsets} found. */
export interface LineIndex {
  /** Where every `every`-th line after the skipped ones starts, then the file's size. */
  readonly offsets: number[]
  /** Lines after the skipped ones (blank lines included). */
  readonly lines: number
}

/**
 * Where every `every`-th line starts, after `skipLines` lines (a header):
 * `[first, first + every lines, ..., size]`, by one pass over the file in
 * blocks. The ranges between consecutive offsets hold `every` lines each
 * (the last one the rest).
 *
 * @param blockBytes - bytes read per request @default 8 MiB
 * @example
 * ```ts
 * const { offsets, lines } = await lineOffsets(file, 100_000, 1) // after the header
 * ```
 */
export async function lineOffsets(
  file: DataFile,
  every: number,
  skipLines = 0,
  blockBytes = 8 * 1024 * 1024,
): Promise<LineIndex> {
  const offsets: number[] = []
  let seen = 0 // line starts so far
  const lineStartsAt = (at: number) => {
    if (at >= file.size) return
    const data = seen - skipLines
    if (data >= 0 && data % every === 0) offsets.push(at)
    seen++
  }
  lineStartsAt(0)
  for (let at = 0; at < file.size; at += blockBytes) {
    const block = await file.read(at, Math.min(file.size, at + blockBytes))
    if (block.byteLength === 0) break
    let i = block.indexOf(LF)
    while (i >= 0) {
      lineStartsAt(at + i + 1)
      i = block.indexOf(LF, i + 1)
    }
  }
  offsets.push(file.size)
  return { offsets, lines: Math.max(0, seen - skipLines) }
}
