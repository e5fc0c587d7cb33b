import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { describe, expect, it } from 'vitest'
import { DispatchError } from '../../../src/cloud/errors.js'
import {
  lambdaClientConfig,
  lambdaInvoker,
  MAX_ASYNC_PAYLOAD_BYTES,
} from '../../../src/cloud/lambdaInvoker.js'
import type { WorkerEvent } from '../../../src/core/cloudEvents.js'
import { UsageError } from '../../../src/core/errors.js'

const event: WorkerEvent = {
  jobId: 'j1',
  bundleKey: `bundles/${'a'.repeat(64)}.mjs`,
  sha256: 'a'.repeat(64),
  params: { n: 1 },
  moleculeId: 4,
  start: 10,
  end: 20,
  attempt: 2,
}

function fakeClient(answer: { StatusCode?: number; FunctionError?: string }) {
  const sent: InvokeCommand[] = []
  const client = {
    send: async (command: InvokeCommand) => {
      sent.push(command)
      return answer
    },
  } as unknown as LambdaClient
  return { client, sent }
}

describe('lambdaInvoker', () => {
  it('invokes the function asynchronously with the event as JSON', async () => {
    // Prepare
    const { client, sent } = fakeClient({ StatusCode: 202 })
    // Act
    await lambdaInvoker(client, 'fanout-worker')(event)
    // Assess
    expect(sent).toHaveLength(1)
    const input = sent[0]?.input
    expect(input?.FunctionName).toBe('fanout-worker')
    expect(input?.InvocationType).toBe('Event')
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual(event)
  })

  it('throws a DispatchError for any answer but 202', async () => {
    // Prepare
    const { client } = fakeClient({ StatusCode: 200, FunctionError: 'Unhandled' })
    // Act
    const invoke = lambdaInvoker(client, 'fanout-worker')(event)
    // Assess
    await expect(invoke).rejects.toThrow(DispatchError)
    await expect(lambdaInvoker(client, 'w')(event)).rejects.toThrow(
      'invoking w for molecule 4 (attempt 2) answered 200 (Unhandled), not 202',
    )
  })

  it('refuses an event over the 1 MB async limit before sending it', async () => {
    // Prepare
    const { client, sent } = fakeClient({ StatusCode: 202 })
    const big = { ...event, params: { blob: 'x'.repeat(MAX_ASYNC_PAYLOAD_BYTES) } }
    // Act
    const invoke = lambdaInvoker(client, 'w')(big)
    // Assess
    await expect(invoke).rejects.toThrow(UsageError)
    expect(sent).toHaveLength(0)
  })
})

describe('lambdaClientConfig', () => {
  it('uses adaptive retries, and test credentials only for an endpoint without credentials in the environment', () => {
    // Act
    const local = lambdaClientConfig({ env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4598' } })
    const withKeys = lambdaClientConfig({
      env: { AWS_ENDPOINT_URL: 'http://x', AWS_ACCESS_KEY_ID: 'k' },
    })
    const aws = lambdaClientConfig({ env: { AWS_REGION: 'eu-west-1' } })
    // Assess
    expect(local).toMatchObject({
      endpoint: 'http://127.0.0.1:4598',
      retryMode: 'adaptive',
      credentials: { accessKeyId: 'test' },
    })
    expect(withKeys.credentials).toBeUndefined()
    expect(aws).toMatchObject({ region: 'eu-west-1', retryMode: 'adaptive' })
    expect(aws.endpoint).toBeUndefined()
    expect(aws.credentials).toBeUndefined()
  })
})
