import { describe, expect, it } from 'vitest'
import { clientConfig, connectionFor } from '../../../src/aws/connection.js'

describe('cloud targets', () => {
  it('differ only in endpoint and credentials between localstack and aws', () => {
    // Prepare
    const env = { AWS_REGION: 'eu-west-1' }

    // Act
    const local = clientConfig(connectionFor('localstack', env))
    const aws = clientConfig(connectionFor('aws', env))

    // Assess
    expect(local).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    expect(aws).toEqual({ region: 'eu-west-1' })
    const { endpoint: _e, credentials: _c, ...localRest } = local
    expect(localRest).toEqual(aws)
  })

  it('uses AWS_ENDPOINT_URL for localstack, and a host name for CloudFormation to fetch templates', () => {
    // Act
    const c = connectionFor('localstack', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' })

    // Assess
    expect(c.endpoint).toBe('http://127.0.0.1:4599')
    expect(c.env).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4599',
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'http://localhost:4599',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
    })
  })

  it('leaves aws to the standard credential chain: no endpoint, no credentials, the env region', () => {
    // Act
    const c = connectionFor('aws', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_DEFAULT_REGION: 'ap-south-1',
    })

    // Assess
    expect(c.endpoint).toBeUndefined()
    expect(c.credentials).toBeUndefined()
    expect(c.region).toBe('ap-south-1')
  })

  it('rejects an unknown target naming the valid ones', () => {
    // Act / Assess
    expect(() => connectionFor('gcp', {})).toThrow(
      '--target must be local, localstack or aws; got "gcp"',
    )
  })
})
