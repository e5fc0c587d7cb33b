#!/usr/bin/env node
// The AWS SDK's notice about its future Node 22 requirement is not actionable here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
// stack traces of fanout itself and of job bundles point at their TypeScript sources
process.setSourceMapsEnabled(true)
const { main } = await import('../dist/cli.js')

process.exitCode = await main(process.argv.slice(2))
