import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZipError } from '../../../src/emulator/errors.js'
import {
  crc32,
  extractZip,
  readZipEntries,
  readZipEntry,
  unzip,
} from '../../../src/emulator/zip.js'
import { createZip } from '../../helpers/zip.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-zip-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('crc32', () => {
  it('matches the standard check value', () => {
    // Prepare
    const data = Buffer.from('123456789')
    // Act
    const crc = crc32(data)
    // Assess
    expect(crc).toBe(0xcbf43926)
    expect(crc32(new Uint8Array())).toBe(0)
  })
})

describe('readZipEntries / readZipEntry', () => {
  it('reads stored and deflated entries, directories and modes', () => {
    // Prepare
    const big = 'fanout '.repeat(10_000)
    const zip = createZip([
      { name: 'lib/', data: '' },
      { name: 'index.mjs', data: 'export const handler = async () => 42\n', method: 0 },
      { name: 'lib/big.txt', data: big, method: 8 },
      { name: 'bin/run.sh', data: '#!/bin/sh\n', mode: 0o755 },
    ])
    // Act
    const entries = readZipEntries(zip)
    const byName = new Map(entries.map((e) => [e.name, e]))
    // Assess
    expect(entries.map((e) => e.name)).toEqual(['lib/', 'index.mjs', 'lib/big.txt', 'bin/run.sh'])
    expect(byName.get('lib/')?.isDirectory).toBe(true)
    expect(byName.get('index.mjs')?.method).toBe(0)
    expect(byName.get('lib/big.txt')?.method).toBe(8)
    expect(byName.get('lib/big.txt')?.compressedSize).toBeLessThan(big.length / 10)
    expect(byName.get('bin/run.sh')?.mode).toBe(0o755)
    expect(readZipEntry(zip, byName.get('lib/big.txt') as never).toString()).toBe(big)
    expect(readZipEntry(zip, byName.get('index.mjs') as never).toString()).toContain('handler')
  })

  it('reads ZIP64 records and an archive comment', () => {
    // Prepare
    const zip = createZip(
      { 'a.txt': 'alpha', 'b/c.txt': 'gamma' },
      { zip64: true, comment: 'made by a test' },
    )
    // Act
    const files = unzip(zip)
    // Assess
    expect([...files.keys()]).toEqual(['a.txt', 'b/c.txt'])
    expect(files.get('b/c.txt')?.toString()).toBe('gamma')
  })

  it('reads an empty archive', () => {
    // Prepare
    const zip = createZip([])
    // Act
    const entries = readZipEntries(zip)
    // Assess
    expect(entries).toEqual([])
  })

  it('reads archives written by Python zipfile (deflate, stored, forced ZIP64)', async () => {
    // Prepare
    const out = join(dir, 'py.zip')
    const script = [
      'import zipfile, sys',
      'with zipfile.ZipFile(sys.argv[1], "w") as z:',
      '  z.writestr(zipfile.ZipInfo("dir/"), "")',
      '  z.writestr("dir/deflated.js", "module.exports.handler = async () => 1\\n" * 50, compress_type=zipfile.ZIP_DEFLATED)',
      '  z.writestr("stored.txt", "plain", compress_type=zipfile.ZIP_STORED)',
      '  with z.open("forced64.bin", "w", force_zip64=True) as f: f.write(bytes(range(256)) * 4)',
    ].join('\n')
    execFileSync('python3', ['-c', script, out])
    // Act
    const files = unzip(await readFile(out))
    // Assess
    expect([...files.keys()].sort()).toEqual(['dir/deflated.js', 'forced64.bin', 'stored.txt'])
    expect(files.get('stored.txt')?.toString()).toBe('plain')
    expect(files.get('forced64.bin')?.length).toBe(1024)
    expect(files.get('dir/deflated.js')?.toString()).toMatch(/^module\.exports/)
  })

  it('rejects what is not a zip, a bad CRC, an unknown method and encryption', () => {
    // Prepare
    const good = createZip([{ name: 'x.txt', data: 'hello', method: 0 }])
    const badCrc = Buffer.from(good)
    badCrc[30 + 'x.txt'.length] = 'j'.charCodeAt(0) // first content byte: "hello" → "jello"
    const method = Buffer.from(good)
    const cdOffset = method.readUInt32LE(method.length - 22 + 16)
    method.writeUInt16LE(12, cdOffset + 10) // bzip2 in the central directory
    const encrypted = Buffer.from(good)
    encrypted.writeUInt16LE(encrypted.readUInt16LE(cdOffset + 8) | 1, cdOffset + 8)
    // Act
    const attempts = [
      () => readZipEntries(Buffer.from('not a zip at all, just some text of sufficient length')),
      () => readZipEntries(Buffer.alloc(3)),
      () => unzip(badCrc),
      () => unzip(method),
      () => unzip(encrypted),
      () => unzip(good.subarray(0, good.length - 30)),
    ]
    // Assess
    for (const attempt of attempts) expect(attempt).toThrow(ZipError)
    expect(() => unzip(badCrc)).toThrow(/CRC mismatch/)
    expect(() => unzip(method)).toThrow(/method 12/)
    expect(() => unzip(encrypted)).toThrow(/encrypted/)
  })

  it('rejects corrupt deflate data', () => {
    // Prepare
    const zip = createZip([{ name: 'x.txt', data: 'some text to deflate', method: 8 }])
    const deflatedLength = deflateRawSync(Buffer.from('some text to deflate')).length
    const corrupt = Buffer.from(zip)
    corrupt.fill(0xff, 30 + 5, 30 + 5 + deflatedLength)
    // Act
    const attempt = () => unzip(corrupt)
    // Assess
    expect(attempt).toThrow(ZipError)
  })
})

describe('extractZip', () => {
  it('writes files, directories, modes and relative symlinks', async () => {
    // Prepare
    const target = join(dir, 'out')
    const zip = createZip([
      { name: 'handler.mjs', data: 'export const handler = () => 1' },
      { name: 'bin/tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'empty/', data: '' },
      { name: 'link.mjs', data: 'handler.mjs', mode: 0o120777 },
    ])
    // Act
    const written = await extractZip(zip, target)
    // Assess
    expect(written.sort()).toEqual(['bin/tool', 'handler.mjs', 'link.mjs'])
    expect(await readFile(join(target, 'handler.mjs'), 'utf8')).toBe(
      'export const handler = () => 1',
    )
    expect((await stat(join(target, 'bin/tool'))).mode & 0o777).toBe(0o755)
    expect((await stat(join(target, 'empty'))).isDirectory()).toBe(true)
    expect(await readlink(join(target, 'link.mjs'))).toBe('handler.mjs')
  })

  it.each([['../escape.txt'], ['a/../../escape.txt'], ['/etc/passwd'], ['C:/windows.txt']])(
    'refuses the unsafe path %s',
    async (name) => {
      // Prepare
      const zip = createZip([{ name, data: 'x' }])
      // Act
      const attempt = extractZip(zip, join(dir, 'unsafe'))
      // Assess
      await expect(attempt).rejects.toThrow(/unsafe path/)
    },
  )

  it('refuses a symlink that points outside', async () => {
    // Prepare
    const zip = createZip([{ name: 'evil', data: '../../outside', mode: 0o120777 }])
    // Act
    const attempt = extractZip(zip, join(dir, 'evil'))
    // Assess
    await expect(attempt).rejects.toThrow(ZipError)
  })
})
