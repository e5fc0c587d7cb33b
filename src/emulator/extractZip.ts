/**
 * Safe extraction of a Lambda deployment package to a directory: nothing is
 * written outside it, whatever the archive says. Names that are absolute or
 * hold `..` are refused (yauzl refuses them while reading, and this module
 * checks again); every write goes to a directory whose real path (symbolic
 * links resolved) is inside the root; a symbolic link must be relative, may
 * climb with `..` only at its start, and must point inside the root; nothing
 * is written through a link. Unix permission bits are kept, so executables
 * stay executable.
 */
import { chmod, lstat, mkdir, realpath, symlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { ZipError } from './errors.js'
import { openZip, readEntryContent } from './zip.js'

/** Lambda's quota for a function's unzipped code: 250 MB. */
export const MAX_UNZIPPED_BYTES = 262_144_000

/** Options of {@link extractZip}. */
export interface ExtractZipOptions {
  /**
   * Most bytes the extracted files may add up to (sizes from the central
   * directory, which yauzl holds the data to). @default 262144000 (Lambda's 250 MB)
   */
  maxBytes?: number
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep)
}

function unsafe(what: string, name: string, detail: string): ZipError {
  return new ZipError(`unsafe ${what} in zip: ${JSON.stringify(name)} ${detail}`, { entry: name })
}

/** The lexical target of an entry name under `root`; refuses absolute paths and `..`. */
function lexicalTarget(root: string, name: string): string {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.')
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.includes('..')) {
    throw unsafe('path', name, '(absolute paths and ".." are refused)')
  }
  const target = resolve(root, ...parts)
  if (!inside(root, target)) throw unsafe('path', name, 'resolves outside the directory')
  return target
}

/** Creates `dir` and checks that its real path is inside `realRoot`. */
async function realDirInside(realRoot: string, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true })
  const real = await realpath(dir)
  if (!inside(realRoot, real)) {
    throw unsafe('path', name, 'goes through a symbolic link that leads outside the directory')
  }
  return real
}

/** Refuses a link target that is absolute, climbs after descending, or points outside. */
function checkLinkTarget(realRoot: string, realParent: string, name: string, link: string): void {
  const parts = link.split('/').filter((part) => part !== '' && part !== '.')
  const firstDown = parts.findIndex((part) => part !== '..')
  const climbsLater = firstDown >= 0 && parts.slice(firstDown).includes('..')
  if (link.startsWith('/') || link.includes('\0') || link.includes('\\') || climbsLater) {
    throw unsafe(
      'symlink',
      name,
      `-> ${JSON.stringify(link)} (links must be relative and use ".." only at their start)`,
    )
  }
  if (!inside(realRoot, resolve(realParent, ...parts))) {
    throw unsafe('symlink', name, `-> ${JSON.stringify(link)} points outside the directory`)
  }
}

/**
 * Extracts a zip archive into `dir` (created if needed), keeping Unix
 * permission bits and relative symbolic links that stay inside `dir`.
 *
 * @example
 * ```ts
 * const files = await extractZip(await readFile('code.zip'), '/tmp/task-root')
 * ```
 * @returns the paths of the extracted files, relative to `dir`.
 * @throws ZipError for an unreadable archive, an encrypted or unsupported entry, an unsafe
 * path or link, or an archive larger than `maxBytes` unzipped.
 */
export async function extractZip(
  zip: Buffer,
  dir: string,
  options: ExtractZipOptions = {},
): Promise<string[]> {
  const { file, entries } = await openZip(zip)
  const maxBytes = options.maxBytes ?? MAX_UNZIPPED_BYTES
  const total = entries.reduce((sum, { entry }) => sum + (entry.isDirectory ? 0 : entry.size), 0)
  if (total > maxBytes) {
    throw new ZipError(
      `the zip unpacks to ${total} bytes, more than the ${maxBytes} allowed (Lambda's limit for unzipped code is 250 MB); make the package smaller`,
    )
  }
  const root = resolve(dir)
  await mkdir(root, { recursive: true })
  const realRoot = await realpath(root)
  const written: string[] = []
  for (const { entry, raw } of entries) {
    const target = lexicalTarget(root, entry.name)
    if (entry.isDirectory) {
      await realDirInside(realRoot, target, entry.name)
      continue
    }
    const data = await readEntryContent(file, raw, entry)
    const realParent = await realDirInside(realRoot, dirname(target), entry.name)
    const realTarget = join(realParent, basename(target))
    const existing = await lstat(realTarget).catch(() => undefined)
    if (existing?.isSymbolicLink()) {
      throw unsafe('path', entry.name, 'would be written through a symbolic link')
    }
    if (entry.isSymlink) {
      const link = data.toString('utf8')
      checkLinkTarget(realRoot, realParent, entry.name, link)
      if (existing) throw unsafe('symlink', entry.name, 'replaces a file extracted before it')
      await symlink(link, realTarget)
    } else {
      await writeFile(realTarget, data)
      if (entry.mode) await chmod(realTarget, entry.mode | 0o400)
    }
    written.push(entry.name.replace(/^\.\//, ''))
  }
  return written
}
