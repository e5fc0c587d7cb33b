// Zips made by another writer than the tests' own (Python's zipfile, which the
// emulator's machines have for moto): fanout's reader must take what foreign
// tools produce, not only what yazl writes.
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractZip } from '../../../src/emulator/extractZip.js'
import { unzip } from '../../../src/emulator/zip.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-zip-interop-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('zips written by Python zipfile', () => {
  it('reads deflated, stored and forced-ZIP64 entries and keeps Unix modes', async () => {
    // Prepare
    const out = join(dir, 'py.zip')
    const script = [
      'import zipfile, sys',
      'with zipfile.ZipFile(sys.argv[1], "w") as z:',
      '  z.writestr(zipfile.ZipInfo("dir/"), "")',
      '  z.writestr("dir/deflated.js", "module.exports.handler = async () => 1\\n" * 50, compress_type=zipfile.ZIP_DEFLATED)',
      '  z.writestr("stored.txt", "plain", compress_type=zipfile.ZIP_STORED)',
      '  with z.open("forced64.bin", "w", force_zip64=True) as f: f.write(bytes(range(256)) * 4)',
      '  tool = zipfile.ZipInfo("bin/tool")',
      '  tool.create_system = 3',
      '  tool.external_attr = 0o100755 << 16',
      '  z.writestr(tool, "#!/bin/sh\\necho hi\\n")',
    ].join('\n')
    execFileSync('python3', ['-c', script, out])
    const zip = await readFile(out)
    // Act
    const files = await unzip(zip)
    const written = await extractZip(zip, join(dir, 'out'))
    // Assess
    expect([...files.keys()].sort()).toEqual([
      'bin/tool',
      'dir/deflated.js',
      'forced64.bin',
      'stored.txt',
    ])
    expect(files.get('stored.txt')?.toString()).toBe('plain')
    expect(files.get('forced64.bin')?.length).toBe(1024)
    expect(files.get('dir/deflated.js')?.toString()).toMatch(/^module\.exports/)
    expect(written.sort()).toEqual([...files.keys()].sort())
    expect((await stat(join(dir, 'out', 'bin/tool'))).mode & 0o777).toBe(0o755)
  })
})
