/**
 * Reading Lambda deployment packages. yauzl parses the archive (central
 * directory, ZIP64, stored and deflated data, sizes checked against the
 * directory, unsafe names refused); fanout adds what a Lambda runtime needs on
 * top: CRC-32 checks (`zlib.crc32`), Unix modes and symbolic links, and clear
 * errors naming the entry. {@link extractZip} (extractZip.ts) writes one out.
 */
import { buffer as readAll } from 'node:stream/consumers'
import zlib from 'node:zlib'
import { type Entry, fromBufferPromise, type ZipFile } from 'yauzl'
import { ZipError } from './errors.js'

/** One file or directory of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated; directories end with `/`. */
  name: string
  /** True for a directory entry. */
  isDirectory: boolean
  /** True for a symbolic link (Unix mode 0o120000); its content is the link target. */
  isSymlink: boolean
  /** Compression method: 0 stored, 8 deflate. */
  method: number
  /** Size of the stored bytes. */
  compressedSize: number
  /** Size of the content. */
  size: number
  /** CRC-32 of the content. */
  crc32: number
  /** Unix permission bits (0o777 mask), when the archive was made on Unix; otherwise 0. */
  mode: number
  /** General-purpose flags (bit 0: encrypted). */
  flags: number
  /** Offset of the entry's local header. */
  localHeaderOffset: number
}

/** An open archive: yauzl's handle and the entries of its central directory. */
export interface OpenZip {
  file: ZipFile
  entries: { entry: ZipEntry; raw: Entry }[]
}

const UNIX = 3
const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const DOS_DIRECTORY = 0x10
/** yauzl's messages for the names it refuses (see its `validateFileName`). */
const UNSAFE_NAME =
  /^(?:absolute path|invalid relative path|invalid characters in fileName): (.*)$/s

/** CRC-32 with `zlib.crc32` (Node 20.15 and later), looked up when used so older Nodes can still load this module. */
function checksum(data: Buffer): number {
  if (typeof zlib.crc32 !== 'function') {
    throw new ZipError(
      `fanout's emulator checks zip entries with zlib.crc32, which Node ${process.version} lacks: use Node 20.15 or later`,
    )
  }
  return zlib.crc32(data)
}

function describe(raw: Entry): ZipEntry {
  const name = raw.fileName
  const unixMode = raw.versionMadeBy >> 8 === UNIX ? raw.externalFileAttributes >>> 16 : 0
  const isDirectory = name.endsWith('/') || (raw.externalFileAttributes & DOS_DIRECTORY) !== 0
  return {
    name,
    isDirectory,
    isSymlink: !isDirectory && (unixMode & S_IFMT) === S_IFLNK,
    method: raw.compressionMethod,
    compressedSize: raw.compressedSize,
    size: raw.uncompressedSize,
    crc32: raw.crc32,
    mode: unixMode & 0o777,
    flags: raw.generalPurposeBitFlag,
    localHeaderOffset: raw.relativeOffsetOfLocalHeader,
  }
}

/** A yauzl failure as a ZipError that says what was wrong and what to do. */
function archiveError(cause: unknown): ZipError {
  const message = cause instanceof Error ? cause.message : String(cause)
  const unsafe = UNSAFE_NAME.exec(message)
  if (unsafe) {
    const name = unsafe[1] as string
    return new ZipError(
      `unsafe path in zip: ${JSON.stringify(name)} (absolute paths and ".." are refused); build the package with paths relative to its root`,
      { cause, entry: name },
    )
  }
  return new ZipError(`not a readable zip archive: ${message}; rebuild the deployment package`, {
    cause,
  })
}

/**
 * Opens a zip archive held in memory and reads its central directory.
 *
 * @throws ZipError for anything that is not a readable zip, or a zip with an unsafe entry name.
 */
export async function openZip(zip: Buffer): Promise<OpenZip> {
  try {
    const file = await fromBufferPromise(zip, { lazyEntries: true, strictFileNames: false })
    const entries: OpenZip['entries'] = []
    for await (const raw of file.eachEntry()) entries.push({ entry: describe(raw), raw })
    return { file, entries }
  } catch (cause) {
    throw cause instanceof ZipError ? cause : archiveError(cause)
  }
}

/**
 * The content of one entry of an open archive, inflated and CRC-checked.
 *
 * @throws ZipError for an encrypted entry, an unknown method, a size or CRC mismatch.
 */
export async function readEntryContent(
  file: ZipFile,
  raw: Entry,
  entry: ZipEntry = describe(raw),
): Promise<Buffer> {
  const name = entry.name
  if (raw.isEncrypted()) {
    throw new ZipError(
      `zip entry ${name} is encrypted; fanout's emulator cannot decrypt it: zip the code without a password`,
      { entry: name },
    )
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipError(
      `zip entry ${name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported: zip the code with deflate`,
      { entry: name },
    )
  }
  let data: Buffer
  try {
    data = await readAll(await file.openReadStreamPromise(raw))
  } catch (cause) {
    throw new ZipError(`corrupt zip: cannot read ${name}: ${(cause as Error).message}`, {
      cause,
      entry: name,
    })
  }
  if (checksum(data) !== entry.crc32) {
    throw new ZipError(`corrupt zip: CRC mismatch for ${name}; rebuild the deployment package`, {
      entry: name,
    })
  }
  return data
}

/**
 * Lists the entries of a zip archive from its central directory.
 *
 * @example
 * ```ts
 * const names = (await readZipEntries(await readFile('code.zip'))).map((e) => e.name)
 * ```
 * @throws ZipError for anything that is not a readable zip.
 */
export async function readZipEntries(zip: Buffer): Promise<ZipEntry[]> {
  return (await openZip(zip)).entries.map(({ entry }) => entry)
}

/**
 * The content of one entry (as {@link readZipEntries} listed it), inflated and CRC-checked.
 *
 * @example
 * ```ts
 * const [first] = await readZipEntries(zip)
 * if (first) console.log((await readZipEntry(zip, first)).toString())
 * ```
 * @throws ZipError for an entry the archive does not have, an encrypted entry, an unknown
 * method, a size or CRC mismatch.
 */
export async function readZipEntry(zip: Buffer, entry: ZipEntry): Promise<Buffer> {
  const { file, entries } = await openZip(zip)
  const found = entries.find(
    ({ entry: e }) => e.name === entry.name && e.localHeaderOffset === entry.localHeaderOffset,
  )
  if (!found) {
    throw new ZipError(`zip entry ${entry.name} is not in this archive`, { entry: entry.name })
  }
  return readEntryContent(file, found.raw, found.entry)
}

/**
 * Reads every file of a zip into memory, keyed by path (directories left out).
 *
 * @example
 * ```ts
 * const files = await unzip(zipBytes)
 * files.get('index.js')?.toString()
 * ```
 * @throws ZipError as {@link readZipEntry} does.
 */
export async function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  const { file, entries } = await openZip(zip)
  const files = new Map<string, Buffer>()
  for (const { entry, raw } of entries) {
    if (!entry.isDirectory) files.set(entry.name, await readEntryContent(file, raw, entry))
  }
  return files
}
