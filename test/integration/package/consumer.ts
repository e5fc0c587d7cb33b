/**
 * A user's project that depends on nothing but a packed fanout tarball,
 * installable offline: its package-lock.json pins the tarball (by its sha512)
 * and, for fanout's own dependencies, the very entries of this repository's
 * package-lock.json that `npm ci` installed here, so every tarball is in the
 * npm cache already and `npm ci --offline` needs no registry at all (plain
 * `npm install <tarball> --offline` would: npm ci caches tarballs, not the
 * registry's package documents that semver resolution reads).
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'

interface LockEntry {
  dev?: boolean
  devOptional?: boolean
  [key: string]: unknown
}

interface Manifest {
  name: string
  version: string
  license?: string
  bin?: Record<string, string>
  engines?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

/**
 * Write the `package.json` and `package-lock.json` of a project in `dir`
 * whose only dependency is `tarball` (which must sit in `dir`'s parent),
 * taking fanout's manifest and lockfile from `repo`.
 */
export function writeConsumerProject(dir: string, tarball: string, repo: string): void {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as Manifest
  const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const spec = `file:../${basename(tarball)}`
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { fanout: spec } },
    'node_modules/fanout': {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  }
  // fanout's production closure: every installed entry that no devDependency alone pulled in
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry
  }
  const manifest = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: { fanout: spec },
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  )
}
