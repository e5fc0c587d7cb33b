import { describe, expect, it } from 'vitest'
import { clientConfig, connectionFor, s3ClientConfig } from '../../../src/aws/connection.js'

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

describe('connectionFor: endpoints', () => {
  it('lets each service override the common endpoint, except against an explicit endpoint', () => {
    // Prepare
    const env = {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4599/',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
    }

    // Act
    const fromEnv = connectionFor('localstack', env)
    const explicit = connectionFor('localstack', env, { endpoint: 'http://127.0.0.1:4600' })

    // Assess
    expect(fromEnv.endpoint).toBe('http://127.0.0.1:4599')
    expect(fromEnv.endpoints).toEqual({
      s3: 'http://127.0.0.1:9000',
      lambda: 'http://127.0.0.1:4599',
      sfn: 'http://127.0.0.1:4599',
      logs: 'http://127.0.0.1:4599',
      cloudformation: 'http://127.0.0.1:4599',
    })
    expect(clientConfig(fromEnv, 's3').endpoint).toBe('http://127.0.0.1:9000')
    expect(clientConfig(fromEnv, 'sfn').endpoint).toBe('http://127.0.0.1:4599')
    expect(Object.values(explicit.endpoints)).toEqual(Array(5).fill('http://127.0.0.1:4600'))
  })

  it('gives aws no endpoint for any service, whatever the environment says', () => {
    // Act
    const c = connectionFor('aws', {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
    })

    // Assess
    expect(c.endpoints).toEqual({})
    expect(s3ClientConfig(c)).toEqual({ region: 'us-east-1', maxAttempts: 5 })
  })
})

describe('connectionFor: credentials', () => {
  it("uses the environment's keys, with the session token, on either target", () => {
    // Prepare
    const env = {
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    }

    // Act
    const local = connectionFor('localstack', env)
    const aws = connectionFor('aws', env)

    // Assess
    const keys = { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' }
    expect(local.credentials).toEqual(keys)
    expect(aws.credentials).toEqual(keys)
    expect(local.env).toMatchObject({ AWS_ACCESS_KEY_ID: 'AKID', AWS_SESSION_TOKEN: 'token' })
    expect(aws.env).toEqual({})
  })

  it('uses test credentials only against a custom endpoint with no credential source in the environment', () => {
    // Act
    const bare = connectionFor('localstack', {})
    const profile = connectionFor('localstack', { AWS_PROFILE: 'dev' })
    const webIdentity = connectionFor('localstack', { AWS_WEB_IDENTITY_TOKEN_FILE: '/t' })
    const aws = connectionFor('aws', {})

    // Assess
    expect(bare.credentials).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' })
    expect(profile.credentials).toBeUndefined()
    expect(profile.env.AWS_ACCESS_KEY_ID).toBeUndefined()
    expect(webIdentity.credentials).toBeUndefined()
    expect(aws.credentials).toBeUndefined()
  })
})

describe('s3ClientConfig', () => {
  it('adds path-style addressing against a custom endpoint, and the SDK attempts', () => {
    // Act
    const local = s3ClientConfig(
      connectionFor(
        'localstack',
        { AWS_REGION: 'eu-west-1' },
        { endpoint: 'http://127.0.0.1:4598' },
      ),
      3,
    )

    // Assess
    expect(local).toEqual({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4598',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 3,
    })
  })
})
