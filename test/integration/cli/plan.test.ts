/**
 * `fanout plan`: a dry run that counts atoms and shows the molecules without
 * executing anything (the fixture job writes a marker file from `setup` and
 * `run`; the plan must leave none, and no jobs/ directory).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { linParts } from '../../../src/core/partition.js'
import {
  fixtureJob,
  makeTempDir,
  removeTempDir,
  rootOf,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

const MARKER_JOB = fixtureJob('marker.ts')

// each test in its own temp dir, so they can run side by side
describe.concurrent('fanout plan', () => {
  afterAll(async () => {
    await stopAllClis()
  })

  it('prints the atom count and the molecule sizes, and executes nothing', async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare
    const cwd = await makeTempDir()
    onTestFinished(() => removeTempDir(cwd))
    const marker = join(cwd, 'marker.txt')
    const boundaries = linParts(50, 2 * 4)
    const sizes = boundaries.slice(1).map((b, i) => b - (boundaries[i] as number))

    // Act
    const result = await runCli(
      ['plan', MARKER_JOB, '--param', `marker=${marker}`, '--workers', '2'],
      { cwd },
    )

    // Assess
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain(`fanout plan: marker (${MARKER_JOB})`)
    expect(result.stdout).toContain('  atoms      50\n')
    expect(result.stdout).toContain('  molecules  8 (linear) for 2 workers\n')
    expect(result.stdout).toContain(
      `  sizes      min ${Math.min(...sizes)}, median 6, max ${Math.max(...sizes)}\n`,
    )
    expect(result.stdout).toContain(`  atoms per molecule: ${sizes.join(' ')}\n`)
    expect(existsSync(marker)).toBe(false)
    expect(existsSync(join(rootOf(cwd), 'jobs'))).toBe(false)
  })

  it.for([
    { name: '--workers 2', flags: ['--workers', '2'], molecules: 8 },
    {
      name: '--workers 3 --molecules 5',
      flags: ['--workers', '3', '--molecules', '5'],
      molecules: 5,
    },
    { name: '--workers 1', flags: ['--workers', '1'], molecules: 4 },
  ])(
    'plan --json $name parses as JSON with the boundaries of linParts(50, $molecules)',
    async ({ flags, molecules }, { expect, onTestFinished }) => {
      // Prepare
      const cwd = await makeTempDir()
      onTestFinished(() => removeTempDir(cwd))
      const marker = join(cwd, 'marker.txt')

      // Act
      const result = await runCli(
        ['plan', MARKER_JOB, '--param', `marker=${marker}`, ...flags, '--json'],
        { cwd },
      )

      // Assess
      expect(result.code, result.stderr).toBe(0)
      const lines = result.stdout.trim().split('\n')
      expect(lines).toHaveLength(1)
      const plan = JSON.parse(lines[0] as string)
      expect(plan).toMatchObject({
        job: 'marker',
        atoms: 50,
        molecules,
        scheme: 'linear',
        boundaries: linParts(50, molecules),
        params: { marker, atoms: 50 },
      })
      expect(existsSync(marker)).toBe(false)
      expect(existsSync(join(rootOf(cwd), 'jobs'))).toBe(false)
    },
  )
})
