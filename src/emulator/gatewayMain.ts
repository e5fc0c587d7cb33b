/**
 * Process entry of the emulator's gateway (built to `dist/emulatorGateway.js`),
 * started detached by `startEmulator`. Settings come from flags or the
 * environment:
 *
 * | flag | env | meaning |
 * |---|---|---|
 * | `--port` | `FANOUT_GATEWAY_PORT` | port to listen on (default 4566) |
 * | `--moto-port` | `FANOUT_MOTO_PORT` | moto's private port (required) |
 * | `--state-dir` | `FANOUT_EMULATOR_STATE_DIR` | logs and code cache (default `.fanout/emulator`) |
 * | `--runtime` | `FANOUT_LAMBDA_RUNTIME` | path of `lambdaRuntime.js` (default: next to this file) |
 * | `--max-processes` | `FANOUT_EMULATOR_MAX_PROCESSES` | most processes per function |
 * | | `FANOUT_NODE_<major>` | the Node binary for `nodejs<major>.x` functions (see nodeBinary.ts) |
 * | | `FANOUT_EMULATOR_SANDBOX` | `off`: function processes may read the whole host (default: only their code and /tmp, see sandbox.ts) |
 *
 * Stops cleanly (every Lambda process included) on SIGTERM or SIGINT.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startGateway } from './gateway.js'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'moto-port': { type: 'string' },
      'state-dir': { type: 'string' },
      runtime: { type: 'string' },
      'max-processes': { type: 'string' },
    },
  })
  const env = process.env
  const port = Number(values.port ?? env.FANOUT_GATEWAY_PORT ?? 4566)
  const motoPort = Number(values['moto-port'] ?? env.FANOUT_MOTO_PORT)
  const stateDir = resolve(
    values['state-dir'] ?? env.FANOUT_EMULATOR_STATE_DIR ?? '.fanout/emulator',
  )
  const runtimePath =
    values.runtime ??
    env.FANOUT_LAMBDA_RUNTIME ??
    join(dirname(fileURLToPath(import.meta.url)), 'lambdaRuntime.js')
  const maxProcesses = values['max-processes'] ?? env.FANOUT_EMULATOR_MAX_PROCESSES
  if (!Number.isInteger(motoPort) || motoPort <= 0) {
    process.stderr.write("emulatorGateway: give moto's port with --moto-port or FANOUT_MOTO_PORT\n")
    process.exit(2)
  }
  const gateway = await startGateway({
    port,
    motoPort,
    stateDir,
    runtimePath,
    ...(maxProcesses ? { maxProcessesPerFunction: Number(maxProcesses) } : {}),
    ...(env.FANOUT_EMULATOR_SANDBOX === 'off' ? { sandbox: false } : {}),
  })
  process.stderr.write(
    `fanout emulator gateway on ${gateway.url} (moto on ${motoPort}, pid ${process.pid})\n`,
  )
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => process.exit(0), 3000)
    force.unref()
    gateway.close().finally(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`fanout emulator gateway failed: ${(error as Error).message}\n`)
  process.exit(1)
})
