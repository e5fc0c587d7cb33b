/**
 * Atoms that fail: a job whose atoms throw for some indices, and a job whose
 * rows hold a nested object. Either way the run goes on, exits 1, names the
 * failed count and the errors table, and the result holds the other rows.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { unluckyAtoms } from '../../fixtures/jobs/failing-atoms.js'
import {
  columnOf,
  fixtureJob,
  jobDir,
  listFiles,
  readManifest,
  readTable,
  runCli,
  withTempCwd,
} from '../../helpers/cli.js'

const ERRORS_COLUMNS = ['atom', 'molecule', 'attempt', 'name', 'message', 'stack']

// one temp dir (and fanout root) for the file; the runs use distinct job ids and run side by side
describe.concurrent('fanout run with failing atoms', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  describe('atoms that throw', () => {
    it.for([
      { workers: 1, jobId: 'in-process' },
      { workers: 2, jobId: 'threads' },
    ])(
      'with --workers $workers: exits 1, records exactly the failed atoms and keeps the other rows',
      async ({ workers, jobId }, { expect }) => {
        // Prepare
        const atoms = 20
        const failed = unluckyAtoms(atoms) // 3, 10, 17
        const ok = Array.from({ length: atoms }, (_, i) => i).filter((i) => !failed.includes(i))
        const dir = jobDir(cwd, jobId)
        const errorsPath = join(dir, 'errors.parquet')
        const args = ['run', fixtureJob('failing-atoms.ts'), '--workers', String(workers)]

        // Act
        const result = await runCli([...args, '--job-id', jobId, '--no-progress'], { cwd })

        // Assess
        expect(result.code).toBe(1)
        expect(result.stderr).toBe(
          `fanout: ${failed.length} of ${atoms} atoms failed; the errors table is ${errorsPath}\n`,
        )
        expect(result.stdout).toContain(`fanout: job ${jobId} failed`)
        expect(result.stdout).toContain(
          `atoms     ${atoms} (${ok.length} ok, ${failed.length} failed)`,
        )
        expect(result.stdout).toContain(`errors    ${errorsPath} (${failed.length} rows)`)
        // one line per cause, the atom indices taken out of the grouping
        expect(result.stdout).toContain(
          '3 × UnluckyError: atom 3 is unlucky (first atoms 3, 10, 17)',
        )

        const errors = await readTable(errorsPath)
        expect(errors.columns.map((c) => c.name)).toEqual(ERRORS_COLUMNS)
        expect(columnOf(errors, 'atom')).toEqual(failed)
        expect(columnOf(errors, 'name')).toEqual(failed.map(() => 'UnluckyError'))
        expect(columnOf(errors, 'message')).toEqual(failed.map((i) => `atom ${i} is unlucky`))
        columnOf(errors, 'stack').forEach((stack, k) => {
          expect(stack).toMatch(new RegExp(`^UnluckyError: atom ${failed[k]} is unlucky\\n\\s+at `))
        })

        // a failed job leaves no result file; `fanout result --out` writes the rows that succeeded
        expect(existsSync(join(dir, 'result.parquet'))).toBe(false)
        const kept = join(cwd, `${jobId}-kept.parquet`)
        expect((await runCli(['result', jobId, '--out', kept], { cwd })).code).toBe(0)
        const table = await readTable(kept)
        expect(columnOf(table, 'atom')).toEqual(ok)
        expect(columnOf(table, 'square')).toEqual(ok.map((i) => i * i))
        expect(readManifest(cwd, jobId).status).toBe('failed')
        expect(listFiles(dir).some((f) => f.includes('.tmp-'))).toBe(false)
      },
    )
  })

  describe('a row holding a nested object', () => {
    it('records those atoms as errors naming the atom and the field and saying how to fix it; exits 1', async ({
      expect,
    }) => {
      // Prepare
      const nested = [1, 3, 5]
      const dir = jobDir(cwd, 'nested')
      const args = ['run', fixtureJob('nested-row.ts'), '--workers', '2', '--job-id', 'nested']

      // Act
      const result = await runCli([...args, '--no-progress'], { cwd })

      // Assess
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        `fanout: 3 of 6 atoms failed; the errors table is ${join(dir, 'errors.parquet')}\n`,
      )
      const errors = await readTable(join(dir, 'errors.parquet'))
      expect(columnOf(errors, 'atom')).toEqual(nested)
      expect(columnOf(errors, 'name')).toEqual(nested.map(() => 'RowShapeError'))
      for (const [k, message] of columnOf(errors, 'message').entries()) {
        expect(message).toContain(`atom ${nested[k]}, field "detail"`)
        expect(message).toContain('is not a scalar')
        expect(message).toContain(
          'flatten nested objects into separate fields, or JSON.stringify them',
        )
      }
      expect(result.stdout).toContain('RowShapeError: atom 1, field "detail"')
      expect(existsSync(join(dir, 'result.parquet'))).toBe(false)
      const kept = join(cwd, 'nested-kept.parquet')
      expect((await runCli(['result', 'nested', '--out', kept], { cwd })).code).toBe(0)
      const table = await readTable(kept)
      expect(table.columns.map((c) => c.name)).toEqual(['atom', 'x'])
      expect(columnOf(table, 'atom')).toEqual([0, 2, 4])
      expect(columnOf(table, 'x')).toEqual([0, 2, 4])
      expect(existsSync(join(dir, 'stats.json'))).toBe(true)
    })
  })

  describe('combining the partials fails', () => {
    it("a throwing reduce gets a message naming it, and the job is not left 'running'", async ({
      expect,
    }) => {
      // Prepare
      const args = ['run', fixtureJob('reduce-throws.ts'), '--workers', '1', '--job-id', 'reduce']

      // Act
      const result = await runCli([...args, '--no-progress'], { cwd })

      // Assess
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('reduce blew up')
      expect(result.stderr).not.toContain('unexpected error')
      expect(readManifest(cwd, 'reduce').status).not.toBe('running')
    })

    it('a field whose type differs between molecules is reported by atom, and the job is not left running', async ({
      expect,
    }) => {
      // Prepare
      const args = ['run', fixtureJob('mixed-types.ts'), '--workers', '1', '--job-id', 'mixed']

      // Act
      const result = await runCli([...args, '--no-progress'], { cwd })

      // Assess
      expect(result.code).toBe(1)
      expect(result.stderr).toContain('field "x"')
      expect(result.stderr).toContain('atom 4')
      expect(readManifest(cwd, 'mixed').status).not.toBe('running')
    })
  })
})
