// Builds dist/ from src/ with esbuild: the CLI, the public API, and every entry
// that runs in its own thread or process (they need plain JavaScript files).
import { existsSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Entry points: `dist/<out>.js` from `src/<in>.ts`. Missing sources are skipped. */
const entries = {
  index: 'src/index.ts',
  cli: 'src/cli/main.ts',
  threadWorker: 'src/executors/local/threadWorker.ts',
  emulatorGateway: 'src/emulator/gatewayMain.ts',
  lambdaRuntime: 'src/emulator/lambdaRuntime.ts',
}

const entryPoints = Object.fromEntries(
  Object.entries(entries).filter(([, src]) => existsSync(join(root, src))),
)

rmSync(join(root, 'dist'), { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
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
