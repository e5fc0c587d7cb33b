/**
 * A tiny zip writer for tests: builds Lambda deployment packages in memory
 * (stored or deflated entries, Unix modes, optional ZIP64 records).
 */
import { deflateRawSync } from 'node:zlib'
import { crc32 } from '../../src/emulator/zip.js'

/** One file of {@link createZip}. */
export interface ZipInput {
  name: string
  data: string | Uint8Array
  /** Unix mode bits, e.g. 0o755. @default 0o644 */
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

/**
 * Builds a zip archive from files, as a Buffer.
 *
 * @example
 * ```ts
 * const zip = createZip({ 'index.mjs': 'export const handler = async () => 42' })
 * ```
 */
export function createZip(
  files: Record<string, string | Uint8Array> | ZipInput[],
  options: CreateZipOptions = {},
): Buffer {
  const inputs: ZipInput[] = Array.isArray(files)
    ? files
    : Object.entries(files).map(([name, data]) => ({ name, data }))
  const zip64 = options.zip64 ?? false
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const input of inputs) {
    const name = Buffer.from(input.name, 'utf8')
    const content =
      typeof input.data === 'string' ? Buffer.from(input.data) : Buffer.from(input.data)
    const method = input.name.endsWith('/') ? 0 : (input.method ?? 8)
    const stored = method === 8 ? deflateRawSync(content) : content
    const crc = crc32(content)
    const isDir = input.name.endsWith('/')
    const mode = (isDir ? 0o040000 : 0o100000) | (input.mode ?? (isDir ? 0o755 : 0o644))

    const localExtra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0)
    if (zip64) {
      localExtra.writeUInt16LE(0x0001, 0)
      localExtra.writeUInt16LE(16, 2)
      localExtra.writeBigUInt64LE(BigInt(content.length), 4)
      localExtra.writeBigUInt64LE(BigInt(stored.length), 12)
    }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(zip64 ? 45 : 20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(zip64 ? 0xffffffff : stored.length, 18)
    local.writeUInt32LE(zip64 ? 0xffffffff : content.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(localExtra.length, 28)
    locals.push(local, name, localExtra, stored)

    const centralExtra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0)
    if (zip64) {
      centralExtra.writeUInt16LE(0x0001, 0)
      centralExtra.writeUInt16LE(24, 2)
      centralExtra.writeBigUInt64LE(BigInt(content.length), 4)
      centralExtra.writeBigUInt64LE(BigInt(stored.length), 12)
      centralExtra.writeBigUInt64LE(BigInt(offset), 20)
    }
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | (zip64 ? 45 : 20), 4)
    central.writeUInt16LE(zip64 ? 45 : 20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(zip64 ? 0xffffffff : stored.length, 20)
    central.writeUInt32LE(zip64 ? 0xffffffff : content.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt16LE(centralExtra.length, 30)
    central.writeUInt32LE(((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38)
    central.writeUInt32LE(zip64 ? 0xffffffff : offset, 42)
    centrals.push(central, name, centralExtra)

    offset += local.length + name.length + localExtra.length + stored.length
  }
  const cd = Buffer.concat(centrals)
  const tail: Buffer[] = []
  if (zip64) {
    const record = Buffer.alloc(56)
    record.writeUInt32LE(0x06064b50, 0)
    record.writeBigUInt64LE(44n, 4)
    record.writeUInt16LE(45, 12)
    record.writeUInt16LE(45, 14)
    record.writeBigUInt64LE(BigInt(inputs.length), 24)
    record.writeBigUInt64LE(BigInt(inputs.length), 32)
    record.writeBigUInt64LE(BigInt(cd.length), 40)
    record.writeBigUInt64LE(BigInt(offset), 48)
    const locator = Buffer.alloc(20)
    locator.writeUInt32LE(0x07064b50, 0)
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8)
    locator.writeUInt32LE(1, 16)
    tail.push(record, locator)
  }
  const comment = Buffer.from(options.comment ?? '', 'utf8')
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(zip64 ? 0xffff : inputs.length, 8)
  eocd.writeUInt16LE(zip64 ? 0xffff : inputs.length, 10)
  eocd.writeUInt32LE(zip64 ? 0xffffffff : cd.length, 12)
  eocd.writeUInt32LE(zip64 ? 0xffffffff : offset, 16)
  eocd.writeUInt16LE(comment.length, 20)
  return Buffer.concat([...locals, cd, ...tail, eocd, comment])
}
