/**
 * Finding a Node binary of a given major version, so that emulated Lambda
 * functions run on the Node of their declared runtime (`nodejs22.x` → Node 22)
 * even when fanout itself runs on another. Where it looks, in order:
 *
 * 1. `FANOUT_NODE_<major>` (e.g. `FANOUT_NODE_22=/opt/node22/bin/node`);
 * 2. the Node running this process, when its major matches;
 * 3. `node<major>` (e.g. `node22`) on `PATH`;
 * 4. the npx cache, where `npx -y node@<major> --version` installs the `node`
 *    package: `<npm cache>/_npx/<hash>/node_modules/node/bin/node`.
 *
 * Every candidate is run with `--version` before it is taken.
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readdir, readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/** Where a Node binary was found. */
export type NodeSource = 'env' | 'current' | 'path' | 'npx-cache'

/** A Node binary that answered `--version`. */
export interface NodeBinary {
  path: string
  /** As `node --version` prints it, e.g. `v22.23.3`. */
  version: string
  major: number
  source: NodeSource
}

/** Options of {@link findNodeBinary}: the environment to search, for tests and other callers. */
export interface FindNodeOptions {
  /** Environment with `PATH`, `FANOUT_NODE_<major>` and `npm_config_cache`. @default process.env */
  env?: NodeJS.ProcessEnv
  /** The current Node binary. @default process.execPath */
  execPath?: string
  /** The current Node's version. @default process.version */
  currentVersion?: string
  /** Home directory, for the default npm cache `~/.npm`. @default os.homedir() */
  homeDir?: string
  /** How long a candidate may take to answer `--version`. @default 10000 */
  timeoutMs?: number
}

/** What {@link findNodeBinary} found: a binary or none, and the candidates it refused and why. */
export interface NodeSearch {
  binary?: NodeBinary
  notes: string[]
}

/**
 * The Node major of a Lambda runtime identifier.
 *
 * @example
 * ```ts
 * runtimeNodeMajor('nodejs22.x') // 22
 * runtimeNodeMajor('python3.12') // undefined
 * ```
 */
export function runtimeNodeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime)
  return match ? Number(match[1]) : undefined
}

/** The environment variable that names the Node binary of `major`, e.g. `FANOUT_NODE_22`. */
export function nodeOverrideVariable(major: number): string {
  return `FANOUT_NODE_${major}`
}

function majorOf(version: string): number | undefined {
  const match = /^v(\d+)\.\d+\.\d+/.exec(version)
  return match ? Number(match[1]) : undefined
}

/** What `path --version` prints, when it runs and prints a Node version; otherwise undefined. */
export function nodeVersionOf(path: string, timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    execFile(path, ['--version'], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => {
      const version = String(stdout).trim()
      resolvePromise(!error && majorOf(version) !== undefined ? version : undefined)
    })
  })
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The npm cache directory: `npm_config_cache`, else `npm config get cache`, else `~/.npm`. */
async function npmCacheDir(
  env: NodeJS.ProcessEnv,
  home: string,
  timeoutMs: number,
): Promise<string> {
  if (env.npm_config_cache) return env.npm_config_cache
  const asked = await new Promise<string | undefined>((resolvePromise) => {
    execFile('npm', ['config', 'get', 'cache'], { env, timeout: timeoutMs }, (error, stdout) =>
      resolvePromise(error ? undefined : String(stdout).trim() || undefined),
    )
  })
  return asked ?? join(home, '.npm')
}

/** `node` binaries that npx installed, with the version their package.json declares. */
async function npxCacheNodes(cacheDir: string): Promise<{ path: string; declared: string }[]> {
  const npx = join(cacheDir, '_npx')
  const dirs = await readdir(npx).catch(() => [] as string[])
  const found: { path: string; declared: string }[] = []
  for (const dir of dirs) {
    const pkg = join(npx, dir, 'node_modules', 'node')
    const declared = await readFile(join(pkg, 'package.json'), 'utf8')
      .then((text) => String((JSON.parse(text) as { version?: unknown }).version ?? ''))
      .catch(() => '')
    const path = join(pkg, 'bin', 'node')
    if (declared && (await isExecutable(path))) found.push({ path, declared })
  }
  return found
}

function newer(a: string, b: string): boolean {
  const parse = (v: string) => v.replace(/^v/, '').split('.').map(Number)
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  return false
}

/**
 * Looks for a Node binary of `major` (see the module's doc for the order) and
 * verifies it with `--version`. Not cached: `NodeSelector` caches.
 *
 * @example
 * ```ts
 * const { binary, notes } = await findNodeBinary(22)
 * console.log(binary?.path ?? `none: ${notes.join('; ')}`)
 * ```
 */
export async function findNodeBinary(
  major: number,
  options: FindNodeOptions = {},
): Promise<NodeSearch> {
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? 10_000
  const notes: string[] = []
  const verify = async (path: string, source: NodeSource, label: string) => {
    const version = await nodeVersionOf(path, timeoutMs)
    if (version === undefined) notes.push(`${label} does not run as \`node --version\``)
    else if (majorOf(version) !== major) notes.push(`${label} is Node ${version}, not ${major}`)
    else return { path, version, major, source } satisfies NodeBinary
    return undefined
  }

  const variable = nodeOverrideVariable(major)
  const override = env[variable]
  if (override) {
    const binary = await verify(override, 'env', `${variable}=${override}`)
    if (binary) return { binary, notes }
  }

  const currentVersion = options.currentVersion ?? process.version
  if (majorOf(currentVersion) === major) {
    const path = options.execPath ?? process.execPath
    return { binary: { path, version: currentVersion, major, source: 'current' }, notes }
  }

  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, `node${major}`)
    if (!(await isExecutable(path))) continue
    const binary = await verify(path, 'path', path)
    if (binary) return { binary, notes }
  }

  const cacheDir = await npmCacheDir(env, options.homeDir ?? homedir(), timeoutMs)
  const cached = (await npxCacheNodes(cacheDir))
    .filter(({ declared }) => majorOf(`v${declared.replace(/^v/, '')}`) === major)
    .sort((a, b) => (newer(a.declared, b.declared) ? -1 : 1))
  for (const { path } of cached) {
    const binary = await verify(path, 'npx-cache', path)
    if (binary) return { binary, notes }
  }
  return { notes }
}
