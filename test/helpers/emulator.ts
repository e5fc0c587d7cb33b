/** Helpers for tests that talk to fanout's emulator (moto behind the gateway). */
import { motoAuthorization } from '../../src/emulator/motoClient.js'

/** The account moto uses. */
export const MOTO_ACCOUNT = '123456789012'

/**
 * An AWS query-protocol call (IAM, CloudFormation) through the gateway at
 * `endpoint`: there is no SDK client for them here. Returns the response body;
 * throws on any status but 200.
 */
export async function awsQuery(
  endpoint: string,
  region: string,
  service: string,
  params: Record<string, string>,
): Promise<string> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: motoAuthorization(service, region),
    },
    body: new URLSearchParams(params).toString(),
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${service} ${params.Action}: ${res.status} ${text}`)
  return text
}

/** Create an IAM role that Lambda may assume, named `roleName`; returns its ARN. */
export async function createLambdaRole(
  endpoint: string,
  region: string,
  roleName: string,
): Promise<string> {
  await awsQuery(endpoint, region, 'iam', {
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: roleName,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    }),
  })
  return `arn:aws:iam::${MOTO_ACCOUNT}:role/${roleName}`
}
