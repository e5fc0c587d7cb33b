import { Command, CommanderError, Option } from 'commander'
import { FanoutError, LimitReachedError, RunInterruptedError, UsageError } from '../core/errors.js'
import { PARTITION_SCHEMES } from '../core/types.js'
import { TARGETS } from '../runner/options.js'
import { fanoutVersion } from '../runtime/packageRoot.js'
import { deployCommand } from './commands/deployCommand.js'
import { emulatorCommand } from './commands/emulatorCommand.js'
import { initCommand } from './commands/initCommand.js'
import { jobsCommand } from './commands/jobsCommand.js'
import { logsCommand } from './commands/logsCommand.js'
import { planCommand } from './commands/planCommand.js'
import { reportCommand } from './commands/reportCommand.js'
import { resultCommand } from './commands/resultCommand.js'
import { resumeCommand } from './commands/resumeCommand.js'
import { runCommand } from './commands/runCommand.js'
import { type JobFlags, statusCommand } from './commands/statusCommand.js'
import { addCostFlags, splitCostFlags } from './costFlags.js'
import { EXIT } from './exitCodes.js'
import { parseRunFlags } from './flags.js'
import { Interrupts } from './interrupt.js'

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function targetOption(description: string, defaultTarget = 'local'): Option {
  return new Option('-t, --target <target>', description).choices(TARGETS).default(defaultTarget)
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .argument('<job>', 'the job module (.ts or .js) exporting defineJob(...)')
    .option('-p, --param <key=value>', 'a job param (repeatable)', collect)
    .addOption(targetOption('where molecules run'))
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
    .option('--root <dir>', "fanout's working directory (bundles, jobs)", '.fanout')
    .option('--stack-name <name>', 'the stack of a cloud target, when no deploy record names it')
    .option('--json', 'print the summary as one JSON line')
    .option('--no-progress', 'no progress display')
}

function addJobFlags(cmd: Command, what: string): Command {
  return cmd
    .addOption(targetOption(`where the ${what} ran (job ids belong to a target)`))
    .option('--root <dir>', "fanout's working directory", '.fanout')
    .option('--stack-name <name>', 'the stack of a cloud target, when no deploy record names it')
}

function addRecoveryFlags(cmd: Command): Command {
  return cmd
    .option(
      '--retries <n>',
      'runs again of a molecule whose execution crashed, hung, was throttled or failed its write (default 2)',
    )
    .option('--retry-atoms', 'also run again a molecule some of whose atoms threw')
    .option(
      '--tolerate-failures <percent>',
      'succeed with a partial result when at most this % of atoms failed (default 0)',
    )
    .option('--speculate', 'start backup copies of stragglers (default on cloud targets)')
    .option('--no-speculate', 'no backup copies of stragglers')
    .option(
      '--timeout <duration>',
      'a molecule execution running longer is a hang: stopped, then retried (600, 90s, 30m; default 15m)',
    )
    .option(
      '--max-cost <usd>',
      "a hard dollar cap on the job's total (locally: what Lambda would bill); it stops, resumable, before passing it",
    )
    .option(
      '--deadline <when>',
      'no molecule starts after this: a duration from now (90s, 30m, 2h) or an ISO time; the job stops, resumable',
    )
}

/** Build the `fanout` command line. */
export function buildProgram(interrupts?: Interrupts): {
  program: Command
  exitCode: () => number
} {
  let code = 0
  const program = new Command('fanout')
    .description(
      'Fan a TypeScript job out over worker threads or AWS Lambda; get one result table.',
    )
    .version(fanoutVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  addCostFlags(
    addRecoveryFlags(
      addRunFlags(
        program
          .command('run')
          .description('run a job and combine its results')
          .option('-o, --out <file>', 'also write the result to .parquet, .csv or .jsonl')
          .option('--job-id <id>', 'the job id (default: <job name>-<timestamp>-<random>)')
          .option(
            '--force',
            'start even when the estimate is over --max-cost (the cap still holds)',
          ),
      ),
    ),
    'run',
  ).action(async (job: string, raw: Record<string, unknown>) => {
    const { rest, cost } = splitCostFlags(raw)
    code = await runCommand(job, parseRunFlags(rest), interrupts, cost)
  })
  addRecoveryFlags(
    addJobFlags(
      program
        .command('resume')
        .description(
          'run only the molecules of an interrupted or failed job that have no partial, with its bundle and params',
        )
        .argument('<jobId>'),
      'job',
    ),
  )
    .option('-w, --workers <n>', 'worker threads (local; default: the core count)')
    .option('--force', "resume with the job's original bundle even though its file changed since")
    .option('-o, --out <file>', 'also write the result to .parquet, .csv or .jsonl')
    .option('--json', 'print the summary as one JSON line')
    .option('--no-progress', 'no progress display')
    .action(async (jobId: string, raw: Record<string, unknown>) => {
      const flags = parseRunFlags({ ...raw, param: [] })
      code = await resumeCommand(jobId, { ...flags, force: flags.force === true }, interrupts)
    })
  addCostFlags(
    addRunFlags(
      program
        .command('plan')
        .description('dry run: count atoms, show the molecules and (cloud) estimate the cost'),
    ),
    'plan',
  ).action(async (job: string, raw: Record<string, unknown>) => {
    code = await planCommand(job, raw)
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
  addJobFlags(
    program
      .command('jobs')
      .description("a target's jobs, newest first: id, status, atoms ok/failed, start, wall time"),
    'jobs',
  )
    .option('--json', 'print as JSON')
    .action(async (raw: JobFlags) => {
      code = await jobsCommand(raw)
    })
  addJobFlags(
    program
      .command('status')
      .description("a job's state: molecules done, failed, pending; a cloud job's execution")
      .argument('<jobId>'),
    'job',
  )
    .option('--json', 'print as JSON')
    .action(async (jobId: string, raw: JobFlags) => {
      code = await statusCommand(jobId, raw)
    })
  addJobFlags(
    program
      .command('result')
      .description("a job's summary (its reduce output); --out writes its result table")
      .argument('<jobId>'),
    'job',
  )
    .option('-o, --out <file>', 'write the result to .parquet, .csv or .jsonl')
    .option('--json', 'print as JSON')
    .action(async (jobId: string, raw: JobFlags & { out?: string }) => {
      code = await resultCommand(jobId, raw)
    })
  addJobFlags(
    program
      .command('logs')
      .description(
        "a cloud job's function log lines (plan, worker, tally, reduce); a local job's errors by cause",
      )
      .argument('<jobId>'),
    'job',
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
    .action(async (jobId: string, raw: JobFlags & { function?: string; limit?: number }) => {
      code = await logsCommand(jobId, raw)
    })
  addJobFlags(
    program
      .command('report')
      .description(
        "write a job's run report: one HTML file (timeline, durations, atoms/s, cost vs prediction, errors)",
      )
      .argument('<jobId>'),
    'job',
  )
    .option('-o, --out <file>', 'the HTML file (default <root>/jobs/<jobId>/report.html)')
    .option('--open', 'open the report in the default browser')
    .option('--memory <mb>', "price at this Lambda memory, MB (default: the estimate's, else 1769)")
    .addOption(
      new Option('--architecture <arch>', 'price at this architecture').choices([
        'arm64',
        'x86_64',
      ]),
    )
    .option('--prices <file>', 'a prices JSON file')
    .option('--region <region>', 'the AWS region to price')
    .action(async (jobId: string, raw: Record<string, unknown>) => {
      code = await reportCommand(jobId, raw)
    })
  program
    .command('init')
    .description('write a minimal job project of your own: package.json, tsconfig.json, one job')
    .argument('[dir]', 'the project folder (created when missing)', '.')
    .option('--fanout <spec>', 'the fanout dependency (default: this fanout)')
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, raw: { fanout?: string; force?: boolean }) => {
      code = await initCommand(dir, raw)
    })
  const emulator = program
    .command('emulator')
    .description("fanout's Docker-less local AWS (moto + a Lambda gateway on 127.0.0.1:4566)")
  const stateDirFlag = (cmd: Command) =>
    cmd.option('--state-dir <dir>', "the emulator's state directory (default .fanout/emulator)")
  stateDirFlag(
    emulator
      .command('start')
      .description('start moto and the Lambda gateway in the background (idempotent)')
      .option('--port <port>', 'the gateway port (default 4566)', (v) => Number.parseInt(v, 10)),
  ).action(async (raw: { port?: number; stateDir?: string }) => {
    code = await emulatorCommand('start', raw)
  })
  stateDirFlag(
    emulator.command('stop').description('stop the emulator and every Lambda process it runs'),
  ).action(async (raw: { stateDir?: string }) => {
    code = await emulatorCommand('stop', raw)
  })
  stateDirFlag(
    emulator
      .command('status')
      .description(
        'is it running: endpoint, pids, health, which Node runs functions (exit 0 running, 3 not)',
      ),
  ).action(async (raw: { stateDir?: string }) => {
    code = await emulatorCommand('status', raw)
  })
  return { program, exitCode: () => code }
}

/** What a run that stopped at a limit says: why, that nothing is lost, and how to go on. */
function limitMessage(error: LimitReachedError, argv: readonly string[]): string {
  const i = argv.findIndex((a) => a === '-t' || a === '--target')
  const given = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--target='))?.slice(9)
  const target = given && given !== 'local' ? ` --target ${given}` : ''
  const what = error.limit === 'cost-cap' ? 'stopped at its cost cap' : 'stopped at its deadline'
  // the cap is the job's total, across resumes; a deadline that passed no longer holds
  const flag =
    error.limit === 'cost-cap'
      ? ' --max-cost <higher total>'
      : ' (the passed deadline no longer holds; --deadline sets a new one)'
  const id = error.jobId ?? '<jobId>'
  return `job ${id} ${what}: ${error.message}. Every partial is kept. Continue it with: fanout resume ${id}${target}${flag}`
}

/** Run the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const interrupts = new Interrupts()
  const onSignal = () => interrupts.signal()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const { program, exitCode } = buildProgram(interrupts)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode()
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its message already; help and version exit 0
      return error.exitCode === 0 ? 0 : EXIT.usage
    }
    if (error instanceof RunInterruptedError) return EXIT.interrupted
    if (error instanceof LimitReachedError) {
      process.stderr.write(`fanout: ${limitMessage(error, argv)}\n`)
      return EXIT.limit
    }
    if (error instanceof UsageError) {
      process.stderr.write(`fanout: ${error.message}\n`)
      return EXIT.usage
    }
    if (error instanceof FanoutError) {
      process.stderr.write(`fanout: ${error.message}\n`)
      return EXIT.atomsFailed
    }
    process.stderr.write(`fanout: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`)
    return EXIT.internal
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
