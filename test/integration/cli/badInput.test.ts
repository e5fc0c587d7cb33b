/**
 * Bad input to `fanout run` (and `fanout plan`): each gets one clear message
 * on stderr naming the problem (and the fix), exit code 2, and nothing
 * half-written: no job directory, no output file, at most the content-addressed
 * bundle cache.
 */
import { existsSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  fixtureJob,
  jobDir,
  listFiles,
  MA_CROSSOVER,
  makeTempDir,
  removeTempDir,
  rootOf,
  runCli,
  snapshotFiles,
  stopAllClis,
  withTempCwd,
} from '../../helpers/cli.js'

const SMALL = ['--param', 'bars=2000', '--param', 'side=2', '--no-progress']

interface BadCase {
  name: string
  args: string[]
  /** Phrases stderr must hold, in this order. */
  phrases: string[]
  /** Write files into the working directory first. */
  files?: Record<string, string>
}

const cases: BadCase[] = [
  {
    name: 'a missing job file',
    args: ['run', 'missing.ts'],
    phrases: [
      'fanout: job file not found: missing.ts.',
      'Give the path of a .ts or .js module that exports a job made with defineJob',
    ],
  },
  {
    name: 'a module that exports no job',
    args: ['run', fixtureJob('no-job.ts')],
    phrases: [
      `fanout: ${fixtureJob('no-job.ts')} exports no fanout job (its exports: answer, helper).`,
      'Export one as the default export: `export default defineJob({ atoms, run })`.',
    ],
  },
  {
    name: 'a module that fails to compile',
    args: ['run', 'broken.ts'],
    files: {
      'broken.ts':
        "import { defineJob, range } from 'fanout'\n\nexport default defineJob({ atoms: () => range(3), run: (i: number) => ({ x: i })\n",
    },
    phrases: [
      'fanout: cannot bundle broken.ts:',
      'broken.ts:4:0: Expected "}" but found end of file',
    ],
  },
  {
    name: 'a param failing its schema (--param bars=1)',
    args: ['run', MA_CROSSOVER, '--param', 'bars=1'],
    phrases: [
      "fanout: the job's params do not validate:",
      'bars: Too small: expected number to be >=3',
      'Fix them with --param key=value.',
    ],
  },
  {
    name: 'a cost cap that is not an amount of dollars (--max-cost abc)',
    args: ['run', MA_CROSSOVER, ...SMALL, '--max-cost', 'abc'],
    phrases: [
      'fanout: Expected --max-cost to be an amount of dollars above 0 (e.g. 5 or 0.50), got "abc"',
    ],
  },
  {
    name: 'a deadline that is not a duration (--deadline soon)',
    args: ['run', MA_CROSSOVER, ...SMALL, '--deadline', 'soon'],
    phrases: [
      'fanout: Expected --deadline to be a duration such as 600 (seconds), 90s, 30m or 1h, got "soon"',
    ],
  },
  {
    name: 'an unknown param',
    args: ['run', MA_CROSSOVER, ...SMALL, '--param', 'nope=1'],
    phrases: [
      "fanout: --param nope: unknown param; this job's params are prices, bars, side, seed",
    ],
  },
  {
    name: 'an unknown flag (--wrkers 2)',
    args: ['run', MA_CROSSOVER, ...SMALL, '--wrkers', '2'],
    phrases: ["error: unknown option '--wrkers'", '(Did you mean --workers?)'],
  },
  {
    name: '--molecules 0',
    args: ['run', MA_CROSSOVER, ...SMALL, '--molecules', '0'],
    phrases: ['fanout: Expected --molecules to be an integer from 1 and up, got 0 (number)'],
  },
  {
    name: '--atoms-per-molecule -3',
    args: ['run', MA_CROSSOVER, ...SMALL, '--atoms-per-molecule', '-3'],
    phrases: [
      'fanout: Expected --atoms-per-molecule to be an integer from 1 and up, got -3 (number)',
    ],
  },
  {
    name: '--workers 0',
    args: ['run', MA_CROSSOVER, ...SMALL, '--workers', '0'],
    phrases: ['fanout: Expected --workers to be an integer from 1 and up, got 0 (number)'],
  },
  {
    name: '--molecules 2 --atoms-per-molecule 3 together',
    args: ['run', MA_CROSSOVER, ...SMALL, '--molecules', '2', '--atoms-per-molecule', '3'],
    phrases: ['fanout: give either --molecules or --atoms-per-molecule, not both'],
  },
  {
    name: '--partition diagonal',
    args: ['run', MA_CROSSOVER, ...SMALL, '--partition', 'diagonal'],
    phrases: [
      "error: option '--partition <scheme>' argument 'diagonal' is invalid.",
      'Allowed choices are linear, nested, nested-upper, weighted.',
    ],
  },
  {
    name: '--out result.xlsx',
    args: ['run', MA_CROSSOVER, ...SMALL, '--out', 'result.xlsx'],
    phrases: ['fanout: --out must end in .parquet, .csv or .jsonl, got "result.xlsx"'],
  },
  {
    name: 'an invalid --job-id ../x',
    args: ['run', MA_CROSSOVER, ...SMALL, '--job-id', '../x'],
    phrases: [
      'fanout: Expected the job id to be 1 to 128 characters of letters, digits, "-", "_" and ".", not starting with ".", got "../x" (string)',
    ],
  },
  {
    name: 'a --param without =',
    args: ['run', MA_CROSSOVER, '--param', 'bars'],
    phrases: ['fanout: --param bars: expected key=value, e.g. --param bars=1000'],
  },
  {
    name: 'run without a job file',
    args: ['run'],
    phrases: ["error: missing required argument 'job'"],
  },
  {
    name: 'an unknown command',
    args: ['rnu', MA_CROSSOVER],
    phrases: ["error: unknown command 'rnu'", '(Did you mean run?)'],
  },
  {
    name: 'plan with a missing job file',
    args: ['plan', 'missing.ts'],
    phrases: ['fanout: job file not found: missing.ts.'],
  },
  {
    name: 'plan with --atoms-per-molecule 0',
    args: ['plan', MA_CROSSOVER, ...SMALL, '--atoms-per-molecule', '0'],
    phrases: [
      'fanout: Expected --atoms-per-molecule to be an integer from 1 and up, got 0 (number)',
    ],
  },
]

/** Files under `<cwd>` other than the inputs and the bundle cache (whole bundles only). */
function leftovers(cwd: string, inputs: string[]): string[] {
  return listFiles(cwd).filter(
    (f) => !inputs.includes(f) && !/^\.fanout\/bundles\/[0-9a-f]{64}\.mjs$/.test(f),
  )
}

describe('bad input gets one clear message, exit code 2 and nothing half-written', () => {
  afterAll(async () => {
    await stopAllClis()
  })

  // each case in its own temp dir, so they can run side by side
  it.concurrent.for(cases)(
    '$name',
    async ({ args, phrases, files = {} }, { expect, onTestFinished }) => {
      // Prepare
      const cwd = await makeTempDir()
      onTestFinished(() => removeTempDir(cwd))
      for (const [name, text] of Object.entries(files)) await writeFile(join(cwd, name), text)

      // Act
      const result = await runCli(args, { cwd })

      // Assess
      const context = `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`
      expect(result.code, context).toBe(2)
      expect(result.stdout, context).toBe('')
      let from = 0
      for (const phrase of phrases) {
        const at = result.stderr.indexOf(phrase, from)
        expect(
          at,
          `stderr ${JSON.stringify(result.stderr)} lacks ${JSON.stringify(phrase)}`,
        ).toBeGreaterThanOrEqual(0)
        from = at + phrase.length
      }
      // one message: no stack trace, no second "fanout:" message
      expect(result.stderr, context).not.toMatch(/^\s+at /m)
      expect(result.stderr.match(/fanout:|error:/g), context).toHaveLength(1)
      expect(existsSync(join(rootOf(cwd), 'jobs')), context).toBe(false)
      expect(leftovers(cwd, Object.keys(files)), context).toEqual([])
    },
  )
})

describe('a --job-id that is already used', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it("exits 2 naming the job id, and leaves the first job's files untouched", async () => {
    // Prepare
    const first = await runCli(
      ['run', MA_CROSSOVER, ...SMALL, '--workers', '1', '--job-id', 'j1'],
      { cwd },
    )
    expect(first.code, first.stderr).toBe(0)
    const before = snapshotFiles(jobDir(cwd, 'j1'))

    // Act
    const second = await runCli(
      ['run', MA_CROSSOVER, ...SMALL, '--workers', '1', '--job-id', 'j1', '--out', 'again.csv'],
      { cwd },
    )

    // Assess
    expect(second.code).toBe(2)
    expect(second.stdout).toBe('')
    expect(second.stderr).toBe(
      `fanout: job id j1 is taken: ${jobDir(cwd, 'j1')}/ already holds a job. Choose another job id (fanout keeps every job's files).\n`,
    )
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining(['manifest.json', 'result.parquet', 'stats.json']),
    )
    expect(snapshotFiles(jobDir(cwd, 'j1'))).toEqual(before)
    expect(readdirSync(join(rootOf(cwd), 'jobs'))).toEqual(['j1'])
    expect(existsSync(join(cwd, 'again.csv'))).toBe(false)
  })
})
