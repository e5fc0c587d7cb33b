/**
 * The user's data travels with a cloud job: `file()` and `folder()` params
 * are staged content-addressed in the stack's bucket (`data/<sha256>`,
 * skipped when there already) and replaced in the job's params by references
 * that the functions turn back into paths under their `/tmp`. Everything is
 * checked before the first byte is uploaded (see stagingChecks.ts).
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import pMap from 'p-map'
import { dataParamsOf } from '../core/data/params.js'
import { DATA_REF, type DataRef, type FolderListing } from '../core/data/refs.js'
import { atomsOf } from '../runtime/data/install.js'
import { type LocalDataAccess, listFolder } from '../runtime/data/LocalDataAccess.js'
import { dataFactKey, dataKey, folderListingKey } from '../store/layout.js'
import type { ResultStore } from '../store/ResultStore.js'
import type { PlannedJob } from './planJob.js'
import {
  checkWorkerLimits,
  type DataParamValue,
  dataParamValues,
  refuseLocalPaths,
  refuseUngrantedBuckets,
  refuseUnstagedReads,
  type WorkerLimits,
} from './stagingChecks.js'
import type { StagingEvent } from './stagingEvents.js'
import { stageFile } from './stagingUpload.js'

/** Where and how to stage. */
export interface StageRequest {
  planned: PlannedJob
  /** The cloud target, for messages. */
  target: 'localstack' | 'aws'
  /** The job store over the stack's bucket. */
  store: ResultStore
  /** The S3 client, bucket and key prefix of that store. */
  client: S3Client
  bucket: string
  prefix: string
  /** The data access the job was planned with (what its sources opened, what they computed). */
  data: LocalDataAccess
  limits: WorkerLimits
  /** The buckets the stack may read (`-c dataBuckets`). */
  dataBuckets: readonly string[] | undefined
  /** @default process.cwd() */
  cwd?: string
  onStaging?: (event: StagingEvent) => void
  signal?: AbortSignal
  /** Runs once the data is checked, before anything is uploaded. */
  beforeUpload?: () => Promise<void>
}

/** What staging did. */
export interface StageOutcome {
  /** The params to send: data params replaced by references. */
  params: unknown
  /** Files staged (a folder counts its files). */
  files: number
  /** Of them, uploaded now (the others were in the bucket already). */
  uploaded: number
  bytes: number
  uploadedBytes: number
}

/** Files staged at once (a large file also uploads its parts in parallel). */
const FILES_IN_FLIGHT = 4

/**
 * Check, then stage the data params of a planned job for a cloud target.
 *
 * @throws {@link UsageError} for data that cannot travel or would not fit (nothing is uploaded then)
 * @throws {@link StoreError} when an upload fails
 */
export async function stageJobData(request: StageRequest): Promise<StageOutcome> {
  const { planned, target, data } = request
  const cwd = request.cwd ?? process.cwd()
  const params = (planned.params ?? {}) as Record<string, unknown>
  const dataParams = dataParamsOf(planned.job.params)
  const values = dataParamValues(params, dataParams, cwd)
  refuseLocalPaths(params, dataParams, target, cwd)
  refuseUnstagedReads(data.opened, values, target)
  refuseUngrantedBuckets(data.buckets, request.dataBuckets, target)
  const listed = values.map(filesOf)
  const downloaded = values
    .map((v, i) => ({
      label: v.label,
      path: v.path,
      kind: v.param.kind,
      bytes: (listed[i]?.files ?? []).reduce((sum, f) => sum + f.size, 0),
    }))
    .filter((v) => !data.opened.has(v.path))
  const source = (await atomsOf(planned.job, planned.params)) as { maxChunkBytes?: unknown }
  const maxChunkBytes = typeof source.maxChunkBytes === 'number' ? source.maxChunkBytes : undefined
  checkWorkerLimits(downloaded, maxChunkBytes, request.limits, target)
  await request.beforeUpload?.()

  const outcome: StageOutcome = { params, files: 0, uploaded: 0, bytes: 0, uploadedBytes: 0 }
  const stage = async (path: string, size: number, name: string) => {
    const staged = await stageFile(
      request.client,
      request.bucket,
      path,
      size,
      (sha) => request.prefix + dataKey(sha),
      name,
      {
        ...(request.onStaging ? { onStaging: request.onStaging } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      },
    )
    outcome.files++
    outcome.bytes += size
    if (staged.uploaded) {
      outcome.uploaded++
      outcome.uploadedBytes += size
    }
    return staged.sha256
  }
  const refs = new Map<string, DataRef>()
  for (const [i, v] of values.entries()) {
    const { files, name } = listed[i] as ReturnType<typeof filesOf>
    if (v.param.kind === 'file') {
      const file = files[0] as { size: number }
      const sha256 = await stage(v.path, file.size, v.label)
      refs.set(v.label, { [DATA_REF]: 'file', key: dataKey(sha256), sha256, size: file.size, name })
      continue
    }
    const shas = await pMap(files, (f) => stage(f.location, f.size, `${v.label}/${f.name}`), {
      concurrency: FILES_IN_FLIGHT,
    })
    const listing: FolderListing = {
      files: files.map((f, i) => ({ name: f.name, sha256: shas[i] as string, size: f.size })),
    }
    const body = JSON.stringify(listing)
    const sha256 = createHash('sha256').update(body).digest('hex')
    await request.store.put(folderListingKey(sha256), body, { ifAbsent: true })
    refs.set(v.label, {
      [DATA_REF]: 'folder',
      key: folderListingKey(sha256),
      sha256,
      name,
      files: files.length,
      size: listing.files.reduce((s, f) => s + f.size, 0),
    })
  }
  await stageFacts(request, values, refs)
  outcome.params = withRefs(params, dataParams, refs)
  return outcome
}

/** The files a data param stages: the file itself, or every file under the folder. */
function filesOf(v: DataParamValue): {
  name: string
  files: { name: string; size: number; location: string }[]
} {
  const name = basename(v.path)
  if (v.param.kind === 'folder') return { name, files: listFolder(v.path) }
  return { name, files: [{ name, size: statSync(v.path).size, location: v.path }] }
}

/** Values the sources computed for a staged file (line indexes), kept next to it for the workers. */
async function stageFacts(
  request: StageRequest,
  values: readonly DataParamValue[],
  refs: Map<string, DataRef>,
): Promise<void> {
  for (const fact of request.data.persisted) {
    const value = values.find((v) => v.path === fact.path)
    const ref = value && refs.get(value.label)
    if (ref?.[DATA_REF] !== 'file') continue
    await request.store.put(dataFactKey(ref.sha256, fact.name), JSON.stringify(fact.value), {
      ifAbsent: true,
    })
  }
}

function withRefs(
  params: Record<string, unknown>,
  dataParams: ReturnType<typeof dataParamsOf>,
  refs: Map<string, DataRef>,
): Record<string, unknown> {
  const out = { ...params }
  for (const p of dataParams) {
    if (out[p.key] === undefined || out[p.key] === null) continue
    out[p.key] = p.many
      ? (out[p.key] as unknown[]).map((_, i) => refs.get(`${p.key}[${i}]`))
      : refs.get(p.key)
  }
  return out
}
