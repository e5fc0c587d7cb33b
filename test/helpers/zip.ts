/**
 * Zip archives for tests, written with yazl: Lambda deployment packages with
 * stored or deflated entries, Unix modes, symbolic links, optional ZIP64
 * records. The same files always give the same bytes (a fixed mtime), so the
 * same code keeps the same CodeSha256.
 */
import { buffer as readAll } from 'node:stream/consumers'
import { ZipFile } from 'yazl'

/** One file of {@link createZip}. */
export interface ZipInput {
  /** Path inside the archive; a name ending in `/` is a directory. */
  name: string
  data: string | Uint8Array
  /** Unix mode bits with the file type, e.g. 0o755 or 0o120777 for a symlink. @default 0o644 */
  mode?: number
  /** 0 stored, 8 deflate. @default 8 */
  method?: 0 | 8
}

/** Options of {@link createZip}. */
export interface CreateZipOptions {
  /** Write ZIP64 extra fields and end records, as large archives have. @default false */
  zip64?: boolean
  /** Archive comment. */
  comment?: string
}

const MTIME = new Date(Date.UTC(2020, 0, 1))

/**
 * Builds a zip archive from files.
 *
 * @example
 * ```ts
 * const zip = await createZip({ 'index.mjs': 'export const handler = async () => 42' })
 * ```
 */
export async function createZip(
  files: Record<string, string | Uint8Array> | ZipInput[],
  options: CreateZipOptions = {},
): Promise<Buffer> {
  const inputs: ZipInput[] = Array.isArray(files)
    ? files
    : Object.entries(files).map(([name, data]) => ({ name, data }))
  const zip = new ZipFile()
  const zip64 = options.zip64 ?? false
  for (const input of inputs) {
    if (input.name.endsWith('/')) {
      zip.addEmptyDirectory(input.name, { mtime: MTIME, mode: 0o40000 | (input.mode ?? 0o755) })
      continue
    }
    const mode = input.mode ?? 0o644
    zip.addBuffer(Buffer.from(input.data), input.name, {
      mtime: MTIME,
      mode: mode & 0o170000 ? mode : 0o100000 | mode,
      compress: (input.method ?? 8) === 8,
      forceZip64Format: zip64,
    })
  }
  const bytes = readAll(zip.outputStream)
  zip.end({ forceZip64Format: zip64, comment: options.comment ?? '' })
  return bytes
}

/**
 * Renames an entry by rewriting its name bytes in the local header and the
 * central directory: the way to make an archive that a careful writer (yazl)
 * refuses to make, such as one with `../` in a name. Both names must have the
 * same length in UTF-8.
 *
 * @example
 * ```ts
 * const evil = renameEntry(await createZip({ 'xx/escape.txt': 'x' }), 'xx/escape.txt', '../escape.txt')
 * ```
 */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from)
  const b = Buffer.from(to)
  if (a.length !== b.length) throw new Error(`renameEntry: ${from} and ${to} differ in length`)
  const out = Buffer.from(zip)
  let found = 0
  for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + a.length)) {
    b.copy(out, at)
    found++
  }
  if (found < 2)
    throw new Error(`renameEntry: ${from} is not both in a local header and the directory`)
  return out
}
