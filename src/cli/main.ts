import { Command, CommanderError, Option } from 'commander'
import { FanoutError, RunInterruptedError, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import {
  deployCommand,
  emulatorCommand,
  logsCommand,
  statusCommand,
} from './commands/cloudCommands.js'
import { planCommand } from './commands/planCommand.js'
import { EXIT, runCommand } from './commands/runCommand.js'
import { parseRunOptions } from './flags.js'

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .argument('<job>', 'the job module (.ts or .js) exporting defineJob(...)')
    .option('-p, --param <key=value>', 'a job param (repeatable)', collect)
    .option(
      '-w, --workers <n>',
      'worker threads; 1 runs in-process, serially (default: the core count)',
    )
    .option('--molecules <n>', 'how many molecules to cut (default: workers × 4)')
    .option('--atoms-per-molecule <k>', 'cut molecules of at most k atoms instead')
    .addOption(
      new Option('--partition <scheme>', 'how to cut atoms into molecules')
        .choices(PARTITION_SCHEMES)
        .default('linear'),
    )
    .addOption(
      new Option('-t, --target <target>', 'where molecules run')
        .choices(['local', 'localstack', 'aws'])
        .default('local'),
    )
    .option('--root <dir>', "fanout's working directory (bundles, jobs)", '.fanout')
    .option('--json', 'print the summary as one JSON line')
    .option('--no-progress', 'no progress display')
}

/** Build the `fanout` command line. */
export function buildProgram(signal?: AbortSignal): { program: Command; exitCode: () => number } {
  let code = 0
  const program = new Command('fanout')
    .description(
      'Fan a TypeScript job out over worker threads (and, later, AWS Lambda); get one result table.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  addRunFlags(
    program
      .command('run')
      .description('run a job and combine its results')
      .option('-o, --out <file>', 'also write the result to .parquet, .csv or .jsonl')
      .option('--job-id <id>', 'the job id (default: <job name>-<timestamp>-<random>)'),
  ).action(async (job: string, raw: Record<string, unknown>) => {
    code = await runCommand(job, parseRunOptions(raw), signal)
  })
  addRunFlags(
    program.command('plan').description('dry run: count atoms and show the molecules'),
  ).action(async (job: string, raw: Record<string, unknown>) => {
    code = await planCommand(job, parseRunOptions(raw))
  })
  program
    .command('deploy')
    .description('deploy the fanout stack (CDK) and record its outputs for later runs')
    .addOption(
      new Option('-t, --target <target>', 'where to deploy')
        .choices(['localstack', 'aws'])
        .default('localstack'),
    )
    .option('--stack-name <name>', 'the CloudFormation stack name', 'Fanout')
    .option(
      '-c, --context <key=value>',
      'CDK context: workerMemoryMb, workerTimeoutSeconds, retentionDays (repeatable)',
      collect,
    )
    .option('--root <dir>', "fanout's working directory", '.fanout')
    .action(
      async (raw: { target: string; stackName: string; context?: string[]; root: string }) => {
        code = await deployCommand(raw)
      },
    )
  program
    .command('status')
    .description("a job's state: molecules done, failed, pending; the cloud execution's status")
    .argument('<jobId>')
    .addOption(
      new Option('-t, --target <target>', 'where the job ran (default: look everywhere)').choices([
        'local',
        'localstack',
        'aws',
      ]),
    )
    .option('--root <dir>', "fanout's working directory", '.fanout')
    .option('--json', 'print as JSON')
    .action(async (jobId: string, raw: { target?: string; root: string; json?: boolean }) => {
      code = await statusCommand(jobId, raw)
    })
  program
    .command('logs')
    .description("a cloud job's function log lines (plan, worker, tally, reduce) that carry its id")
    .argument('<jobId>')
    .addOption(
      new Option('-t, --target <target>', 'where the job ran (default: look everywhere)').choices([
        'localstack',
        'aws',
      ]),
    )
    .addOption(
      new Option('--function <name>', 'only this function').choices([
        'plan',
        'worker',
        'tally',
        'reduce',
      ]),
    )
    .option('--limit <n>', 'only the last n lines', (v) => Number.parseInt(v, 10))
    .option('--root <dir>', "fanout's working directory", '.fanout')
    .action(
      async (
        jobId: string,
        raw: { target?: string; function?: string; limit?: number; root: string },
      ) => {
        code = await logsCommand(jobId, raw)
      },
    )
  program
    .command('emulator')
    .description("fanout's Docker-less local AWS (moto + a Lambda gateway on 127.0.0.1:4566)")
    .argument('<action>', 'start, stop or status')
    .option('--port <port>', 'the gateway port (default 4566)', (v) => Number.parseInt(v, 10))
    .option('--state-dir <dir>', "the emulator's state directory (default .fanout/emulator)")
    .action(async (action: string, raw: { port?: number; stateDir?: string }) => {
      code = await emulatorCommand(action, raw)
    })
  return { program, exitCode: () => code }
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController()
  const onSignal = () => {
    process.stderr.write(
      '\nfanout: interrupted; stopping workers (partials written so far are kept)\n',
    )
    controller.abort()
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const { program, exitCode } = buildProgram(controller.signal)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode()
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its message already; help and version exit 0
      return error.exitCode === 0 ? 0 : EXIT.usage
    }
    if (error instanceof RunInterruptedError) return EXIT.interrupted
    if (error instanceof UsageError) {
      process.stderr.write(`fanout: ${error.message}\n`)
      return EXIT.usage
    }
    if (error instanceof FanoutError) {
      process.stderr.write(`fanout: ${error.message}\n`)
      return 1
    }
    process.stderr.write(`fanout: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
    return 70
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
