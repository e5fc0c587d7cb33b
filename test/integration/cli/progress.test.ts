/**
 * Progress while a job runs, without a TTY (as CI and these tests read it):
 * the phases in order from the start, and atoms counted while molecules run,
 * before the first molecule ends. Slow atoms and few molecules make each
 * molecule take seconds; the tests assert the order of lines, not durations.
 */
import { describe, expect, it } from 'vitest'
import { fixtureJob, runCli, withTempCwd } from '../../helpers/cli.js'

const SLOW = fixtureJob('slow.ts')
const COUNT_LINE = /^\d+\.\d% done: (\d+)\/(\d+) atoms, (\d+)\/(\d+) molecules/

/** The phase names of a run's phase lines, in order. */
function phases(lines: string[]): string[] {
  return lines
    .map((l) => /^(bundling|planning|estimating|staging|dispatching|running|reducing)\b/.exec(l))
    .filter((m) => m !== null)
    .map((m) => m[1] as string)
}

/** Index of the first count line with atoms run and no molecule ended, and of the first with one ended. */
function atomsBeforeMolecules(lines: string[]): { atoms: number; ended: number } {
  let atoms = -1
  let ended = -1
  lines.forEach((line, i) => {
    const m = COUNT_LINE.exec(line)
    if (!m) return
    if (atoms < 0 && Number(m[1]) > 0 && Number(m[3]) === 0) atoms = i
    if (ended < 0 && Number(m[3]) > 0) ended = i
  })
  return { atoms, ended }
}

describe('fanout run progress without a TTY', () => {
  let cwd: string
  withTempCwd((dir) => {
    cwd = dir
  })

  it.each([
    { where: 'on worker threads', workers: '2', molecules: '2' },
    { where: 'in-process (--workers 1)', workers: '1', molecules: '1' },
  ])(
    'prints the phases in order and atoms run before the first molecule ends, $where',
    async ({ workers, molecules }) => {
      // Prepare: 4 atoms of 400 ms per molecule
      const atoms = 4 * Number(molecules)
      const args = ['run', SLOW, '--param', `atoms=${atoms}`, '--param', 'ms=400']

      // Act
      const r = await runCli([...args, '--workers', workers, '--molecules', molecules], { cwd })

      // Assess
      expect(r.code, r.stderr).toBe(0)
      const lines = r.stderr.split('\n').filter((l) => l !== '')
      expect(phases(lines)).toEqual(['bundling', 'planning', 'dispatching', 'running', 'reducing'])
      expect(lines[0]).toBe(`bundling: ${SLOW}`)
      expect(lines).toContain(`dispatching: ${molecules} molecules of ${atoms} atoms (--molecules)`)
      const { atoms: first, ended } = atomsBeforeMolecules(lines)
      expect(first, r.stderr).toBeGreaterThan(lines.indexOf('running'))
      expect(ended, r.stderr).toBeGreaterThan(first)
      // the last count line is the whole job, before reducing
      const counts = lines.filter((l) => COUNT_LINE.test(l))
      expect(counts.at(-1)).toMatch(
        new RegExp(
          `^100\\.0% done: ${atoms}/${atoms} atoms, ${molecules}/${molecules} molecules, \\d+ atoms/s`,
        ),
      )
      expect(lines.indexOf(counts.at(-1) as string)).toBeLessThan(lines.indexOf('reducing'))
      // the atoms counted never go down in a run without faults
      const run = counts.map((l) => Number(COUNT_LINE.exec(l)?.[1]))
      expect(run).toEqual([...run].sort((a, b) => a - b))
      expect(r.stderr).not.toContain('\u001b[')
    },
  )

  it('prints nothing on stderr with --no-progress, and keeps --json stdout to one line', async () => {
    // Act
    const r = await runCli(
      ['run', SLOW, '--param', 'atoms=4', '--param', 'ms=0', '--json', '--no-progress'],
      { cwd },
    )

    // Assess
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded', atoms: 4 })
  })

  it('keeps progress on stderr with --json: stdout is the summary line alone', async () => {
    const r = await runCli(['run', SLOW, '--param', 'atoms=4', '--param', 'ms=0', '--json'], {
      cwd,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'succeeded' })
    expect(phases(r.stderr.split('\n'))).toContain('reducing')
  })
})
