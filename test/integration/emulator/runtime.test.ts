import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveEmulatorFiles } from '../../../src/emulator/emulatorFiles.js'
import { FunctionPool } from '../../../src/emulator/FunctionPool.js'
import { LogWriter, readFunctionLogs } from '../../../src/emulator/logs.js'
import type { RuntimeSpec } from '../../../src/emulator/RuntimeProcess.js'

// The built runtime (dist/lambdaRuntime.js) driven by the pool directly: no moto, no gateway.
let root: string
let logs: LogWriter
const pools: FunctionPool[] = []

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-runtime-'))
  logs = new LogWriter(join(root, 'state'))
})

afterAll(async () => {
  for (const pool of pools) pool.close()
  await logs.close()
  await rm(root, { recursive: true, force: true })
})

async function setup(
  name: string,
  files: Record<string, string>,
  handler: string,
  options: { timeoutSeconds?: number; maxProcesses?: number } = {},
): Promise<{ pool: FunctionPool; spec: RuntimeSpec }> {
  const codeDir = join(root, name)
  await mkdir(codeDir, { recursive: true })
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(codeDir, file)), { recursive: true })
    await writeFile(join(codeDir, file), text)
  }
  const pool = new FunctionPool({
    functionName: name,
    logs,
    maxProcesses: options.maxProcesses ?? 4,
  })
  pools.push(pool)
  const spec: RuntimeSpec = {
    generation: name,
    codeDir,
    runtimePath: resolveEmulatorFiles().runtime,
    nodePath: process.execPath,
    env: {
      PATH: process.env.PATH ?? '',
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: handler,
      GREETING: 'hi',
    },
    timeoutSeconds: options.timeoutSeconds ?? 5,
    memoryMb: 128,
    info: {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      memoryLimitInMB: '128',
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'stream',
    },
  }
  return { pool, spec }
}

describe('lambdaRuntime handler resolution', () => {
  it.each([
    [
      'an ESM .mjs file',
      { 'index.mjs': 'export const handler = async (e) => ({ got: e.x })' },
      'index.handler',
    ],
    [
      'a CommonJS .js file',
      { 'index.js': 'exports.handler = async (e) => ({ got: e.x })' },
      'index.handler',
    ],
    [
      'a .cjs file in a subdirectory',
      { 'src/app.cjs': 'module.exports.run = async (e) => ({ got: e.x })' },
      'src/app.run',
    ],
    [
      'a nested export',
      { 'index.mjs': 'export const api = { v1: { run: async (e) => ({ got: e.x }) } }' },
      'index.api.v1.run',
    ],
    [
      'a callback handler',
      {
        'index.js': 'exports.handler = (e, ctx, cb) => setTimeout(() => cb(null, { got: e.x }), 5)',
      },
      'index.handler',
    ],
  ])('loads %s', async (name, files, handler) => {
    // Prepare
    const { pool, spec } = await setup(name.replaceAll(/\W/g, '-'), files, handler)
    // Act
    const outcome = await pool.invoke(spec, 'req-1', '{"x": 7}')
    // Assess
    expect(outcome.error).toBeUndefined()
    expect(JSON.parse(outcome.payload ?? '')).toEqual({ got: 7 })
  })

  it.each([
    ['a missing file', {}, 'index.handler', 'Runtime.ImportModuleError'],
    [
      'a missing export',
      { 'index.mjs': 'export const other = 1' },
      'index.handler',
      'Runtime.HandlerNotFound',
    ],
    [
      'a syntax error',
      { 'index.mjs': 'export const handler = (' },
      'index.handler',
      'Runtime.UserCodeSyntaxError',
    ],
    ['a malformed handler', { 'index.mjs': '' }, 'nodot', 'Runtime.MalformedHandlerName'],
    [
      'a throwing module',
      { 'index.mjs': 'throw new TypeError("boom at init")' },
      'index.handler',
      'TypeError',
    ],
  ])('reports %s as an init error', async (name, files, handler, errorType) => {
    // Prepare
    const { pool, spec } = await setup(`init-${name.replaceAll(/\W/g, '-')}`, files, handler)
    // Act
    const outcome = await pool.invoke(spec, 'req-init', '{}')
    // Assess
    expect(outcome.error?.errorType).toBe(errorType)
    expect(pool.stats().processes).toBe(0)
  })
})

describe('lambdaRuntime start failures', () => {
  it('reports a process that cannot start without hanging', async () => {
    // Prepare
    const { pool, spec } = await setup('nocwd', {}, 'index.handler')
    // Act
    const outcome = await pool.invoke(
      { ...spec, codeDir: join(root, 'does-not-exist') },
      'nc',
      '{}',
    )
    // Assess
    expect(outcome.error?.errorType).toBe('Runtime.ExitError')
    expect(pool.stats().processes).toBe(0)
  })
})

describe('lambdaRuntime invocations', () => {
  it('gives the handler its context, environment and console', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'context',
      {
        'index.mjs': `export const handler = async (event, context) => {
          console.log('hello', { a: 1 })
          console.error('line one\\nline two')
          process.stdout.write('raw stdout\\n')
          return { id: context.awsRequestId, fn: context.functionName, arn: context.invokedFunctionArn,
            mem: context.memoryLimitInMB, left: context.getRemainingTimeInMillis(), greeting: process.env.GREETING }
        }`,
      },
      'index.handler',
    )
    // Act
    const outcome = await pool.invoke(spec, 'req-ctx', '{}', { collectLogs: true })
    let messages: string[] = []
    for (
      let i = 0;
      i < 100 && !(messages.includes('raw stdout') && messages.some((m) => m.startsWith('REPORT')));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20))
      messages = (
        await readFunctionLogs({ stateDir: join(root, 'state'), functionName: 'context' })
      ).map((e) => e.message)
    }
    // Assess
    const result = JSON.parse(outcome.payload ?? '{}')
    expect(result).toMatchObject({ id: 'req-ctx', fn: 'context', mem: '128', greeting: 'hi' })
    expect(result.arn).toBe('arn:aws:lambda:us-east-1:123456789012:function:context')
    expect(result.left).toBeGreaterThan(4000)
    expect(result.left).toBeLessThanOrEqual(5000)
    expect(outcome.logLines).toContain('req-ctx\tINFO\thello { a: 1 }')
    expect(messages).toContain('req-ctx\tERROR\tline one\nline two')
    expect(messages).toContain('raw stdout')
    expect(messages.find((m) => m.startsWith('REPORT'))).toMatch(
      /^REPORT RequestId: req-ctx\tDuration: .*\tInit Duration: [\d.]+ ms$/,
    )
  })

  it('serializes undefined as null and reports a non-Error throw', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'values',
      {
        'index.mjs':
          'export const handler = async (e) => { if (e.throw) throw "plain string"; return undefined }',
      },
      'index.handler',
    )
    // Act
    const ok = await pool.invoke(spec, 'r1', '')
    const thrown = await pool.invoke(spec, 'r2', '{"throw": true}')
    // Assess
    expect(ok.payload).toBe('null')
    expect(thrown.error).toEqual({ errorType: 'string', errorMessage: 'plain string', trace: [] })
  })

  it('fails the invocation and replaces the process on an uncaught exception', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'crash',
      {
        'index.mjs': `export const handler = async (e) => {
          if (e.crash) { setTimeout(() => { throw new RangeError('async boom') }, 1); await new Promise((r) => setTimeout(r, 1000)) }
          return process.pid
        }`,
      },
      'index.handler',
    )
    const before = await pool.invoke(spec, 'c0', '{}')
    // Act
    const crashed = await pool.invoke(spec, 'c1', '{"crash": true}')
    const after = await pool.invoke(spec, 'c2', '{}')
    // Assess
    expect(crashed.error).toMatchObject({ errorType: 'RangeError', errorMessage: 'async boom' })
    expect(after.error).toBeUndefined()
    expect(after.payload).not.toBe(before.payload)
  })

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'rejection',
      {
        'index.mjs': `export const handler = async () => {
          Promise.reject(new Error('nobody catches me'))
          await new Promise((r) => setTimeout(r, 1000))
        }`,
      },
      'index.handler',
    )
    // Act
    const outcome = await pool.invoke(spec, 'rj', '{}')
    // Assess
    expect(outcome.error?.errorType).toBe('Runtime.UnhandledPromiseRejection')
    expect(outcome.error?.errorMessage).toBe('Error: nobody catches me')
  })

  it('reports a process that exits as Runtime.ExitError', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'exit',
      { 'index.mjs': 'export const handler = async () => process.exit(3)' },
      'index.handler',
    )
    // Act
    const outcome = await pool.invoke(spec, 'ex', '{}')
    // Assess
    expect(outcome.error?.errorType).toBe('Runtime.ExitError')
    expect(outcome.error?.errorMessage).toContain('exit status 3')
  })

  it('grows to the cap for concurrent invocations, then reuses warm processes', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'grow',
      {
        'index.mjs':
          'export const handler = async () => { await new Promise((r) => setTimeout(r, 200)); return process.pid }',
      },
      'index.handler',
      { maxProcesses: 3 },
    )
    // Act
    const first = await Promise.all([1, 2, 3, 4, 5].map((i) => pool.invoke(spec, `g${i}`, '{}')))
    const second = await Promise.all([1, 2, 3].map((i) => pool.invoke(spec, `h${i}`, '{}')))
    // Assess
    const firstPids = new Set(first.map((o) => o.payload))
    expect(firstPids.size).toBe(3)
    expect(first.filter((o) => o.initDurationMs !== undefined)).toHaveLength(3)
    expect(new Set(second.map((o) => o.payload))).toEqual(firstPids)
    expect(second.every((o) => o.initDurationMs === undefined)).toBe(true)
    expect(pool.stats()).toMatchObject({ processes: 3, idle: 3 })
  })

  it('retires processes of an older generation', async () => {
    // Prepare
    const { pool, spec } = await setup(
      'gen',
      { 'index.mjs': 'export const handler = async () => process.pid' },
      'index.handler',
    )
    const old = await pool.invoke(spec, 'v1', '{}')
    // Act
    const fresh = await pool.invoke({ ...spec, generation: 'gen-2' }, 'v2', '{}')
    // Assess
    expect(fresh.payload).not.toBe(old.payload)
    expect(fresh.initDurationMs).toBeDefined()
  })
})
