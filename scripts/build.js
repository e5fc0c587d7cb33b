// Builds dist/ from src/ with esbuild: the CLI, the public API, and every entry
// that runs in its own thread or process (they need plain JavaScript files).
import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Entry points: `dist/<out>.js` from `src/<in>.ts`. Missing sources are skipped. */
const entries = {
  index: 'src/index.ts',
  runner: 'src/runner/index.ts',
  cli: 'src/cli/main.ts',
  threadWorker: 'src/executors/local/threadWorker.ts',
  emulatorGateway: 'src/emulator/gatewayMain.ts',
  lambdaRuntime: 'src/emulator/lambdaRuntime.ts',
}

const entryPoints = Object.fromEntries(
  Object.entries(entries).filter(([, src]) => existsSync(join(root, src))),
)

// Build into a fresh directory, then swap it in, so a process that is using
// dist/ (a test, a running CLI) never sees it half-written or missing.
const tmp = `dist.tmp-${process.pid}`
rmSync(join(root, tmp), { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: tmp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
})
const old = `dist.old-${process.pid}`
if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), join(root, old))
renameSync(join(root, tmp), join(root, 'dist'))
rmSync(join(root, old), { recursive: true, force: true })
