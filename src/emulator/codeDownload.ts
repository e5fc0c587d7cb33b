/** Fetching a function's deployment zip from moto, wherever a deployment left it. */
import { EmulatorError } from './errors.js'
import type { FunctionConfig } from './functionConfig.js'
import { type MotoClient, motoAuthorization } from './motoClient.js'

/**
 * The function's deployment zip. First fanout's moto route (moto holds the
 * code of every function in memory), then `Code.Location` itself through
 * moto, then its S3 key in the buckets moto has (a CDK asset bucket first).
 *
 * @param accessKey The caller's access key: it selects moto's account.
 * @throws EmulatorError naming every place tried when none has the code.
 */
export async function downloadFunctionCode(
  moto: MotoClient,
  config: FunctionConfig,
  accessKey: string,
): Promise<Buffer> {
  const tried: string[] = []
  const direct = await moto.send({
    path: `/_fanout/lambda-code?arn=${encodeURIComponent(config.functionArn)}`,
  })
  if (direct.status === 200) return direct.body
  tried.push(`fanout's moto code route (${direct.status})`)

  const location = config.codeLocation ? new URL(config.codeLocation) : undefined
  const s3Key = location ? decodeURIComponent(location.pathname.slice(1)) : undefined
  const s3Auth = { authorization: motoAuthorization('s3', config.region, accessKey) }
  if (location && s3Key) {
    const viaLocation = await moto.send({
      path: location.pathname,
      headers: { ...s3Auth, host: location.host },
    })
    if (viaLocation.status === 200) return viaLocation.body
    tried.push(`Code.Location ${config.codeLocation} (${viaLocation.status})`)

    const list = await moto.send({ path: '/', headers: s3Auth })
    const buckets = [...list.body.toString().matchAll(/<Name>([^<]+)<\/Name>/g)].map(
      (m) => m[1] as string,
    )
    buckets.sort((a, b) => Number(b.includes('assets')) - Number(a.includes('assets')))
    for (const bucket of buckets) {
      const object = await moto.send({
        path: `/${bucket}/${s3Key.split('/').map(encodeURIComponent).join('/')}`,
        headers: s3Auth,
      })
      if (object.status === 200) return object.body
    }
    tried.push(`key ${s3Key} in ${buckets.length} S3 bucket(s)`)
  }
  throw new EmulatorError(
    `cannot find the code of Lambda function ${config.functionName}; tried ${tried.join(', ')}`,
  )
}
