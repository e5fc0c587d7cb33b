// Public surface of fanout's Docker-less local cloud, for the CLI (`fanout emulator start|stop|status`,
// `fanout logs`) and for tests.
export {
  DEFAULT_PORT,
  DEFAULT_STATE_DIR,
  type EmulatorFiles,
  type EmulatorInfo,
  type EmulatorStatus,
  emulatorStatus,
  freePort,
  MOTO_INSTALL_COMMAND,
  REQUIRED_MOTO_VERSION,
  resolveEmulatorFiles,
  type StartEmulatorOptions,
  type StartEmulatorResult,
  type StopEmulatorResult,
  startEmulator,
  stopEmulator,
} from './Emulator.js'
export { EmulatorError, ZipError } from './errors.js'
export { type ExtractZipOptions, extractZip, MAX_UNZIPPED_BYTES } from './extractZip.js'
export { type Gateway, type GatewayOptions, HEALTH_PATH, startGateway } from './gateway.js'
export {
  functionLogPath,
  type LogEvent,
  listFunctionLogs,
  logsDir,
  type ReadLogsOptions,
  readFunctionLogs,
} from './logs.js'
export { readZipEntries, readZipEntry, unzip, type ZipEntry } from './zip.js'
