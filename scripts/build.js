// Builds dist/ from src/, functions/ and infra/, everything a user's install runs:
// - dist/<entry>.js: the public API, the runner API, the CLI, the entries that run
//   in their own thread or process, and the CDK app (dist/infra/app.js), which
//   the CDK CLI runs with plain node (no TypeScript loader needed);
// - dist/functions/<name>/index.mjs: the four Lambda handlers, each bundled with
//   its dependencies (middy, Powertools, ...), the code the stack deploys;
// - dist/report/client.js: the run report's browser code (Observable Plot included);
// - dist/types/: type declarations of `fanout` and `fanout/runner` (tsc, about 3 s).
import { spawn } from 'node:child_process'
import { existsSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Entry points: `dist/<out>.js` from `<in>.ts`. Missing sources are skipped. */
const entries = {
  index: 'src/index.ts',
  runner: 'src/runner/index.ts',
  cli: 'src/cli/main.ts',
  threadWorker: 'src/executors/local/threadWorker.ts',
  emulatorGateway: 'src/emulator/gatewayMain.ts',
  lambdaRuntime: 'src/emulator/lambdaRuntime.ts',
  'infra/app': 'infra/app.ts',
}

/** The Lambda handlers: `dist/functions/<name>/index.mjs` from `functions/<name>Handler.ts`. */
const functions = ['plan', 'worker', 'tally', 'reduce']

/**
 * ESM bundles may still contain CommonJS dependencies that call `require`:
 * give them one. The alias avoids clashing with any name esbuild emits.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __fanoutCreateRequire } from 'node:module';const require = __fanoutCreateRequire(import.meta.url);"

const existing = (map) =>
  Object.fromEntries(Object.entries(map).filter(([, src]) => existsSync(join(root, src))))

/** fanout's own modules: dependencies stay imports, resolved where npm installed them. */
function buildModules(outdir) {
  return build({
    absWorkingDir: root,
    entryPoints: existing(entries),
    outdir,
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
}

/**
 * The Lambda bundles: self-contained but for the AWS SDK v3, which Lambda's
 * Node runtime provides. `target: node20` so the same bundle runs on the
 * emulator's Node 20 and on Lambda's nodejs22.x; minified with names kept, so
 * error class names (Lambda's errorType) stay readable; external source maps
 * without sources content (the functions set NODE_OPTIONS=--enable-source-maps).
 */
function buildFunctions(outdir) {
  const entryPoints = existing(
    Object.fromEntries(functions.map((name) => [`${name}/index`, `functions/${name}Handler.ts`])),
  )
  return build({
    absWorkingDir: root,
    entryPoints,
    outdir: join(outdir, 'functions'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  })
}

/**
 * The run report's browser code: `dist/report/client.js`, one minified IIFE
 * (Observable Plot included) that `fanout report` inlines into each report.
 */
function buildReportClient(outdir) {
  return build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'report', 'client', 'main.ts')],
    outfile: join(outdir, 'report', 'client.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
  })
}

/** `tsc -p tsconfig.build.json`: declarations only, into `<outdir>/types`. */
function buildTypes(outdir) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const args = [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(outdir, 'types')]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`tsc -p tsconfig.build.json failed (exit ${code})`)),
    )
  })
}

// Build into a fresh directory, then swap it in, so a process that is using
// dist/ (a test, a running CLI) never sees it half-written or missing.
const tmp = `dist.tmp-${process.pid}`
rmSync(join(root, tmp), { recursive: true, force: true })
try {
  await Promise.all([
    buildModules(tmp),
    buildFunctions(tmp),
    buildReportClient(tmp),
    buildTypes(join(root, tmp)),
  ])
} catch (error) {
  rmSync(join(root, tmp), { recursive: true, force: true })
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
const old = `dist.old-${process.pid}`
if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), join(root, old))
renameSync(join(root, tmp), join(root, 'dist'))
rmSync(join(root, old), { recursive: true, force: true })
