import { describe, expect, it } from 'vitest'
import { ZipError } from '../../../src/emulator/errors.js'
import { readZipEntries, readZipEntry, unzip, type ZipEntry } from '../../../src/emulator/zip.js'
import { createZip } from '../../helpers/zip.js'

/** The offset of the central directory, from the end record (no comment, no ZIP64). */
function centralDirectoryOffset(zip: Buffer): number {
  return zip.readUInt32LE(zip.length - 22 + 16)
}

describe('readZipEntries / readZipEntry', () => {
  it('reads stored and deflated entries, directories and modes', async () => {
    // Prepare
    const big = 'fanout '.repeat(10_000)
    const zip = await createZip([
      { name: 'lib/', data: '' },
      { name: 'index.mjs', data: 'export const handler = async () => 42\n', method: 0 },
      { name: 'lib/big.txt', data: big, method: 8 },
      { name: 'bin/run.sh', data: '#!/bin/sh\n', mode: 0o755 },
    ])
    // Act
    const entries = await readZipEntries(zip)
    const byName = new Map(entries.map((e) => [e.name, e]))
    // Assess
    expect(entries.map((e) => e.name)).toEqual(['lib/', 'index.mjs', 'lib/big.txt', 'bin/run.sh'])
    expect(byName.get('lib/')?.isDirectory).toBe(true)
    expect(byName.get('index.mjs')?.method).toBe(0)
    expect(byName.get('lib/big.txt')?.method).toBe(8)
    expect(byName.get('lib/big.txt')?.compressedSize).toBeLessThan(big.length / 10)
    expect(byName.get('bin/run.sh')?.mode).toBe(0o755)
    expect((await readZipEntry(zip, byName.get('lib/big.txt') as never)).toString()).toBe(big)
    expect((await readZipEntry(zip, byName.get('index.mjs') as never)).toString()).toContain(
      'handler',
    )
  })

  it('reads ZIP64 records and an archive comment', async () => {
    // Prepare
    const zip = await createZip(
      { 'a.txt': 'alpha', 'b/c.txt': 'gamma' },
      { zip64: true, comment: 'made by a test' },
    )
    // Act
    const files = await unzip(zip)
    // Assess
    expect(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true) // a ZIP64 end record
    expect([...files.keys()]).toEqual(['a.txt', 'b/c.txt'])
    expect(files.get('b/c.txt')?.toString()).toBe('gamma')
  })

  it('reads an empty archive', async () => {
    // Prepare
    const zip = await createZip([])
    // Act
    const entries = await readZipEntries(zip)
    // Assess
    expect(entries).toEqual([])
  })

  it('refuses an entry that is not in the archive', async () => {
    // Prepare
    const zip = await createZip({ 'a.txt': 'alpha' })
    const [entry] = await readZipEntries(zip)
    // Act
    const attempt = readZipEntry(zip, { ...(entry as ZipEntry), name: 'b.txt' })
    // Assess
    await expect(attempt).rejects.toThrow('zip entry b.txt is not in this archive')
  })

  it('rejects what is not a zip, a bad CRC, an unknown method and encryption', async () => {
    // Prepare
    const good = await createZip([{ name: 'x.txt', data: 'hello', method: 0 }])
    const badCrc = Buffer.from(good)
    badCrc[badCrc.indexOf('hello')] = 'j'.charCodeAt(0) // "hello" → "jello"
    const cd = centralDirectoryOffset(good)
    const method = Buffer.from(good)
    method.writeUInt16LE(12, cd + 10) // bzip2 in the central directory
    // a deflated entry: a stored one would also need its sizes to allow for the encryption header
    const encrypted = await createZip([{ name: 'x.txt', data: 'hello', method: 8 }])
    const encryptedCd = centralDirectoryOffset(encrypted)
    encrypted.writeUInt16LE(encrypted.readUInt16LE(encryptedCd + 8) | 1, encryptedCd + 8)
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
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(ZipError)
    await expect(unzip(badCrc)).rejects.toThrow('corrupt zip: CRC mismatch for x.txt')
    await expect(unzip(method)).rejects.toThrow(/x\.txt uses compression method 12/)
    await expect(unzip(encrypted)).rejects.toThrow('zip entry x.txt is encrypted')
    await expect(unzip(encrypted)).rejects.toMatchObject({ entry: 'x.txt' })
    await expect(readZipEntries(Buffer.alloc(3))).rejects.toThrow(/not a readable zip archive/)
  })

  it('rejects corrupt deflate data', async () => {
    // Prepare
    const text = 'some text to deflate, some text to deflate'
    const zip = await createZip([{ name: 'x.txt', data: text, method: 8 }])
    const at = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28) // the first entry's data
    const compressedSize = zip.readUInt32LE(centralDirectoryOffset(zip) + 20)
    const corrupt = Buffer.from(zip)
    corrupt.fill(0xff, at, at + compressedSize)
    // Act
    const attempt = unzip(corrupt)
    // Assess
    await expect(attempt).rejects.toThrow(/corrupt zip: cannot read x\.txt/)
  })

  it('rejects content longer than the central directory says (a zip bomb in disguise)', async () => {
    // Prepare: the directory claims 5 bytes where the data holds 6
    const zip = await createZip([{ name: 'x.txt', data: 'hello!', method: 8 }])
    const cd = centralDirectoryOffset(zip)
    const lying = Buffer.from(zip)
    lying.writeUInt32LE(5, cd + 24)
    // Act
    const attempt = unzip(lying)
    // Assess
    await expect(attempt).rejects.toThrow(ZipError)
  })
})
