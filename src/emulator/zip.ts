/**
 * A small zip reader for Lambda deployment packages: the central directory,
 * stored and deflated entries (node:zlib `inflateRawSync`), ZIP64 sizes and
 * offsets, CRC-32 checks, Unix modes, and a safe extraction to a directory.
 * No encryption, no multi-disk archives.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { inflateRawSync } from 'node:zlib'
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

const EOCD = 0x06054b50
const ZIP64_EOCD_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL_HEADER = 0x02014b50
const LOCAL_HEADER = 0x04034b50
const U16_MAX = 0xffff
const U32_MAX = 0xffffffff

let crcTable: Uint32Array | undefined

/** CRC-32 (IEEE 802.3, the zip checksum) of `data`. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) {
    crc = (crcTable[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8)
  }
  return (crc ^ 0xffffffff) >>> 0
}

function need(zip: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || offset + length > zip.length) {
    throw new ZipError(
      `corrupt zip: ${what} at byte ${offset} runs past the end (${zip.length} bytes)`,
    )
  }
}

function u64(zip: Buffer, offset: number): number {
  const value = zip.readBigUInt64LE(offset)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('zip too large to read')
  return Number(value)
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The EOCD record is 22 bytes, followed by a comment of at most 65535 bytes.
  const lowest = Math.max(0, zip.length - 22 - U16_MAX)
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === EOCD && i + 22 + zip.readUInt16LE(i + 20) <= zip.length) return i
  }
  throw new ZipError(
    zip.length < 22
      ? `not a zip archive: only ${zip.length} bytes`
      : 'not a zip archive: no end-of-central-directory record',
  )
}

/**
 * Lists the entries of a zip archive from its central directory.
 *
 * @example
 * ```ts
 * const names = readZipEntries(await readFile('code.zip')).map((e) => e.name)
 * ```
 * @throws ZipError for anything that is not a readable zip.
 */
export function readZipEntries(zip: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip)
  let count = zip.readUInt16LE(eocd + 10)
  let cdSize = zip.readUInt32LE(eocd + 12)
  let cdOffset = zip.readUInt32LE(eocd + 16)
  if (zip.readUInt16LE(eocd + 4) !== 0 && zip.readUInt16LE(eocd + 4) !== U16_MAX) {
    throw new ZipError('multi-disk zip archives are not supported')
  }
  const locator = eocd - 20
  if (locator >= 0 && zip.readUInt32LE(locator) === ZIP64_EOCD_LOCATOR) {
    const zip64Offset = u64(zip, locator + 8)
    need(zip, zip64Offset, 56, 'ZIP64 end of central directory')
    if (zip.readUInt32LE(zip64Offset) !== ZIP64_EOCD) {
      throw new ZipError('corrupt zip: bad ZIP64 end-of-central-directory signature')
    }
    count = u64(zip, zip64Offset + 32)
    cdSize = u64(zip, zip64Offset + 40)
    cdOffset = u64(zip, zip64Offset + 48)
  }
  need(zip, cdOffset, cdSize, 'central directory')

  const entries: ZipEntry[] = []
  let p = cdOffset
  for (let i = 0; i < count; i++) {
    need(zip, p, 46, 'central directory entry')
    if (zip.readUInt32LE(p) !== CENTRAL_HEADER) {
      throw new ZipError(`corrupt zip: bad central directory signature at byte ${p}`)
    }
    const madeBy = zip.readUInt16LE(p + 4) >> 8
    const flags = zip.readUInt16LE(p + 8)
    const method = zip.readUInt16LE(p + 10)
    const crc = zip.readUInt32LE(p + 16)
    let compressedSize = zip.readUInt32LE(p + 20)
    let size = zip.readUInt32LE(p + 24)
    const nameLength = zip.readUInt16LE(p + 28)
    const extraLength = zip.readUInt16LE(p + 30)
    const commentLength = zip.readUInt16LE(p + 32)
    const externalAttributes = zip.readUInt32LE(p + 38)
    let localHeaderOffset = zip.readUInt32LE(p + 42)
    need(zip, p + 46, nameLength + extraLength + commentLength, 'entry name')
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength).replaceAll('\\', '/')

    // ZIP64 extended information: only the fields that overflowed are present, in this order.
    let extra = p + 46 + nameLength
    const extraEnd = extra + extraLength
    while (extra + 4 <= extraEnd) {
      const id = zip.readUInt16LE(extra)
      const length = zip.readUInt16LE(extra + 2)
      if (id === 0x0001) {
        let q = extra + 4
        if (size === U32_MAX) {
          size = u64(zip, q)
          q += 8
        }
        if (compressedSize === U32_MAX) {
          compressedSize = u64(zip, q)
          q += 8
        }
        if (localHeaderOffset === U32_MAX) localHeaderOffset = u64(zip, q)
      }
      extra += 4 + length
    }

    const unixMode = madeBy === 3 ? externalAttributes >>> 16 : 0
    const isDirectory = name.endsWith('/') || (externalAttributes & 0x10) !== 0
    entries.push({
      name,
      isDirectory,
      isSymlink: !isDirectory && (unixMode & 0o170000) === 0o120000,
      method,
      compressedSize,
      size,
      crc32: crc,
      mode: unixMode & 0o777,
      flags,
      localHeaderOffset,
    })
    p += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/**
 * The content of one entry, inflated and CRC-checked.
 *
 * @throws ZipError for an encrypted entry, an unknown method, a size or CRC mismatch.
 */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  if (entry.flags & 1) throw new ZipError(`zip entry ${entry.name} is encrypted`)
  const header = entry.localHeaderOffset
  need(zip, header, 30, `local header of ${entry.name}`)
  if (zip.readUInt32LE(header) !== LOCAL_HEADER) {
    throw new ZipError(`corrupt zip: bad local header signature for ${entry.name}`)
  }
  const start = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28)
  need(zip, start, entry.compressedSize, `data of ${entry.name}`)
  const raw = zip.subarray(start, start + entry.compressedSize)
  let data: Buffer
  if (entry.method === 0) data = Buffer.from(raw)
  else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw)
    } catch (cause) {
      throw new ZipError(`corrupt zip: cannot inflate ${entry.name}`, { cause })
    }
  } else {
    throw new ZipError(
      `zip entry ${entry.name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
    )
  }
  if (data.length !== entry.size) {
    throw new ZipError(`corrupt zip: ${entry.name} is ${data.length} bytes, expected ${entry.size}`)
  }
  if (crc32(data) !== entry.crc32) throw new ZipError(`corrupt zip: CRC mismatch for ${entry.name}`)
  return data
}

/**
 * Reads every file of a zip into memory, keyed by path (directories left out).
 *
 * @example
 * ```ts
 * const files = unzip(zipBytes)
 * files.get('index.js')?.toString()
 * ```
 */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (const entry of readZipEntries(zip)) {
    if (!entry.isDirectory) files.set(entry.name, readZipEntry(zip, entry))
  }
  return files
}

function safeTarget(root: string, name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.')
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.includes('..')) {
    throw new ZipError(`unsafe path in zip: ${JSON.stringify(name)}`)
  }
  const target = resolve(root, ...parts)
  if (target !== root && !target.startsWith(root + sep)) {
    throw new ZipError(`unsafe path in zip: ${JSON.stringify(name)}`)
  }
  return target
}

/**
 * Extracts a zip archive into `dir` (created if needed), keeping Unix
 * permission bits and symbolic links. Refuses absolute paths and `..`.
 *
 * @returns the paths of the extracted files, relative to `dir`.
 * @throws ZipError for an unreadable archive or an unsafe path.
 */
export async function extractZip(zip: Buffer, dir: string): Promise<string[]> {
  const root = resolve(dir)
  await mkdir(root, { recursive: true })
  const written: string[] = []
  for (const entry of readZipEntries(zip)) {
    const target = safeTarget(root, entry.name)
    if (entry.isDirectory) {
      await mkdir(target, { recursive: true })
      continue
    }
    const data = readZipEntry(zip, entry)
    await mkdir(dirname(target), { recursive: true })
    if (entry.isSymlink) {
      const link = data.toString('utf8')
      if (link.startsWith('/'))
        throw new ZipError(`unsafe symlink in zip: ${entry.name} -> ${link}`)
      safeTarget(root, join(dirname(entry.name), link).replaceAll('\\', '/'))
      await symlink(link, target)
    } else {
      await writeFile(target, data)
      if (entry.mode) await chmod(target, entry.mode | 0o400)
    }
    written.push(entry.name.replace(/^\.\//, ''))
  }
  return written
}
