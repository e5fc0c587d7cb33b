import { describe, expect, it } from 'vitest'
import { permissionSupport, sandboxArgs } from '../../../src/emulator/sandbox.js'

describe('permissionSupport', () => {
  it.each([
    ['v18.20.0', undefined],
    ['v20.0.0', { flag: '--experimental-permission', disableWarning: false }],
    ['v20.10.0', { flag: '--experimental-permission', disableWarning: false }],
    ['v20.11.0', { flag: '--experimental-permission', disableWarning: true }],
    ['v20.20.2', { flag: '--experimental-permission', disableWarning: true }],
    ['v21.2.0', { flag: '--experimental-permission', disableWarning: false }],
    ['v22.12.0', { flag: '--experimental-permission', disableWarning: true }],
    ['v22.13.0', { flag: '--permission', disableWarning: true }],
    ['v22.23.3', { flag: '--permission', disableWarning: true }],
    ['v23.4.0', { flag: '--experimental-permission', disableWarning: true }],
    ['v23.5.0', { flag: '--permission', disableWarning: true }],
    ['v24.1.0', { flag: '--permission', disableWarning: true }],
    ['not a version', undefined],
  ])('Node %s takes %j', (version, expected) => {
    // Act
    const support = permissionSupport(version)

    // Assess
    expect(support).toEqual(expected)
  })
})

describe('sandboxArgs', () => {
  it('grants reads of code and /tmp, writes of /tmp only, one flag per path', () => {
    // Act
    const node20 = sandboxArgs('v20.20.2', { read: ['/code', '/tmp/p1'], write: ['/tmp/p1'] })
    const node22 = sandboxArgs('v22.23.3', { read: ['/code'], write: ['/tmp/p1'] })
    const node18 = sandboxArgs('v18.20.0', { read: ['/code'], write: ['/tmp/p1'] })

    // Assess
    expect(node20).toEqual([
      '--experimental-permission',
      '--disable-warning=ExperimentalWarning',
      '--allow-fs-read=/code',
      '--allow-fs-read=/tmp/p1',
      '--allow-fs-write=/tmp/p1',
    ])
    expect(node22).toEqual([
      '--permission',
      '--allow-fs-read=/code',
      '--allow-fs-read=/tmp/p1',
      '--allow-fs-write=/tmp/p1',
    ])
    expect(node18).toBeUndefined()
  })
})
