import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZipError } from '../../../src/emulator/errors.js'
import { extractZip } from '../../../src/emulator/extractZip.js'
import { createZip, renameEntry } from '../../helpers/zip.js'

/** An absolute name that would be harmless to write, should the check fail. */
const ABSOLUTE = join(tmpdir(), `fanout-zip-escape-${process.pid}.txt`)

let dir: string
let count = 0

/** A fresh directory inside a parent that holds nothing else, so escapes can be seen. */
async function fresh(): Promise<{ parent: string; target: string }> {
  const parent = join(dir, `case-${count++}`)
  return { parent, target: join(parent, 'root') }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-extract-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(ABSOLUTE, { force: true })
})

describe('extractZip', () => {
  it('writes files, directories, modes and relative symlinks', async () => {
    // Prepare
    const { target } = await fresh()
    const zip = await createZip([
      { name: 'handler.mjs', data: 'export const handler = () => 1' },
      { name: 'bin/tool', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'empty/', data: '' },
      { name: 'link.mjs', data: 'handler.mjs', mode: 0o120777 },
      { name: 'node_modules/pkg/cli.js', data: 'console.log(1)', mode: 0o755 },
      { name: 'node_modules/.bin/pkg', data: '../pkg/cli.js', mode: 0o120777 },
    ])
    // Act
    const written = await extractZip(zip, target)
    // Assess
    expect(written.sort()).toEqual([
      'bin/tool',
      'handler.mjs',
      'link.mjs',
      'node_modules/.bin/pkg',
      'node_modules/pkg/cli.js',
    ])
    expect(await readFile(join(target, 'handler.mjs'), 'utf8')).toBe(
      'export const handler = () => 1',
    )
    expect((await stat(join(target, 'bin/tool'))).mode & 0o777).toBe(0o755)
    expect((await stat(join(target, 'empty'))).isDirectory()).toBe(true)
    expect(await readlink(join(target, 'link.mjs'))).toBe('handler.mjs')
    expect(await readFile(join(target, 'node_modules/.bin/pkg'), 'utf8')).toBe('console.log(1)')
  })

  it.each([['../escape.txt'], ['a/../../escape.txt'], [ABSOLUTE], ['C:/windows.txt']])(
    'refuses the unsafe path %s and writes nothing',
    async (name) => {
      // Prepare: yazl refuses to write such a name, so write another and rename it
      const { parent, target } = await fresh()
      const placeholder = 'p'.repeat(name.length)
      const zip = renameEntry(
        await createZip([{ name: placeholder, data: 'x' }]),
        placeholder,
        name,
      )
      // Act
      const attempt = extractZip(zip, target)
      // Assess
      await expect(attempt).rejects.toThrow(ZipError)
      await expect(extractZip(zip, target)).rejects.toThrow(/unsafe path in zip/)
      await expect(extractZip(zip, target)).rejects.toMatchObject({ entry: name })
      expect(await readdir(parent).catch(() => [])).toEqual([])
      expect(existsSync(ABSOLUTE)).toBe(false)
    },
  )

  it.each([
    ['a symlink that points outside', '../../outside'],
    ['an absolute symlink', '/etc/passwd'],
    ['a symlink that climbs after descending', 'sub/../../outside'],
  ])('refuses %s', async (_, link) => {
    // Prepare
    const { target } = await fresh()
    const zip = await createZip([{ name: 'evil', data: link, mode: 0o120777 }])
    // Act
    const attempt = extractZip(zip, target)
    // Assess
    await expect(attempt).rejects.toThrow(/unsafe symlink in zip: "evil"/)
  })

  it('refuses a symlink that escapes through another symlink', async () => {
    // Prepare: d/up is the root itself, so d/up/esc -> ../outside would leave it
    const { parent, target } = await fresh()
    const zip = await createZip([
      { name: 'd/up', data: '..', mode: 0o120777 },
      { name: 'd/up/esc', data: '../outside', mode: 0o120777 },
    ])
    // Act
    const attempt = extractZip(zip, target)
    // Assess
    await expect(attempt).rejects.toThrow(/unsafe symlink in zip: "d\/up\/esc"/)
    expect(await readdir(parent)).toEqual(['root'])
  })

  it('refuses to write a file through a symlink extracted before it', async () => {
    // Prepare
    const { target } = await fresh()
    const zip = await createZip([
      { name: 'real.txt', data: 'original' },
      { name: 'alias.txt', data: 'real.txt', mode: 0o120777 },
      { name: 'alias.txt', data: 'overwritten' },
    ])
    // Act
    const attempt = extractZip(zip, target)
    // Assess
    await expect(attempt).rejects.toThrow(/"alias.txt" would be written through a symbolic link/)
    expect(await readFile(join(target, 'real.txt'), 'utf8')).toBe('original')
  })

  it('refuses an archive that unpacks to more than maxBytes, before writing anything', async () => {
    // Prepare
    const { parent, target } = await fresh()
    const zip = await createZip({ 'a.bin': Buffer.alloc(600), 'b.bin': Buffer.alloc(600) })
    // Act
    const attempt = extractZip(zip, target, { maxBytes: 1000 })
    // Assess
    await expect(attempt).rejects.toThrow(/unpacks to 1200 bytes, more than the 1000 allowed/)
    expect(await readdir(parent).catch(() => [])).toEqual([])
  })
})
