/**
 * The emulator's Lambda sandbox: function processes run under Node's
 * permission model, so that, as on Lambda, they can read only their code,
 * the runtime and their own `/tmp`, and write only that `/tmp`. A job that
 * reads a host path (a file the user forgot to pass as a `file()` param)
 * fails here as it would on AWS, instead of quietly working.
 *
 * What each Node major accepts (checked on Node 20.20 and 22.23):
 * - `--permission` from Node 22.13 and 23.5; `--experimental-permission`
 *   from Node 20.0 (also accepted by 22 and 23, deprecated there);
 * - one `--allow-fs-read=<path>` / `--allow-fs-write=<path>` per path, a
 *   directory granting everything under it (a comma-separated list is
 *   refused since Node 20.7); modules load through their real path, so a
 *   symlinked directory must be granted where it points;
 * - `--disable-warning=ExperimentalWarning` from Node 20.11 and 21.3, to
 *   keep the experimental feature's warning out of the function's logs.
 *
 * Worker threads, child processes and native addons are refused: Lambda
 * allows them, but each could escape the sandbox (Node 22 warns that
 * `--allow-worker` "could invalidate the permission model"), and fanout's
 * functions use none of them.
 */

/** What a function process may touch. */
export interface SandboxPaths {
  /** Files and directories it may read. */
  read: readonly string[]
  /** Directories it may write (and read). */
  write: readonly string[]
}

function parse(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/**
 * The permission flag a Node version takes, and whether it can silence the
 * experimental warning; undefined for a Node without the permission model.
 *
 * @example
 * ```ts
 * permissionSupport('v22.23.3') // { flag: '--permission', disableWarning: true }
 * permissionSupport('v20.20.2') // { flag: '--experimental-permission', disableWarning: true }
 * ```
 */
export function permissionSupport(
  version: string,
): { flag: '--permission' | '--experimental-permission'; disableWarning: boolean } | undefined {
  const v = parse(version)
  if (!v || v[0] < 20) return undefined
  const stable = v[0] >= 24 || (v[0] === 23 && v[1] >= 5) || (v[0] === 22 && v[1] >= 13)
  const disableWarning = v[0] >= 22 || (v[0] === 21 && v[1] >= 3) || (v[0] === 20 && v[1] >= 11)
  return { flag: stable ? '--permission' : '--experimental-permission', disableWarning }
}

/**
 * The Node flags that sandbox a function process on `version`, or undefined
 * when that Node has no permission model.
 *
 * @example
 * ```ts
 * sandboxArgs('v22.23.3', { read: ['/code'], write: ['/tmp/f1'] })
 * // ['--permission', '--allow-fs-read=/code', '--allow-fs-read=/tmp/f1', '--allow-fs-write=/tmp/f1']
 * ```
 */
export function sandboxArgs(version: string, paths: SandboxPaths): string[] | undefined {
  const support = permissionSupport(version)
  if (!support) return undefined
  const read = [...new Set([...paths.read, ...paths.write])]
  return [
    support.flag,
    ...(support.disableWarning && support.flag === '--experimental-permission'
      ? ['--disable-warning=ExperimentalWarning']
      : []),
    ...read.map((p) => `--allow-fs-read=${p}`),
    ...[...new Set(paths.write)].map((p) => `--allow-fs-write=${p}`),
  ]
}
