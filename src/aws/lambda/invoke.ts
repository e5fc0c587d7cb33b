import type { WorkerEvent } from '../../contracts/events.js'
import { UsageError } from '../../core/errors.js'

/** Starts one worker invocation for a molecule, asynchronously; resolves once it is accepted. */
export type WorkerInvoker = (event: WorkerEvent) => Promise<void>

/** Largest event of an asynchronous Lambda invocation, bytes (1 MB). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024

const encoder = new TextEncoder()

/**
 * A worker event as the bytes of an asynchronous invocation.
 *
 * @throws {UsageError} when it is over Lambda's 1 MB limit for `Event` invocations
 */
export function encodeWorkerEvent(event: WorkerEvent): Uint8Array {
  const payload = encoder.encode(JSON.stringify(event))
  if (payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES) {
    throw new UsageError(
      `the worker event of molecule ${event.moleculeId} is ${payload.byteLength} bytes, over Lambda's ${MAX_ASYNC_PAYLOAD_BYTES}-byte limit for asynchronous invocations: the job's params are too large; keep large inputs in S3 and load them in the job's setup`,
    )
  }
  return payload
}
