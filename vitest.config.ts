import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

/**
 * Two projects: `unit` (test/unit: no Python, no emulator, no child CLI) and
 * `integration` (test/integration: starts the CLI, the emulator, npm itself).
 * `vitest run` runs both; `vitest run --project unit` one of them. Both read
 * dist/ (the worker threads, the CLI, the prebuilt Lambda bundles): build it
 * first (`npm run build`; `npm test` and the `test:*` scripts do).
 */
export default defineConfig({
  resolve: {
    // `fanout` in tests and fixtures is this repository's source, as in tsconfig's paths
    alias: [
      { find: /^fanout$/, replacement: src('index.ts') },
      { find: /^fanout\/runner$/, replacement: src('runner/index.ts') },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Files run in parallel, in both projects: every server a test starts (the
    // emulator, moto, HTTP stubs) listens on a free port it asks the OS for,
    // and every CLI run gets its own temp directory, so no two files share a
    // port or a directory.
    fileParallelism: true,
    // the AWS SDK's notice about its future Node 22 requirement is noise in test output
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
    ],
  },
})
