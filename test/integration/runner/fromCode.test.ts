/** examples/from-code.ts runs as the README says: `npx tsx examples/from-code.ts`. */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { makeTempDir, REPO, removeTempDir } from '../../helpers/cli.js'

let cwd: string
beforeAll(async () => {
  cwd = await makeTempDir('fanout-from-code-')
})
afterAll(async () => {
  await removeTempDir(cwd)
})

it('runs the sweep from code, streams its rows, writes them and reopens the job', async () => {
  const tsx = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs')
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [tsx, join(REPO, 'examples', 'from-code.ts')],
    { cwd, timeout: 120_000 },
  )
  expect(stdout).toMatch(/^job ma-crossover-\d{8}-\d{6}-[0-9a-f]{4}: succeeded, 144 rows/m)
  expect(stdout).toContain('top 3 pairs:')
  const written = join(cwd, '.fanout', 'from-code.csv')
  expect(stdout).toContain(`written to ${written}`)
  expect(readFileSync(written, 'utf8').trim().split('\n')).toHaveLength(145)
  expect(stdout).toMatch(/^reopened ma-crossover-\S+: succeeded; jobs on local: 1$/m)
}, 150_000)
