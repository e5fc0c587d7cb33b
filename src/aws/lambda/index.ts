// The cloud path's logic, called by the thin Lambda handlers in functions/ (and by tests):
// plan, worker, tally and reduce over a ResultStore, a bundle loader and a worker invoker.

export {
  type FunctionEnv,
  functionEnvSchema,
  readFunctionEnv,
} from '../../contracts/functionEnv.js'
export {
  type JobStepEvent,
  jobStepEventSchema,
  parseEvent,
  parseJobParams,
} from '../../contracts/parse.js'
export {
  BundleCache,
  type BundleCacheOptions,
  type BundleLoader,
  type LoadedBundle,
  sha256Hex,
} from '../../runtime/bundleCache.js'
export { loadManifest, saveManifest } from '../../store/manifests.js'
export {
  BundleIntegrityError,
  BundleMissingError,
  DispatchError,
  EventValidationError,
  ManifestError,
} from '../errors.js'
export { isRetryableAwsError, type RetryOptions, withRetry } from '../retry.js'
export { functionStore, functionWorkerInvoker } from './clients.js'
export {
  type DispatchOptions,
  type DispatchReport,
  dispatchMolecules,
  workerEventFor,
} from './dispatch.js'
export { fetchInvoker } from './fetchInvoker.js'
export { encodeWorkerEvent, MAX_ASYNC_PAYLOAD_BYTES, type WorkerInvoker } from './invoke.js'
export {
  bundleKeyOf,
  crashesPrefix,
  crashFromKey,
  crashKey,
  type DispatchRecord,
  dispatchKey,
} from './keys.js'
export { logKeysOf } from './logKeys.js'
export { type PlanDeps, planCloud } from './planStep.js'
export { type ReduceDeps, type ReduceResult, reduceCloud, summaryJson } from './reduceStep.js'
export { type TallyDeps, type TallyRequest, tallyCloud } from './tallyStep.js'
export { type CrashRecord, runWorker, type WorkerDeps, type WorkerOutcome } from './workerStep.js'
