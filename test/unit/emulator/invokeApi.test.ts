import { describe, expect, it } from 'vitest'
import { lookupKey, missingFunctionArn } from '../../../src/emulator/functionConfig.js'
import {
  ASYNC_PAYLOAD_LIMIT,
  checkInvocation,
  outcomeReply,
  SYNC_PAYLOAD_LIMIT,
} from '../../../src/emulator/invokeApi.js'
import { motoAuthorization } from '../../../src/emulator/motoClient.js'

const target = { functionName: 'f', runtime: 'nodejs22.x', packageType: 'Zip' }

describe('checkInvocation', () => {
  it('lets a JSON or empty payload of a Node.js zip function through', () => {
    // Act
    const answers = [
      checkInvocation(target, 'RequestResponse', Buffer.from('{"n":1}'), 'r'),
      checkInvocation(target, 'Event', Buffer.from(''), 'r'),
    ]
    // Assess
    expect(answers).toEqual([undefined, undefined])
  })

  it.each([
    [{ ...target, runtime: 'python3.12' }, 'RequestResponse', '{}', 502, 'InvalidRuntimeException'],
    [{ ...target, packageType: 'Image' }, 'RequestResponse', '{}', 502, 'InvalidRuntimeException'],
    [target, 'RequestResponse', 'not json', 400, 'InvalidRequestContentException'],
    [target, 'Event', `"${'x'.repeat(ASYNC_PAYLOAD_LIMIT)}"`, 413, 'RequestTooLargeException'],
    [
      target,
      'RequestResponse',
      `"${'x'.repeat(SYNC_PAYLOAD_LIMIT)}"`,
      413,
      'RequestTooLargeException',
    ],
  ])('refuses %o %s with %i %s', (t, type, payload, status, errorType) => {
    // Act
    const answer = checkInvocation(t, type, Buffer.from(payload), 'req-1')
    // Assess
    expect(answer).toMatchObject({
      status,
      headers: { 'x-amzn-errortype': errorType, 'x-amzn-requestid': 'req-1' },
    })
  })
})

describe('outcomeReply', () => {
  it('answers a result, a function error with Unhandled, and the log tail', () => {
    // Prepare
    const base = { requestId: 'r', timedOut: false, durationMs: 1 }
    // Act
    const ok = outcomeReply({ ...base, payload: '{"a":1}', logLines: ['START', 'END'] }, {})
    const failed = outcomeReply({ ...base, error: { errorType: 'Error', errorMessage: 'x' } }, {})
    const huge = outcomeReply({ ...base, payload: `"${'x'.repeat(SYNC_PAYLOAD_LIMIT)}"` }, {})
    // Assess
    expect(ok).toMatchObject({ status: 200, body: '{"a":1}' })
    expect(Buffer.from(ok.headers['x-amz-log-result'] ?? '', 'base64').toString()).toBe(
      'START\nEND\n',
    )
    expect(failed.headers['x-amz-function-error']).toBe('Unhandled')
    expect(JSON.parse(failed.body)).toEqual({ errorType: 'Error', errorMessage: 'x' })
    expect(JSON.parse(huge.body).errorType).toBe('Function.ResponseSizeTooLarge')
  })
})

describe('lookupKey', () => {
  it('splits names, partial names and ARNs; takes the region from the ARN, else the signature', () => {
    // Prepare
    const authorization = motoAuthorization('lambda', 'eu-west-1', 'AKIDEXAMPLE')
    // Act
    const keys = [
      lookupKey({ functionName: 'worker', authorization }),
      lookupKey({ functionName: 'worker:live' }),
      lookupKey({ functionName: 'arn:aws:lambda:ap-south-1:123456789012:function:worker:7' }),
    ]
    // Assess
    expect(keys).toEqual([
      { name: 'worker', qualifier: undefined, region: 'eu-west-1', accessKey: 'AKIDEXAMPLE' },
      { name: 'worker', qualifier: 'live', region: 'us-east-1', accessKey: 'test' },
      { name: 'worker', qualifier: '7', region: 'ap-south-1', accessKey: 'test' },
    ])
    expect(missingFunctionArn(keys[1] as never)).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:worker:live',
    )
  })
})
