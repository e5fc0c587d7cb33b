/**
 * What the runner checks before it stages anything for a cloud target, each
 * failure one line that says what to change: data params that name no file
 * or folder; plain string params that name a local file (which would not
 * travel); sources that read a local path that is no data param; data
 * buckets the stack may not read; and the worker's limits (its `/tmp` and
 * its memory) against the data it would hold.
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { DataParam } from '../core/data/params.js'
import { UsageError } from '../core/errors.js'

/** Lambda's default ephemeral storage, assumed for a stack deployed before fanout recorded it. */
export const LAMBDA_DEFAULT_EPHEMERAL_MB = 512
/** Room in a worker's `/tmp` kept for what else lives there (job bundles). */
export const TMP_RESERVE_MB = 64
/** A chunk may take up to this fraction of a worker's memory (it is held whole, with its parsed rows). */
export const CHUNK_MEMORY_FRACTION = 0.25

const MB = 1024 * 1024

/** `1.5 GB`, `300.0 MB`, `12 KB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(1)} GB`
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`
  return `${Math.ceil(bytes / 1024)} KB`
}

/** One data param value, resolved and checked. */
export interface DataParamValue {
  /** `prices`, or `files[2]` for an array element. */
  label: string
  param: DataParam
  /** The value as given. */
  value: string
  /** Its absolute path. */
  path: string
}

/**
 * The data param values of `params`, each checked to name what its kind says.
 *
 * @throws {@link UsageError} naming the param, the path, and what it is instead
 */
export function dataParamValues(
  params: Record<string, unknown>,
  dataParams: readonly DataParam[],
  cwd: string,
): DataParamValue[] {
  const out: DataParamValue[] = []
  for (const param of dataParams) {
    const raw = params[param.key]
    if (raw === undefined || raw === null) continue
    const values = param.many ? (raw as unknown[]) : [raw]
    values.forEach((value, i) => {
      const label = param.many ? `${param.key}[${i}]` : param.key
      const path = resolve(cwd, String(value))
      const stats = existsSync(path) ? statSync(path) : undefined
      const want = param.kind === 'file' ? 'file' : 'folder'
      const is = stats?.isFile() ? 'file' : stats?.isDirectory() ? 'folder' : undefined
      if (is !== want) {
        throw new UsageError(
          `--param ${label}=${String(value)}: ${is ? `is a ${is}, not a ${want}` : `no ${want} at ${path}`} (a ${param.kind}() param names a local ${want})`,
        )
      }
      out.push({ label, param, value: String(value), path })
    })
  }
  return out
}

/**
 * A plain string param (not `file()`/`folder()`) whose value names an
 * existing local file or folder cannot travel to a cloud target: refuse it,
 * naming the param and `file()`.
 *
 * @throws {@link UsageError}
 */
export function refuseLocalPaths(
  params: Record<string, unknown>,
  dataParams: readonly DataParam[],
  target: string,
  cwd: string,
): void {
  const data = new Set(dataParams.map((p) => p.key))
  for (const [key, value] of Object.entries(params)) {
    if (data.has(key)) continue
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string' || v === '' || v === '.' || v === '..') continue
      const path = resolve(cwd, v)
      if (!existsSync(path)) continue
      const kind = statSync(path).isDirectory() ? 'folder' : 'file'
      const fix = kind === 'file' ? 'file()' : 'folder()'
      throw new UsageError(
        `--param ${key}=${v} names a local ${kind}, which --target ${target} cannot read (its functions see only their own /tmp): declare ${key} as ${fix} in the job's params (import { ${kind === 'file' ? 'file' : 'folder'} } from 'fanout'), and fanout stages it with the job`,
      )
    }
  }
}

/**
 * Sources (`chunks`, `objects`) may read only data params on a cloud target.
 *
 * @throws {@link UsageError} naming the path a source opened
 */
export function refuseUnstagedReads(
  opened: Iterable<string>,
  values: readonly DataParamValue[],
  target: string,
): void {
  const staged = new Set(values.map((v) => v.path))
  for (const path of opened) {
    if (staged.has(path)) continue
    throw new UsageError(
      `the job's atoms read ${path}, which --target ${target} cannot read: pass it as a param declared file() (or folder() for a folder), so that fanout stages it with the job`,
    )
  }
}

/**
 * `objects('s3://<bucket>/...')` works only for buckets the stack was
 * deployed to read.
 *
 * @throws {@link UsageError} naming the redeploy command
 */
export function refuseUngrantedBuckets(
  used: Iterable<string>,
  granted: readonly string[] | undefined,
  target: string,
): void {
  const allowed = granted ?? []
  for (const bucket of used) {
    if (allowed.includes(bucket)) continue
    throw new UsageError(
      `objects() reads the bucket ${bucket}, which the stack may not read (it reads ${allowed.length ? allowed.join(', ') : 'no data buckets'}): redeploy with \`fanout deploy --target ${target} -c dataBuckets=${[...allowed, bucket].join(',')}\``,
    )
  }
}

/** The worker's limits, as deployed. */
export interface WorkerLimits {
  memoryMb: number
  ephemeralStorageMb: number
}

/**
 * The data a worker downloads must fit its `/tmp`, each downloaded file param
 * its memory (a job reads it whole in `setup`), and each chunk a quarter of it.
 *
 * @param downloaded - the data params downloaded whole, with their sizes
 * @param maxChunkBytes - the largest chunk of the job's `chunks` source, if any
 * @throws {@link UsageError} saying what to redeploy or change
 */
export function checkWorkerLimits(
  downloaded: readonly { label: string; bytes: number; kind: 'file' | 'folder' }[],
  maxChunkBytes: number | undefined,
  limits: WorkerLimits,
  target: string,
): void {
  const total = downloaded.reduce((sum, d) => sum + d.bytes, 0)
  const room = (limits.ephemeralStorageMb - TMP_RESERVE_MB) * MB
  if (total > room) {
    const what = downloaded.map((d) => `${d.label} (${formatBytes(d.bytes)})`).join(', ')
    const need = Math.min(10240, Math.ceil(total / MB + TMP_RESERVE_MB))
    throw new UsageError(
      `the data params ${what} need ${formatBytes(total)} of the worker's /tmp, which holds ${limits.ephemeralStorageMb} MB on this stack: redeploy with \`fanout deploy --target ${target} -c workerEphemeralStorageMb=${need}\` (512 to 10240)${need >= 10240 ? ', and' : ', or'} read the largest with chunks() or objects(), which read by range and download nothing`,
    )
  }
  const memory = limits.memoryMb * MB
  for (const d of downloaded) {
    if (d.kind !== 'file' || d.bytes <= memory) continue
    throw new UsageError(
      `--param ${d.label} names ${formatBytes(d.bytes)}, more than the worker's ${limits.memoryMb} MB of memory, so setup cannot read it whole: redeploy with \`fanout deploy --target ${target} -c workerMemoryMb=${Math.min(10240, Math.ceil((d.bytes * 1.5) / MB))}\` (up to 10240), or read it chunk by chunk with chunks()`,
    )
  }
  if (maxChunkBytes !== undefined && maxChunkBytes > memory * CHUNK_MEMORY_FRACTION) {
    const fits = Math.floor((memory * CHUNK_MEMORY_FRACTION) / MB)
    throw new UsageError(
      `the job's chunks hold up to ${formatBytes(maxChunkBytes)}, more than a quarter of the worker's ${limits.memoryMb} MB of memory (a chunk is held whole, with its parsed rows): cut smaller chunks (e.g. { bytes: ${fits} * 1024 * 1024 } or fewer rows), or redeploy with \`fanout deploy --target ${target} -c workerMemoryMb=...\``,
    )
  }
}
