/**
 * The user's data on fanout's emulator, one JSON line per measure:
 * - staging a 200 MB file param (BENCH_DATA_MB), first run: hashing (with
 *   the HEAD that finds the file absent), the multipart upload
 *   (@aws-sdk/lib-storage, 16 MiB parts, 4 in flight) and both together, in MB/s; second run: what it uploads (target: nothing) and
 *   how long the check takes (one hash pass and a HEAD);
 * - a chunks job over that file (8 MiB chunks), locally and on the emulated
 *   cloud: the bytes each worker read per atom against its chunk's range
 *   (target: within 1% of the range plus one line), and the job's rows.
 * Starts the emulator on a free port with its own state directory and stops it.
 */

import { once } from 'node:events'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mulberry32 } from '../src/core/random.js'
import { freePort, startEmulator, stopEmulator } from '../src/emulator/index.js'
import type { StagingEvent } from '../src/runner/index.js'
import { run } from '../src/runner/index.js'
import { cores, median, repoRoot, round, timed } from './cli.js'

const MB = 1024 * 1024
const sizeMb = Number(process.env.BENCH_DATA_MB ?? 200)
const chunkBytes = 8 * MB
const dir = mkdtempSync(join(tmpdir(), 'fanout-bench-data-'))
const root = join(dir, '.fanout')
const stateDir = join(dir, 'emulator')
const dataFile = join(dir, 'lines.csv')
const job = join(repoRoot, 'bench', 'jobs', 'chunkBytes.ts')

/** Lines of 20 to 140 bytes, `<n>,<letters>,<number>`; returns the longest line's length (newline included). */
async function writeLines(path: string, bytes: number): Promise<number> {
  const rand = mulberry32(11)
  const out = createWriteStream(path)
  let written = 0
  let longest = 0
  let n = 0
  let buffer = ''
  while (written < bytes) {
    const width = 5 + Math.floor(rand() * 120)
    const line = `${n++},${'abcdefghij'.repeat(13).slice(0, width)},${(rand() * 1000).toFixed(3)}\n`
    buffer += line
    written += line.length
    longest = Math.max(longest, line.length)
    if (buffer.length > MB) {
      if (!out.write(buffer)) await once(out, 'drain')
      buffer = ''
    }
  }
  out.end(buffer)
  await once(out, 'finish')
  return longest
}

/** A staging run's timings, from its events. */
function stagingClock() {
  const at: Partial<Record<StagingEvent['kind'], number>> = {}
  let uploaded = 0
  let skipped = false
  return {
    onStaging(e: StagingEvent) {
      const now = performance.now()
      if (e.kind === 'upload') {
        at.upload ??= now
        uploaded = Math.max(uploaded, e.loaded ?? 0)
      } else at[e.kind] ??= now
      if (e.kind === 'skip') skipped = true
      if (e.kind === 'done') uploaded = e.bytes
    },
    report() {
      const start = at.hash as number
      const hashed = at.upload ?? at.skip ?? at.done ?? start
      const end = at.done ?? at.skip ?? hashed
      return {
        start,
        hashMs: hashed - start,
        uploadMs: end - hashed,
        totalMs: end - start,
        uploaded,
        skipped,
      }
    },
  }
}

function perAtom(rows: { range: number; read: number; lines: number }[], longest: number) {
  const over = rows.map((r) => r.read - r.range)
  return {
    atoms: rows.length,
    chunkBytes,
    readPerAtom: {
      min: Math.min(...rows.map((r) => r.read)),
      median: median(rows.map((r) => r.read)),
      max: Math.max(...rows.map((r) => r.read)),
    },
    overReadBytes: { median: median(over), max: Math.max(...over) },
    // of the chunk size: the last chunk's range is only what is left of the file
    overReadPercentOfChunkMax: round((Math.max(...over) / chunkBytes) * 100, 4),
    longestLine: longest,
    withinOnePercentPlusOneLine: rows.every((r) => r.read <= r.range * 1.01 + longest),
    rows: rows.reduce((s, r) => s + r.lines, 0),
  }
}

const longest = await writeLines(dataFile, sizeMb * MB)
const port = await freePort()
await startEmulator({ port, stateDir })
process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`
try {
  const deploy = await timed(process.execPath, [
    join(repoRoot, 'bin', 'fanout.js'),
    'deploy',
    '--target',
    'localstack',
    '--root',
    root,
  ])
  if (deploy.code !== 0) throw new Error('deploy failed')
  const params = { data: dataFile, bytes: chunkBytes }
  const results: Record<string, { range: number; read: number; lines: number }[]> = {}
  for (const [label, target] of [
    ['first', 'localstack'],
    ['second', 'localstack'],
  ] as const) {
    const clock = stagingClock()
    const handle = await run(job, { target, root, params, workers: 4, onStaging: clock.onStaging })
    const s = clock.report()
    console.log(
      JSON.stringify({
        bench: 'data-staging',
        run: label,
        cores,
        fileMb: sizeMb,
        uploadedMb: round(s.uploaded / MB, 1),
        skipped: s.skipped,
        hashMs: round(s.hashMs),
        hashMBps: round(sizeMb / (s.hashMs / 1000)),
        uploadMs: round(s.uploadMs),
        uploadMBps: s.uploaded ? round(s.uploaded / MB / (s.uploadMs / 1000)) : null,
        stagingMs: round(s.totalMs),
        stagingMBps: round(sizeMb / (s.totalMs / 1000)),
      }),
    )
    if (label === 'first') {
      const rows: { range: number; read: number; lines: number }[] = []
      for await (const row of handle.rows()) rows.push(row as never)
      results.localstack = rows
    }
  }
  const local = await run(job, { target: 'local', root, params, workers: cores })
  const localRows: { range: number; read: number; lines: number }[] = []
  for await (const row of local.rows()) localRows.push(row as never)
  results.local = localRows
  for (const target of ['local', 'localstack']) {
    console.log(
      JSON.stringify({
        bench: 'data-chunk-reads',
        target,
        cores,
        fileMb: sizeMb,
        ...perAtom(results[target] ?? [], longest),
      }),
    )
  }
} finally {
  await stopEmulator({ stateDir })
  rmSync(dir, { recursive: true, force: true })
}
