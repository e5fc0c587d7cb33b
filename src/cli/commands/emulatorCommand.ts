/** `fanout emulator start|stop|status`: fanout's Docker-less local AWS. */
export async function emulatorCommand(
  action: 'start' | 'stop' | 'status',
  options: { port?: number; stateDir?: string },
): Promise<number> {
  const { startEmulator, stopEmulator, emulatorStatus, DEFAULT_STATE_DIR } = await import(
    '../../emulator/index.js'
  )
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR
  if (action === 'start') {
    const r = await startEmulator({ stateDir, ...(options.port ? { port: options.port } : {}) })
    process.stdout.write(`${r.message}\n`)
    return 0
  }
  if (action === 'stop') {
    const r = await stopEmulator({ stateDir })
    process.stdout.write(`${r.message}\n`)
    return 0
  }
  const s = await emulatorStatus({ stateDir })
  process.stdout.write(`${s.message}\n`)
  return s.running ? 0 : 3
}
