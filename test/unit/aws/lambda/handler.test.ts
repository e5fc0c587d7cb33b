import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { BundleIntegrityError } from '../../../../src/aws/errors.js'
import { fanoutHandler } from '../../../../src/aws/lambda/handler.js'
import { EventValidationError } from '../../../../src/contracts/errors.js'

const context = {
  functionName: 'fanout-worker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fanout-worker',
  memoryLimitInMB: '1769',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/fanout-worker',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as unknown as Parameters<ReturnType<typeof fanoutHandler>>[1]

const schema = z.object({ jobId: z.string(), moleculeId: z.number(), attempt: z.number() }).strict()

/** The JSON lines the Powertools logger writes, parsed. */
let lines: Record<string, unknown>[]
beforeEach(() => {
  lines = []
  const write = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line))
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(write)
  vi.spyOn(process.stderr, 'write').mockImplementation(write)
})
afterEach(() => {
  vi.restoreAllMocks()
})

function workerLike(run: (event: z.output<typeof schema>) => Promise<{ rows: number }>) {
  const built: string[] = []
  const handler = fanoutHandler({
    name: 'worker',
    schema,
    deps: () => {
      built.push('deps')
      return { tag: 'deps' }
    },
    run: (event, deps) => {
      expect(deps).toEqual({ tag: 'deps' })
      return run(event)
    },
    describe: (result, event) => [`molecule ${event.moleculeId} stored`, { rows: result.rows }],
  })
  return { handler, built }
}

describe('fanoutHandler', () => {
  it('runs the parsed event, builds its dependencies once, and logs with the event keys', async () => {
    // Prepare
    const { handler, built } = workerLike(async () => ({ rows: 7 }))
    // Act
    const first = await handler({ jobId: 'j1', moleculeId: 3, attempt: 1 }, context)
    const second = await handler({ jobId: 'j1', moleculeId: 4, attempt: 2 }, context)
    // Assess
    expect(first).toEqual({ rows: 7 })
    expect(second).toEqual({ rows: 7 })
    expect(built).toEqual(['deps'])
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'molecule 3 stored',
      service: 'fanout-worker',
      jobId: 'j1',
      moleculeId: 3,
      attempt: 1,
      rows: 7,
      function_request_id: 'req-1',
    })
    expect(lines[0]?.ms).toEqual(expect.any(Number))
    expect(lines[1]).toMatchObject({ moleculeId: 4, attempt: 2 })
  })

  it('rejects a bad event with EventValidationError, logged with the keys it names', async () => {
    // Prepare
    const { handler, built } = workerLike(async () => ({ rows: 0 }))
    // Act
    const error = await handler({ jobId: 'j2', moleculeId: 5, attempt: 'one' }, context).catch(
      (e: unknown) => e,
    )
    // Assess
    expect(error).toBeInstanceOf(EventValidationError)
    expect((error as Error).name).toBe('EventValidationError')
    expect(built).toEqual([])
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      message: 'worker failed',
      jobId: 'j2',
      moleculeId: 5,
      error: { name: 'EventValidationError' },
    })
  })

  it("rethrows run's error itself, so Lambda's errorType is fanout's class name, and forgets the keys", async () => {
    // Prepare
    const thrown = new BundleIntegrityError('bundles/x.mjs', 'a', 'b', 'bundle hash mismatch')
    const { handler } = workerLike(async (event) => {
      if (event.moleculeId === 1) throw thrown
      return { rows: 1 }
    })
    // Act
    const error = await handler({ jobId: 'j3', moleculeId: 1, attempt: 1 }, context).catch(
      (e: unknown) => e,
    )
    await handler({ jobId: 'j4' }, context).catch(() => undefined)
    // Assess
    expect(error).toBe(thrown)
    expect((error as Error).name).toBe('BundleIntegrityError')
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      moleculeId: 1,
      error: { message: 'bundle hash mismatch' },
    })
    expect(lines[1]).toMatchObject({ jobId: 'j4' })
    expect(lines[1]).not.toHaveProperty('moleculeId')
  })
})
