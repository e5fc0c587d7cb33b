import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // jobs and examples import fanout by its name: the sources here
    alias: [
      {
        find: /^fanout\/runner$/,
        replacement: fileURLToPath(new URL('./src/runner/index.ts', import.meta.url)),
      },
      { find: /^fanout$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // integration suites start servers on fixed ports: run files one at a time there
    fileParallelism: true,
    pool: 'forks',
    // the AWS SDK's notice about its future Node 22 requirement is noise in test output
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
})
