/**
 * Which Node binary runs the functions of each Lambda runtime: the one of the
 * runtime's major when {@link findNodeBinary} finds it, otherwise the Node
 * running the gateway, with the reason and what to do. Discovery runs once per
 * major; its answers feed the runtime processes, the gateway's health route
 * and `fanout emulator status`.
 */
import {
  type FindNodeOptions,
  findNodeBinary,
  type NodeSource,
  nodeOverrideVariable,
  runtimeNodeMajor,
} from './nodeBinary.js'

/** The Node that runs one Lambda runtime's functions. */
export interface RuntimeNode {
  /** The Lambda runtime, e.g. `nodejs22.x`. */
  runtime: string
  /** The Node major the runtime declares; undefined when it cannot be told. */
  wantedMajor?: number
  /** The Node binary used. */
  path: string
  /** Its version, e.g. `v22.23.3`. */
  version: string
  /** Where it was found, or `fallback` for the gateway's own Node. */
  source: NodeSource | 'fallback'
  /** True when its major is the runtime's. */
  matches: boolean
  /** Why it falls back, and what to do; only when `matches` is false. */
  reason?: string
}

/** The runtimes the gateway looks up at start: fanout's stack declares `nodejs22.x`. */
export const DEFAULT_RUNTIMES = ['nodejs22.x'] as const

/**
 * One line for the user about a runtime's Node.
 *
 * @example
 * ```ts
 * describeRuntimeNode(node) // 'nodejs22.x functions run on Node v22.23.3 (/usr/local/bin/node22)'
 * ```
 */
export function describeRuntimeNode(node: RuntimeNode): string {
  return node.matches
    ? `${node.runtime} functions run on Node ${node.version} (${node.path})`
    : `${node.runtime} functions fall back to Node ${node.version}: ${node.reason}`
}

/** Picks and remembers the Node binary of each Lambda runtime. */
export class NodeSelector {
  readonly #options: FindNodeOptions
  readonly #byMajor = new Map<number, Promise<Omit<RuntimeNode, 'runtime'>>>()
  readonly #byRuntime = new Map<string, Promise<RuntimeNode>>()

  /** @param options Where to search. @default the current process's environment */
  constructor(options: FindNodeOptions = {}) {
    this.#options = options
  }

  /**
   * The Node for `runtime`; looks it up on first use (the same promise for later calls).
   *
   * @example
   * ```ts
   * const { path, matches } = await new NodeSelector().select('nodejs22.x')
   * ```
   */
  select(runtime: string): Promise<RuntimeNode> {
    let selected = this.#byRuntime.get(runtime)
    if (!selected) {
      selected = this.#lookup(runtime)
      this.#byRuntime.set(runtime, selected)
    }
    return selected
  }

  /** Every runtime selected so far, in the order first asked for. */
  known(): Promise<RuntimeNode[]> {
    return Promise.all(this.#byRuntime.values())
  }

  async #lookup(runtime: string): Promise<RuntimeNode> {
    const major = runtimeNodeMajor(runtime)
    if (major === undefined) {
      return {
        runtime,
        ...this.#fallback(`cannot tell which Node major ${runtime} declares`),
      }
    }
    let found = this.#byMajor.get(major)
    if (!found) {
      found = this.#find(major)
      this.#byMajor.set(major, found)
    }
    return { runtime, ...(await found) }
  }

  async #find(major: number): Promise<Omit<RuntimeNode, 'runtime'>> {
    const { binary, notes } = await findNodeBinary(major, this.#options)
    if (binary) {
      const { path, version, source } = binary
      return { wantedMajor: major, path, version, source, matches: true }
    }
    const tried = notes.length > 0 ? `; ${notes.join('; ')}` : ''
    return {
      wantedMajor: major,
      ...this.#fallback(
        `no Node ${major} found${tried} (run \`npx -y node@${major} --version\` once, or set ${nodeOverrideVariable(major)}, then restart the emulator)`,
      ),
    }
  }

  #fallback(reason: string): Omit<RuntimeNode, 'runtime'> {
    return {
      path: this.#options.execPath ?? process.execPath,
      version: this.#options.currentVersion ?? process.version,
      source: 'fallback',
      matches: false,
      reason,
    }
  }
}
