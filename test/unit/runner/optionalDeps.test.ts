import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/core/errors.js'
import {
  AWS_CDK,
  importOptional,
  type OptionalGroup,
  resolveOptional,
} from '../../../src/runner/optionalDeps.js'

// a project that has one package of a group installed and not the other
let dir: string
const group: OptionalGroup = { what: 'the Widgets', packages: ['widget-core', 'widget-extra'] }

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fanout-optional-'))
  const pkg = join(dir, 'node_modules', 'widget-core')
  mkdirSync(join(pkg, 'lib'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), '{"name":"widget-core","type":"module"}')
  writeFileSync(join(pkg, 'lib', 'tool.js'), 'export const tool = 1\n')
  // imports the missing package, as a cloud module imports the AWS SDK
  writeFileSync(join(dir, 'cloud.mjs'), "import 'widget-extra'\nexport const ok = 1\n")
  writeFileSync(join(dir, 'broken.mjs'), "import './nowhere.mjs'\n")
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('importOptional', () => {
  it('turns a missing package of the group into one line with the install command', async () => {
    // Prepare
    const load = () => import(pathToFileURL(join(dir, 'cloud.mjs')).href)

    // Act
    const loading = importOptional('--target aws', group, load)

    // Assess
    await expect(loading).rejects.toThrow(UsageError)
    await expect(loading).rejects.toThrow(
      '--target aws needs the Widgets (widget-extra is not installed): npm install widget-core widget-extra',
    )
  })

  it('lets any other error through unchanged', async () => {
    // Prepare
    const load = () => import(pathToFileURL(join(dir, 'broken.mjs')).href)

    // Act
    const loading = importOptional('--target aws', group, load)

    // Assess
    await expect(loading).rejects.toThrow(/nowhere\.mjs/)
    await expect(loading).rejects.not.toThrow(UsageError)
  })

  it('returns the module when everything is installed', async () => {
    // Act
    const mod = await importOptional('x', group, async () => ({ ok: 1 }))

    // Assess
    expect(mod).toEqual({ ok: 1 })
  })
})

describe('resolveOptional', () => {
  it('names the first missing package of the group, even when the file asked for exists', () => {
    // Prepare
    const from = pathToFileURL(join(dir, 'cloud.mjs'))

    // Act
    const resolving = () => resolveOptional('fanout deploy', group, 'widget-core/lib/tool.js', from)

    // Assess
    expect(resolving).toThrow(
      'fanout deploy needs the Widgets (widget-extra is not installed): npm install widget-core widget-extra',
    )
  })

  it("finds the CDK CLI where npm installed it (this repository's devDependencies)", () => {
    // Act
    const bin = resolveOptional('fanout deploy', AWS_CDK, 'aws-cdk/bin/cdk')

    // Assess
    expect(bin).toMatch(/node_modules[\\/]aws-cdk[\\/]bin[\\/]cdk$/)
  })
})
