import { describe, expect, it } from 'vitest'
import { isRetryableAwsError, withRetry } from '../../../src/aws/retry.js'

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
