import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { isRetryableAwsError, sleep, withRetry } from '../../../src/aws/retry.js'

function awsError(name: string, status: number) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })
}

describe('isRetryableAwsError', () => {
  it('retries throttling, server errors and dropped connections, not client errors', () => {
    // Assess
    expect(isRetryableAwsError(awsError('TooManyRequestsException', 429))).toBe(true)
    expect(isRetryableAwsError(awsError('ServiceException', 500))).toBe(true)
    expect(isRetryableAwsError(awsError('EC2ThrottledException', 502))).toBe(true)
    expect(
      isRetryableAwsError(Object.assign(new Error('x'), { name: 'ThrottlingException' })),
    ).toBe(true)
    expect(isRetryableAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      true,
    )
    expect(isRetryableAwsError(awsError('SlowDown', 503))).toBe(true)
    expect(
      isRetryableAwsError(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
        }),
      ),
    ).toBe(true)
    expect(isRetryableAwsError(new DOMException('timed out', 'TimeoutError'))).toBe(true)
    expect(
      isRetryableAwsError(new TypeError('fetch failed', { cause: new Error('bad cert') })),
    ).toBe(false)
    expect(isRetryableAwsError(awsError('ResourceNotFoundException', 404))).toBe(false)
    expect(isRetryableAwsError(awsError('AccessDeniedException', 403))).toBe(false)
    expect(isRetryableAwsError(new TypeError('bug'))).toBe(false)
    expect(isRetryableAwsError(undefined)).toBe(false)
  })
})

describe('withRetry', () => {
  it('backs off exponentially with full jitter until a try succeeds', async () => {
    // Prepare
    const delays: number[] = []
    let calls = 0
    // Act
    const value = await withRetry(
      async () => {
        calls++
        if (calls < 4) throw awsError('TooManyRequestsException', 429)
        return 'ok'
      },
      {
        baseDelayMs: 100,
        maxDelayMs: 250,
        random: () => 0.5,
        sleep: async (ms) => void delays.push(ms),
      },
    )
    // Assess: ceilings 100, 200, 250 (capped), halved by the jitter
    expect(value).toBe('ok')
    expect(delays).toEqual([50, 100, 125])
    expect(calls).toBe(4)
  })

  it('gives up after `tries`, with the last error, and never retries an incurable one', async () => {
    // Prepare
    let calls = 0
    const sleep = async () => undefined
    // Act
    const throttled = withRetry(
      async () => {
        calls++
        throw awsError('TooManyRequestsException', 429)
      },
      { tries: 3, sleep },
    )
    // Assess
    await expect(throttled).rejects.toThrow('TooManyRequestsException')
    expect(calls).toBe(3)
    calls = 0
    await expect(
      withRetry(
        async () => {
          calls++
          throw awsError('ResourceNotFoundException', 404)
        },
        { sleep },
      ),
    ).rejects.toThrow('ResourceNotFoundException')
    expect(calls).toBe(1)
  })

  it('names a bad tries option', async () => {
    // Assess
    await expect(withRetry(async () => 1, { tries: 0 })).rejects.toThrow(
      'Expected tries to be an integer from 1 and up, got 0 (number)',
    )
  })
})

describe('withRetry: tries and signals', () => {
  it('numbers the tries for fn and reports each retry before its wait', async () => {
    // Prepare
    const seen: number[] = []
    const retries: [string, number, number][] = []
    // Act
    await withRetry(
      async (tryNumber) => {
        seen.push(tryNumber)
        if (tryNumber < 3) throw awsError('SlowDown', 503)
      },
      {
        random: () => 1,
        baseDelayMs: 10,
        sleep: async () => undefined,
        onRetry: (error, n, ms) => retries.push([(error as Error).name, n, ms]),
      },
    )
    // Assess
    expect(seen).toEqual([1, 2, 3])
    expect(retries).toEqual([
      ['SlowDown', 1, 10],
      ['SlowDown', 2, 20],
    ])
  })

  it('stops waiting and rejects with the reason when its signal aborts', async () => {
    // Prepare
    const controller = new AbortController()
    const reason = new Error('interrupted')
    let calls = 0
    // Act
    const retried = withRetry(
      async () => {
        calls++
        setTimeout(() => controller.abort(reason), 5)
        throw awsError('TooManyRequestsException', 429)
      },
      { signal: controller.signal, baseDelayMs: 60_000, random: () => 1 },
    )
    // Assess: the minute-long wait ended with the abort, before a second try
    await expect(retried).rejects.toBe(reason)
    expect(calls).toBe(1)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})

describe('sleep', () => {
  it('leaves no abort listener behind, however many times it waits on one signal', async () => {
    // Prepare
    const controller = new AbortController()
    // Act
    for (let i = 0; i < 50; i++) await sleep(0, controller.signal)
    const pending = sleep(60_000, controller.signal)
    const during = getEventListeners(controller.signal, 'abort').length
    controller.abort()
    await pending
    // Assess
    expect(during).toBe(1)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})
