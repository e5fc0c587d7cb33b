/**
 * fanout's CDK app. `npm run build` compiles it to `dist/infra/app.js`, which
 * `fanout deploy` (and `npx cdk synth|deploy` in this repository, see cdk.json)
 * runs with plain node. Context keys: `stackName`, `workerMemoryMb`,
 * `workerTimeoutSeconds`, `workerEphemeralStorageMb`, `dataBuckets`,
 * `maxPartialMb`, `retentionDays`, `emulator`, `functionsDir` (see
 * `appContextSchema` in context.ts).
 *
 * Environment-agnostic unless `CDK_DEFAULT_ACCOUNT` and `CDK_DEFAULT_REGION`
 * are set (the CLI sets them from the credentials it finds), so `cdk synth`
 * works offline without credentials.
 */
import { App, DefaultStackSynthesizer, Duration } from 'aws-cdk-lib'
import { readAppContext } from './context.js'
import { FanoutStack } from './FanoutStack.js'

const app = new App()
const context = readAppContext(app.node)
const account = process.env.CDK_DEFAULT_ACCOUNT
const region = process.env.CDK_DEFAULT_REGION

new FanoutStack(app, context.stackName, {
  description: 'fanout: serverless fan-out compute (bucket, plan/worker/tally/reduce, workflow)',
  ...(account && region ? { env: { account, region } } : {}),
  workerMemoryMb: context.workerMemoryMb,
  workerTimeout: Duration.seconds(context.workerTimeoutSeconds),
  workerEphemeralStorageMb: context.workerEphemeralStorageMb,
  dataBuckets: context.dataBuckets,
  maxPartialMb: context.maxPartialMb,
  retentionDays: context.retentionDays,
  ...(context.functionsDir ? { functionsDir: context.functionsDir } : {}),
  ...(context.emulator
    ? {
        // moto fails stack updates on the BootstrapVersion parameter.
        synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      }
    : {}),
})

app.synth()
