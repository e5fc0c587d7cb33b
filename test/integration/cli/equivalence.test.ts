/**
 * However the atoms are cut and wherever they run, the result table is the
 * same: in-process vs worker threads, every partition scheme, an explicit
 * molecule count and an explicit molecule size.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest'
import { linParts, nestedParts } from '../../../src/core/partition.js'
import {
  jobDir,
  MA_CROSSOVER,
  makeTempDir,
  plainTable,
  readManifest,
  readTable,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'

const SMALL = ['--param', 'bars=2000', '--param', 'side=6', '--no-progress']
const ATOMS = 36

interface Variant {
  name: string
  flags: string[]
  /** What the molecule boundaries must satisfy. */
  molecules: (boundaries: number[], expect: ExpectStatic) => void
}

const sizes = (b: number[]) => b.slice(1).map((x, i) => x - (b[i] as number))

const variants: Variant[] = [
  {
    name: '--workers 1 (in-process)',
    flags: ['--workers', '1'],
    molecules: (b, expect) => expect(b).toEqual(linParts(ATOMS, 4)),
  },
  {
    name: '--workers 2',
    flags: ['--workers', '2'],
    molecules: (b, expect) => expect(b).toEqual(linParts(ATOMS, 8)),
  },
  {
    name: '--partition nested',
    flags: ['--workers', '2', '--partition', 'nested'],
    molecules: (b, expect) => expect(b).toEqual(nestedParts(ATOMS, 8)),
  },
  {
    name: '--partition nested-upper',
    flags: ['--workers', '2', '--partition', 'nested-upper'],
    molecules: (b, expect) => expect(b).toEqual(nestedParts(ATOMS, 8, true)),
  },
  {
    name: '--partition weighted',
    flags: ['--workers', '2', '--partition', 'weighted'],
    molecules: (b, expect) => expect(b.length - 1).toBeLessThanOrEqual(8),
  },
  {
    name: '--molecules 7',
    flags: ['--workers', '2', '--molecules', '7'],
    molecules: (b, expect) => expect(b).toEqual(linParts(ATOMS, 7)),
  },
  {
    name: '--atoms-per-molecule 5',
    flags: ['--workers', '2', '--atoms-per-molecule', '5'],
    molecules: (b, expect) => {
      expect(b.length - 1).toBe(Math.ceil(ATOMS / 5))
      for (const size of sizes(b)) expect(size).toBeLessThanOrEqual(5)
    },
  },
]

describe('the result table does not depend on workers or partitioning', () => {
  let cwd: string
  let baseline: ReturnType<typeof plainTable>

  beforeAll(async () => {
    cwd = await makeTempDir()
    const result = await runCli(
      ['run', MA_CROSSOVER, ...SMALL, '--workers', '1', '--molecules', '1', '--job-id', 'base'],
      { cwd },
    )
    if (result.code !== 0) throw new Error(`baseline run failed: ${result.stderr}`)
    baseline = plainTable(await readTable(join(jobDir(cwd, 'base'), 'result.parquet')))
  })

  afterAll(async () => {
    await stopAllClis()
    await removeTempDir(cwd)
  })

  // the variants run side by side, sharing one fanout root (and its bundle cache)
  it.concurrent.for(variants.map((v, i) => ({ ...v, jobId: `v${i}` })))(
    '$name gives the same table as one molecule in-process',
    async ({ flags, jobId, molecules }, { expect }) => {
      // Prepare
      const args = ['run', MA_CROSSOVER, ...SMALL, ...flags, '--job-id', jobId]

      // Act
      const result = await runCli(args, { cwd })

      // Assess
      expect(result.code, result.stderr).toBe(0)
      const table = plainTable(await readTable(join(jobDir(cwd, jobId), 'result.parquet')))
      expect(table.numRows).toBe(ATOMS)
      expect(table).toEqual(baseline)
      const manifest = readManifest(cwd, jobId)
      expect(manifest.status).toBe('succeeded')
      molecules(manifest.partition.boundaries, expect)
    },
  )
})
