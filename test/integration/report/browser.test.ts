/**
 * The run report in a real browser (headless Chromium, Debian's package,
 * driven by playwright-core): the report of a real local run (with a crashed
 * and retried molecule and failing atoms) and of a real run on the emulated
 * cloud (fanout's emulator, the real stack deployed). Each report must draw
 * exactly one timeline bar per molecule attempt of the job's manifest, make
 * no request but for the file itself, log no console error, and filter its
 * errors table; a screenshot of each goes to test-results/report/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../../../src/core/manifest.js'
import { freePort, startEmulator, stopEmulator } from '../../../src/emulator/index.js'
import { REPORT_DATA_ID } from '../../../src/report/renderReport.js'
import { openPage, type StartedBrowser, startChromium } from '../../helpers/browser.js'
import {
  fixtureJob,
  makeTempDir,
  REPO,
  readManifest,
  removeTempDir,
  runCli,
  stopAllClis,
} from '../../helpers/cli.js'
import { isAlive } from '../../helpers/process.js'

const SHOTS = join(REPO, 'test-results', 'report')
const FAILING = fixtureJob('failing-atoms.ts')
const CRASH_ONCE = fixtureJob('crash-once.ts')

let chromium: StartedBrowser
let cwd: string

beforeAll(async () => {
  cwd = await makeTempDir('fanout-report-')
  mkdirSync(SHOTS, { recursive: true })
  chromium = await startChromium()
})

afterAll(async () => {
  await stopAllClis()
  await chromium?.stop()
  if (chromium) expect(isAlive(chromium.pid)).toBe(false)
  await removeTempDir(cwd)
})

/** Every (molecule, attempt) of a manifest, as `m/a`, sorted. */
function attemptsOf(manifest: Manifest): string[] {
  return manifest.molecules.flatMap((m) => m.attempts.map((a) => `${m.id}/${a.attempt}`)).sort()
}

/** Open a report, check what every report must hold, and save a screenshot. */
async function checkReport(file: string, manifest: Manifest, shot: string) {
  const { page, url, requests, errors } = await openPage(chromium.browser, file)
  await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 })
  const bars = await page
    .locator('[data-chart="timeline"] rect[data-molecule]')
    .evaluateAll((rects) =>
      rects.map((r) => `${r.getAttribute('data-molecule')}/${r.getAttribute('data-attempt')}`),
    )
  const data = JSON.parse((await page.locator(`#${REPORT_DATA_ID}`).textContent()) ?? '{}') as {
    attempts: unknown[]
    job: { id: string }
  }
  const histogram = await page.locator('#durations svg rect').count()
  await page.screenshot({ path: join(SHOTS, shot), fullPage: true })
  // Assess: one bar per attempt, the same attempts as the manifest's; nothing else loaded
  expect(bars.sort()).toEqual(attemptsOf(manifest))
  expect(data.attempts).toHaveLength(bars.length)
  expect(data.job.id).toBe(manifest.jobId)
  expect(histogram).toBeGreaterThan(0)
  expect(requests).toEqual([url])
  expect(errors).toEqual([])
  return page
}

describe('the run report in Chromium', () => {
  it('draws a local run with a retried molecule and failing atoms, and filters its errors', async () => {
    // Prepare: molecule 1's thread dies on its first attempt and is retried; atoms 3, 10, 17 throw
    const run = await runCli(
      ['run', CRASH_ONCE, '--workers', '2', '--job-id', 'local-1', '--no-progress', '--report'],
      { cwd, timeoutMs: 60_000 },
    )
    expect(run.code, run.stderr).toBe(1)
    const manifest = readManifest(cwd, 'local-1')
    expect(manifest.molecules[1]?.attempts.map((a) => a.attempt)).toEqual([1, 2])
    const file = join(cwd, '.fanout', 'jobs', 'local-1', 'report.html')

    // Act
    const page = await checkReport(file, manifest, 'local.png')

    // Assess: retries and failures in their own colours
    const kinds = await page
      .locator('[data-chart="timeline"] rect[data-kind]')
      .evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('data-kind')))])
    expect(kinds).toEqual(expect.arrayContaining(['ok', 'failed', 'retry']))
    const fills = await page
      .locator('[data-chart="timeline"] rect[data-kind]')
      .evaluateAll((rects) =>
        Object.fromEntries(rects.map((r) => [r.getAttribute('data-kind'), r.getAttribute('fill')])),
      )
    expect(new Set(Object.values(fills)).size).toBe(Object.keys(fills).length)
    // the errors table filters by any text
    const rows = page.locator('#errors-table tbody tr:not([hidden])')
    expect(await rows.count()).toBe(3)
    await page.fill('#errors-filter', 'atom 10 ')
    expect(await rows.count()).toBe(1)
    await page.fill('#errors-filter', 'no such error')
    expect(await rows.count()).toBe(0)
    await page.fill('#errors-filter', '')
    expect(await rows.count()).toBe(3)
    await page.close()
  })

  it('draws a run on the emulated cloud', async () => {
    // Prepare: the emulator, the real stack deployed to it, a run with failing atoms
    const stateDir = join(cwd, 'emulator')
    const port = await freePort()
    const started = await startEmulator({ port, stateDir })
    const pids = [started.gatewayPid, started.motoPid].filter(
      (p): p is number => typeof p === 'number',
    )
    try {
      const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }
      const deploy = await runCli(['deploy', '--target', 'localstack'], {
        cwd,
        env,
        timeoutMs: 300_000,
      })
      expect(deploy.code, deploy.stderr).toBe(0)
      const file = join(cwd, 'cloud-report.html')
      const run = await runCli(
        [
          'run',
          FAILING,
          '--target',
          'localstack',
          '--job-id',
          'cloud-1',
          '--no-progress',
          '--report',
          file,
        ],
        { cwd, env, timeoutMs: 180_000 },
      )
      expect(run.code, run.stderr).toBe(1) // 3 atoms fail
      expect(run.stdout).toContain(`  report    ${file}`)
      const status = await runCli(['status', 'cloud-1', '--target', 'localstack', '--json'], {
        cwd,
        env,
      })
      const manifest = (JSON.parse(status.stdout) as { manifest: Manifest | null }).manifest
      if (!manifest) throw new Error(`fanout status gave no manifest: ${status.stdout}`)
      const report = await runCli(
        ['report', 'cloud-1', '--target', 'localstack', '--out', join(cwd, 'again.html')],
        { cwd, env },
      )
      expect(report.code, report.stderr).toBe(0)
      expect(report.stdout.trim()).toBe(join(cwd, 'again.html'))

      // Act
      const page = await checkReport(file, manifest, 'cloud.png')

      // Assess: the cost section shows the measured bill beside the prediction
      await expect
        .poll(() => page.locator('#cost-table').textContent())
        .toMatch(/predicted \(1769 MB, \d+ molecules\)/)
      await page.close()
    } finally {
      await stopEmulator({ stateDir })
      for (const pid of pids) expect(isAlive(pid)).toBe(false)
    }
  }, 600_000)
})
