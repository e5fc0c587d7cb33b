/**
 * The IPC messages between the gateway and its Lambda runtime children
 * (`child_process.fork` of `dist/lambdaRuntime.js`). A child loads one
 * handler at start and then runs one invocation at a time.
 */

/** Lambda's error body: what `X-Amz-Function-Error: Unhandled` responses carry. */
export interface LambdaErrorBody {
  errorType: string
  errorMessage: string
  trace?: string[]
}

/** Static facts of the function, for the handler's `context`. */
export interface RuntimeFunctionInfo {
  functionName: string
  functionVersion: string
  invokedFunctionArn: string
  memoryLimitInMB: string
  logGroupName: string
  logStreamName: string
}

/** Gateway → child: run one invocation. */
export interface InvokeMessage {
  type: 'invoke'
  requestId: string
  /** The event, as the JSON text the caller sent. */
  payload: string
  /** Epoch ms at which the invocation times out. */
  deadlineMs: number
  function: RuntimeFunctionInfo
  /** Base64 JSON of `X-Amz-Client-Context`, if any. */
  clientContext?: string
  /** An injected fault (`FANOUT_FAULTS`, emulator only), met at the partial's write. */
  fault?: 'crash' | 'hang' | 's3'
}

/** Child → gateway: the handler module loaded. */
export interface ReadyMessage {
  type: 'ready'
  initDurationMs: number
}

/** Child → gateway: the handler module failed to load; the child exits next. */
export interface InitErrorMessage {
  type: 'initError'
  error: LambdaErrorBody
  initDurationMs: number
}

/** Child → gateway: one console line of the handler. */
export interface LogMessage {
  type: 'log'
  /** The CloudWatch-like line: `<requestId>\t<LEVEL>\t<text>`. */
  message: string
}

/** Child → gateway: the outcome of one invocation. */
export interface ResultMessage {
  type: 'result'
  requestId: string
  /** The handler's return value as JSON text, or its error. */
  payload?: string
  error?: LambdaErrorBody
  /** Peak resident memory of the child, in MB. */
  maxMemoryUsedMb: number
  /** True when the child exits after this result (an uncaught error). */
  exiting?: boolean
}

/** Every message a child sends. */
export type ChildMessage = ReadyMessage | InitErrorMessage | LogMessage | ResultMessage
