import { describe, expect, it } from 'vitest'
import { logKeysOf } from '../../../src/aws/lambda/logKeys.js'
import { EventValidationError } from '../../../src/contracts/errors.js'
import { jobStepEventSchema, workerEventSchema } from '../../../src/contracts/events.js'
import { readFunctionEnv } from '../../../src/contracts/functionEnv.js'
import { parseEvent } from '../../../src/contracts/parse.js'
import { UsageError } from '../../../src/core/errors.js'
import { parseJobParams } from '../../../src/core/params.js'
import { defineJob, range, z } from '../../../src/index.js'
import { bundleKeyOf, crashFromKey, crashKey, dispatchKey } from '../../../src/store/layout.js'

const sha = 'a'.repeat(64)
const worker = {
  jobId: 'j1',
  bundleKey: bundleKeyOf(sha),
  sha256: sha,
  params: {},
  moleculeId: 0,
  start: 0,
  end: 5,
  attempt: 1,
}

describe('parseEvent', () => {
  it('returns the parsed event', () => {
    // Assess
    expect(parseEvent(workerEventSchema, worker, 'worker')).toEqual(worker)
  })

  it('lists every issue by path, names the function, and refuses unknown fields', () => {
    // Act
    const bad = () =>
      parseEvent(workerEventSchema, { ...worker, sha256: 'nope', attempt: 0, extra: 1 }, 'worker')
    // Assess
    expect(bad).toThrow(EventValidationError)
    expect(bad).toThrow(
      /^the worker function got an invalid event:\n {2}sha256: .*\n {2}attempt: .*\n {2}\(event\): Unrecognized key: "extra"/,
    )
    expect(() => parseEvent(workerEventSchema, null, 'worker')).toThrow(/\(event\): /)
  })

  it("accepts a plan's job reference or a previous tally's result as a tally event", () => {
    // Prepare
    const tally = {
      jobId: 'j1',
      waitSeconds: 3,
      status: 'running',
      moleculesDone: 1,
      moleculesFailed: 0,
      molecules: 4,
      atomsFailed: 0,
      costUsd: 0.1,
      redispatched: 0,
    }
    // Assess
    expect(parseEvent(jobStepEventSchema, { jobId: 'j1', waitSeconds: 2 }, 'tally')).toEqual({
      jobId: 'j1',
      waitSeconds: 2,
    })
    expect(parseEvent(jobStepEventSchema, tally, 'tally').waitSeconds).toBe(3)
    expect(() => parseEvent(jobStepEventSchema, { job: 'j1' }, 'tally')).toThrow(
      EventValidationError,
    )
  })
})

describe('parseJobParams', () => {
  it("validates params with the job's schema, filling defaults, and names what is wrong", () => {
    // Prepare
    const job = defineJob({
      params: z.object({ n: z.number().default(3) }).strict(),
      atoms: (p) => range(p.n),
      run: (i: number) => ({ i }),
    })
    const bare = defineJob({ atoms: () => range(1), run: () => ({ x: 1 }) })
    // Assess
    expect(parseJobParams(job, {})).toEqual({ n: 3 })
    expect(parseJobParams(job, undefined)).toEqual({ n: 3 })
    expect(parseJobParams(bare, { anything: 1 })).toEqual({})
    expect(() => parseJobParams(job, { n: 'x' })).toThrow(UsageError)
    expect(() => parseJobParams(job, { n: 'x' })).toThrow(/params do not validate:\n {2}n: /)
  })
})

describe('readFunctionEnv', () => {
  it('reads the bucket, prefix, worker function and target', () => {
    // Assess
    expect(
      readFunctionEnv({ FANOUT_BUCKET: 'b', FANOUT_WORKER_FUNCTION: 'w' }, [
        'FANOUT_WORKER_FUNCTION',
      ]),
    ).toEqual({
      bucket: 'b',
      prefix: '',
      workerFunction: 'w',
      target: 'aws',
      dataBuckets: [],
      tmpDir: undefined,
    })
    expect(
      readFunctionEnv({
        FANOUT_BUCKET: 'b',
        FANOUT_DATA_BUCKETS: 'lake, ticks,',
        FANOUT_TMP: '/t',
      }),
    ).toMatchObject({ dataBuckets: ['lake', 'ticks'], tmpDir: '/t' })
    expect(
      readFunctionEnv({ FANOUT_BUCKET: 'b', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).target,
    ).toBe('localstack')
  })

  it('throws a TypeError naming the missing variable', () => {
    // Assess
    expect(() => readFunctionEnv({})).toThrow(TypeError)
    expect(() => readFunctionEnv({})).toThrow('environment variable FANOUT_BUCKET is not set')
    expect(() => readFunctionEnv({ FANOUT_BUCKET: 'b' }, ['FANOUT_WORKER_FUNCTION'])).toThrow(
      'environment variable FANOUT_WORKER_FUNCTION is not set',
    )
    expect(() => readFunctionEnv({ FANOUT_BUCKET: 'b', FANOUT_TARGET: 'mars' })).toThrow(
      /environment variable FANOUT_TARGET is invalid/,
    )
  })
})

describe('keys and log keys', () => {
  it('lays out the cloud keys and parses crash keys back', () => {
    // Assess
    expect(bundleKeyOf(sha)).toBe(`bundles/${sha}.mjs`)
    expect(dispatchKey('j1')).toBe('jobs/j1/dispatch.json')
    expect(crashKey('j1', 3, 2)).toBe('jobs/j1/crashes/000003-2.json')
    expect(crashFromKey('jobs/j1/crashes/000003-2.json')).toEqual({ moleculeId: 3, attempt: 2 })
    expect(crashFromKey('jobs/j1/partials/000003.parquet')).toBeUndefined()
  })

  it('picks the job id, molecule id and attempt from any event', () => {
    // Assess
    expect(logKeysOf(worker)).toEqual({ jobId: 'j1', moleculeId: 0, attempt: 1 })
    expect(logKeysOf({ jobId: 'j2', waitSeconds: 2 })).toEqual({ jobId: 'j2' })
    expect(logKeysOf('nonsense')).toEqual({})
  })
})
