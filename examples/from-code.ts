/**
 * fanout from code, as a research script or a notebook drives it: run the
 * moving-average sweep of ma-crossover.ts, stream its rows, keep the best
 * pairs, write the table, and read the job back later by its id.
 *
 *   npx tsx examples/from-code.ts              (locally, on every core)
 *   npx tsx examples/from-code.ts localstack   (on the emulated cloud, after `fanout deploy`)
 */
import { listJobs, openJob, run, type Target } from 'fanout/runner'

const target = (process.argv[2] ?? 'local') as Target

const job = await run<{ fast: number; slow: number; sharpe: number }>(
  new URL('./ma-crossover.ts', import.meta.url),
  {
    target,
    params: { bars: 20_000, side: 12 },
    onProgress: (e) => process.stderr.write(`\r${e.moleculesDone}/${e.molecules} molecules`),
  },
)
process.stderr.write('\n')
console.log(`job ${job.id}: ${job.status}, ${job.stats?.rows} rows, best by reduce:`, job.summary)

// rows stream partial by partial, in atom order: the table is never held whole
const top: { fast: number; slow: number; sharpe: number }[] = []
for await (const row of job.rows()) {
  top.push({ fast: row.fast, slow: row.slow, sharpe: row.sharpe })
  top.sort((a, b) => b.sharpe - a.sharpe)
  top.length = Math.min(top.length, 3)
}
console.log('top 3 pairs:', top)
console.log('written to', await job.write('.fanout/from-code.csv'))

// later, from another process: the same job by its id, on its target
const again = await openJob(job.id, { target })
console.log(
  `reopened ${again.id}: ${again.status}; jobs on ${target}:`,
  (await listJobs({ target })).length,
)
