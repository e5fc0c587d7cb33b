// Public surface of fanout's Docker-less local cloud, for the CLI (`fanout emulator start|stop|status`,
// `fanout logs`) and for tests.
export { type EmulatorFiles, resolveEmulatorFiles } from './emulatorFiles.js'
export { DEFAULT_STATE_DIR, type EmulatorInfo } from './emulatorState.js'
export { type EmulatorStatus, emulatorStatus } from './emulatorStatus.js'
export { EmulatorError, ZipError } from './errors.js'
export { type ExtractZipOptions, extractZip, MAX_UNZIPPED_BYTES } from './extractZip.js'
export { HEALTH_PATH } from './fanoutRoutes.js'
export { type Gateway, type GatewayOptions, startGateway } from './gateway.js'
export {
  DEFAULT_PORT,
  type StartEmulatorOptions,
  type StartEmulatorResult,
  type StopEmulatorResult,
  startEmulator,
  stopEmulator,
} from './lifecycle.js'
export { freePort } from './localNet.js'
export {
  functionLogPath,
  type LogEvent,
  listFunctionLogs,
  logsDir,
  type ReadLogsOptions,
  readFunctionLogs,
} from './logs.js'
export { MOTO_INSTALL_COMMAND, REQUIRED_MOTO_VERSION } from './motoCheck.js'
export { describeRuntimeNode, NodeSelector, type RuntimeNode } from './NodeSelector.js'
export {
  type FindNodeOptions,
  findNodeBinary,
  type NodeBinary,
  type NodeSource,
  runtimeNodeMajor,
} from './nodeBinary.js'
export { readZipEntries, readZipEntry, unzip, type ZipEntry } from './zip.js'
