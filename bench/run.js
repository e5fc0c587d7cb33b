#!/usr/bin/env node
// Runs fanout's benchmarks: bundles each bench/<name>.ts with esbuild into
// .fanout/bench/ (dependencies stay external and resolve from this repo), then
// runs them one after another. Each prints JSON lines with the core count.
//
//   npm run bench                 # parallel, overhead, parquet
//   npm run bench -- overhead     # just one
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const all = ['parallel', 'overhead', 'parquet']
/** Scripts other benchmarks spawn: bundled too, never run on their own. */
const helpers = ['plainLoop', 'plainAtoms']
const names = process.argv.slice(2).length ? process.argv.slice(2) : all
for (const name of names) {
  if (!/^[a-z][a-zA-Z0-9-]*$/.test(name)) throw new Error(`not a benchmark name: ${name}`)
}
const outdir = join(root, '.fanout', 'bench')
mkdirSync(outdir, { recursive: true })
let failed = 0
for (const name of [...helpers, ...names]) {
  const outfile = join(outdir, `${name}.mjs`)
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  })
  if (helpers.includes(name)) continue
  const r = spawnSync(process.execPath, [outfile], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exitCode = failed ? 1 : 0
