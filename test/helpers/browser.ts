/**
 * A real headless Chromium for report tests: Debian's `/usr/bin/chromium`,
 * started here as a child process (so the test owns its pid and stops it by
 * pid) with a fresh profile and no background networking, driven over the
 * DevTools protocol by playwright-core. `openPage` records every request the
 * page makes (and aborts any but the file itself) and every console error.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { isAlive } from './process.js'

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = '/usr/bin/chromium'

/** The flags every run of the browser gets. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** A Chromium this test started. */
export interface StartedBrowser {
  pid: number
  browser: Browser
  /** Close the connection, stop the process by its pid, remove the profile. */
  stop(): Promise<void>
}

/** Start Chromium with a fresh profile and connect to it. */
export async function startChromium(): Promise<StartedBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'fanout-chromium-'))
  const child: ChildProcess = spawn(
    CHROMIUM,
    [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    // its own temp folder inside the profile (Chromium leaves an org.chromium.* folder in TMPDIR)
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: profile } },
  )
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${CHROMIUM}`)
  const endpoint = await new Promise<string>((resolve, reject) => {
    let err = ''
    const timer = setTimeout(
      () => reject(new Error(`Chromium gave no DevTools endpoint in 30 s:\n${err}`)),
      30_000,
    )
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8')
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
      if (m) {
        clearTimeout(timer)
        resolve(m[1] as string)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`Chromium exited ${code} before listening:\n${err}`))
    })
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const browser = await chromium.connectOverCDP(endpoint)
  return {
    pid,
    browser,
    async stop() {
      await browser.close().catch(() => undefined)
      if (isAlive(pid)) process.kill(pid, 'SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
      if (isAlive(pid)) process.kill(pid, 'SIGKILL')
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** A page opened on a local file, with what it asked for and what it logged. */
export interface OpenedPage {
  page: Page
  url: string
  /** Every request the page made, the file itself included. */
  requests: string[]
  /** Console errors and uncaught exceptions. */
  errors: string[]
}

/**
 * Open `file` in a new page: every request but the file itself is recorded
 * and aborted; console errors and page errors are recorded.
 */
export async function openPage(browser: Browser, file: string): Promise<OpenedPage> {
  const url = pathToFileURL(file).href
  const context = browser.contexts()[0] ?? (await browser.newContext())
  const page = await context.newPage()
  await page.setViewportSize({ width: 1280, height: 900 })
  const requests: string[] = []
  const errors: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`))
  await page.route('**/*', (route) =>
    route.request().url() === url ? route.continue() : route.abort('blockedbyclient'),
  )
  await page.goto(url)
  return { page, url, requests, errors }
}
