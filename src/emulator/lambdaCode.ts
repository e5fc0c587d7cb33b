/**
 * The code of emulated Lambda functions: downloaded from moto once, unzipped
 * into `<stateDir>/code/<sha256>/`, keyed by the package's SHA-256 so an
 * updated function gets new code and an unchanged one is never fetched again.
 *
 * `<stateDir>/code/` also gets what Lambda's Node runtime provides around the
 * task root: a `package.json` without `"type"` (so a `.js` handler is
 * CommonJS unless its own package says otherwise, even when the state dir
 * sits inside an ESM project) and `node_modules/@aws-sdk`, a link to the AWS
 * SDK v3 fanout itself depends on (Lambda's Node runtimes ship it).
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { EmulatorError } from './errors.js'
import { extractZip } from './extractZip.js'

const COMPLETE_MARKER = '.fanout-code-complete'

/** The SHA-256 of a zip, base64 (Lambda's `CodeSha256`). */
export function codeSha256(zip: Buffer): string {
  return createHash('sha256').update(zip).digest('base64')
}

/** A directory name for a base64 SHA-256 (hex, so it is safe on every file system). */
export function codeDirName(sha256Base64: string): string {
  return Buffer.from(sha256Base64, 'base64').toString('hex') || 'empty'
}

/** The `node_modules/@aws-sdk` directory fanout resolves, if any. */
export function findAwsSdkDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    const entry = require.resolve('@aws-sdk/client-s3')
    const marker = `${sep}node_modules${sep}@aws-sdk${sep}`
    const at = entry.lastIndexOf(marker)
    if (at < 0) return undefined
    return entry.slice(0, at + marker.length - 1)
  } catch {
    return undefined
  }
}

/** Unzipped function code under `<stateDir>/code`, one directory per code SHA-256. */
export class CodeCache {
  readonly root: string
  readonly #inflight = new Map<string, Promise<string>>()
  #prepared: Promise<void> | undefined

  constructor(stateDir: string) {
    this.root = join(stateDir, 'code')
  }

  /** The directory the code with this SHA-256 is (or would be) unzipped into. */
  dirFor(sha256Base64: string): string {
    return join(this.root, codeDirName(sha256Base64))
  }

  /** True when the code with this SHA-256 is already unzipped. */
  has(sha256Base64: string): boolean {
    return existsSync(join(this.dirFor(sha256Base64), COMPLETE_MARKER))
  }

  /**
   * The task root of the code with this SHA-256: unzips what `download`
   * returns on first use (once, even under concurrent calls).
   *
   * @throws EmulatorError when the download fails or its SHA-256 differs.
   */
  async ensure(sha256Base64: string, download: () => Promise<Buffer>): Promise<string> {
    const dir = this.dirFor(sha256Base64)
    if (this.has(sha256Base64)) return dir
    let pending = this.#inflight.get(sha256Base64)
    if (!pending) {
      pending = this.#extract(sha256Base64, dir, download).finally(() =>
        this.#inflight.delete(sha256Base64),
      )
      this.#inflight.set(sha256Base64, pending)
    }
    return pending
  }

  async #extract(sha: string, dir: string, download: () => Promise<Buffer>): Promise<string> {
    await this.#prepare()
    const zip = await download()
    const actual = codeSha256(zip)
    if (sha && actual !== sha) {
      throw new EmulatorError(
        `the downloaded code has SHA-256 ${actual}, but the function's CodeSha256 is ${sha}`,
      )
    }
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    try {
      await extractZip(zip, tmp)
      await writeFile(join(tmp, COMPLETE_MARKER), sha)
      try {
        await rename(tmp, dir)
      } catch (error) {
        // Another process unzipped the same code first: keep theirs.
        if (!this.has(sha)) throw error
      }
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
    return dir
  }

  /** Writes the `package.json` boundary and the `@aws-sdk` link next to the task roots. */
  #prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      await mkdir(this.root, { recursive: true })
      const pkg = join(this.root, 'package.json')
      if (!existsSync(pkg)) {
        await writeFile(pkg, '{ "private": true, "description": "fanout emulator: Lambda code" }\n')
      }
      const sdk = findAwsSdkDir()
      const link = join(this.root, 'node_modules', '@aws-sdk')
      if (sdk && !existsSync(link)) {
        await mkdir(dirname(link), { recursive: true })
        try {
          await symlink(sdk, link, 'dir')
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        }
      }
    })()
    return this.#prepared
  }
}
