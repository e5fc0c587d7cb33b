import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { App, type AppProps } from 'aws-cdk-lib'
import { afterAll, describe, expect, it } from 'vitest'
import { readAppContext } from '../../../infra/context.js'

// an App without an outdir makes a cdk.out* directory in the system's temp folder and leaves it
const dir = mkdtempSync(join(tmpdir(), 'fanout-context-test-'))
let apps = 0
const testApp = (props: AppProps): App => new App({ ...props, outdir: join(dir, String(apps++)) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readAppContext', () => {
  it('has defaults for every key', () => {
    // Prepare
    const app = testApp({ context: {} })

    // Act
    const context = readAppContext(app.node)

    // Assess
    expect(context).toEqual({
      stackName: 'Fanout',
      workerMemoryMb: 1769,
      workerTimeoutSeconds: 900,
      retentionDays: 30,
      emulator: false,
      workerEphemeralStorageMb: 2048,
      dataBuckets: [],
      maxPartialMb: 256,
    })
  })

  it('reads -c values, which arrive as strings', () => {
    // Prepare
    const app = testApp({
      context: {
        stackName: 'FanoutDev',
        workerMemoryMb: '3008',
        workerTimeoutSeconds: '120',
        retentionDays: 7,
        emulator: 'true',
        functionsDir: 'stubs/functions',
        workerEphemeralStorageMb: '4096',
        dataBuckets: 'lake, ticks.archive',
        maxPartialMb: '64',
      },
    })

    // Act
    const context = readAppContext(app.node)

    // Assess
    expect(context).toEqual({
      stackName: 'FanoutDev',
      workerMemoryMb: 3008,
      workerTimeoutSeconds: 120,
      retentionDays: 7,
      emulator: true,
      functionsDir: resolve('stubs/functions'),
      workerEphemeralStorageMb: 4096,
      dataBuckets: ['lake', 'ticks.archive'],
      maxPartialMb: 64,
    })
  })

  it.each([
    [
      'workerMemoryMb',
      'lots',
      'Expected context workerMemoryMb to be an integer from 128 to 10240, got "lots" (string)',
    ],
    [
      'workerTimeoutSeconds',
      901,
      'Expected context workerTimeoutSeconds to be an integer from 1 to 900, got 901 (number)',
    ],
    [
      'retentionDays',
      '0',
      'Expected context retentionDays to be an integer from 1 to 36500, got "0" (string)',
    ],
    [
      'stackName',
      '1-bad',
      'Expected context stackName to be a CloudFormation stack name, got "1-bad" (string)',
    ],
  ])('names a bad %s, what was expected and what was got', (key, value, message) => {
    // Prepare
    const app = testApp({ context: { [key]: value } })

    // Act
    const read = () => readAppContext(app.node)

    // Assess
    expect(read).toThrow(message)
  })
})
