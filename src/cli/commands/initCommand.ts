import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve, sep } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { packageRoot } from '../../runtime/packageRoot.js'

/** What fanout's own package.json says about itself and its tool versions. */
function fanoutPackage(): { version: string; typescript: string; typesNode: string } {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string
    devDependencies?: Record<string, string>
  }
  return {
    version: pkg.version,
    typescript: pkg.devDependencies?.typescript ?? '^5.9.0',
    typesNode: pkg.devDependencies?.['@types/node'] ?? '^20.0.0',
  }
}

/**
 * How the new project depends on fanout: the version of this fanout when it
 * is an installed package, else (a git checkout) a `file:` link to it.
 */
function defaultSpec(version: string): string {
  const root = packageRoot()
  return root.split(sep).includes('node_modules') ? `^${version}` : `file:${root}`
}

const SWEEP = `import { defineJob, grid, z } from 'fanout'

/** A parameter sweep: every (fast, slow) pair of a moving-average rule, one row each. */
export default defineJob({
  params: z.object({ bars: z.number().int().min(10).default(5000), seed: z.number().default(1) }).strict(),
  atoms: () => grid({ fast: [5, 10, 20], slow: [50, 100, 200] }),
  // once per worker: the prices every atom reads
  setup: ({ bars, seed }) => {
    let x = seed
    const prices = new Float64Array(bars)
    prices[0] = 100
    for (let t = 1; t < bars; t++) {
      x = (x * 16807) % 2147483647
      prices[t] = (prices[t - 1] as number) * (1 + (x / 2147483647 - 0.5) * 0.02)
    }
    return prices
  },
  run: ({ fast, slow }, { state: prices }) => {
    let pnl = 0
    for (let t = slow; t < prices.length - 1; t++) {
      const mean = (w: number) => {
        let s = 0
        for (let k = t - w + 1; k <= t; k++) s += prices[k] as number
        return s / w
      }
      if (mean(fast) > mean(slow)) pnl += Math.log((prices[t + 1] as number) / (prices[t] as number))
    }
    return { fast, slow, pnl }
  },
  reduce: (rows) => rows.reduce((best, r) => ((r.pnl as number) > (best.pnl as number) ? r : best)),
})
`

/** The files of a new job project, by path relative to its folder. */
export function initFiles(name: string, spec: string): Record<string, string> {
  const tools = fanoutPackage()
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { sweep: 'fanout run jobs/sweep.ts', typecheck: 'tsc --noEmit' },
    dependencies: { fanout: spec },
    devDependencies: { '@types/node': tools.typesNode, typescript: tools.typescript },
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['jobs'],
  }
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'jobs/sweep.ts': SWEEP,
    '.gitignore': 'node_modules/\n.fanout/\n',
  }
}

/**
 * `fanout init [dir]`: a minimal job project of the user's own: a package.json
 * that depends on fanout, a tsconfig under which the job type-checks, one job.
 * Refuses to overwrite a file that exists.
 */
export async function initCommand(
  dir: string | undefined,
  flags: { fanout?: string; force?: boolean },
): Promise<number> {
  const target = resolve(dir ?? '.')
  const name =
    basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-')
      .replace(/^[._-]+/, '') || 'fanout-jobs'
  const files = initFiles(name, flags.fanout ?? defaultSpec(fanoutPackage().version))
  const existing = Object.keys(files).filter((f) => existsSync(join(target, f)))
  if (existing.length > 0 && !flags.force) {
    throw new UsageError(
      `${target} already has ${existing.join(', ')}: fanout init writes a new project and overwrites nothing. Choose an empty folder (fanout init my-sweeps) or pass --force.`,
    )
  }
  for (const [file, text] of Object.entries(files)) {
    const path = join(target, file)
    mkdirSync(resolve(path, '..'), { recursive: true })
    writeFileSync(path, text)
  }
  const cd = relative(process.cwd(), target)
  process.stdout.write(
    [
      `fanout: a job project in ${target}`,
      `  ${Object.keys(files).join(', ')}`,
      'next:',
      ...(cd ? [`  cd ${cd}`] : []),
      '  npm install',
      '  npx fanout run jobs/sweep.ts',
      '  npx tsc --noEmit        (the job type-checks, as in your editor)',
    ].join('\n') + '\n',
  )
  return 0
}
