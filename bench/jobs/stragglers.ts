// A job with stragglers: every atom sleeps `ms`; in the last molecule of every
// `every` (ids every−1, 2·every−1, …), atoms of a molecule's first execution sleep
// `slow` × longer (a slow machine, not a slow atom: a backup copy runs at the
// normal speed). The last molecule is one: with few slots (2 cores), a straggler
// that starts early is absorbed by the other slots, and only one in the tail
// lengthens the run; on Lambda every molecule runs at once, so each is in the tail.
import { defineJob, range, z } from 'fanout'

const cell = new Int32Array(new SharedArrayBuffer(4))

export default defineJob({
  params: z
    .object({
      atoms: z.number().int().min(1).default(500),
      ms: z.number().min(0).default(40),
      every: z.number().int().min(1).default(50),
      slow: z.number().min(1).default(10),
    })
    .strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number, ctx) => {
    const straggler = (ctx.moleculeId + 1) % ctx.params.every === 0 && ctx.attempt === 1
    Atomics.wait(cell, 0, 0, straggler ? ctx.params.ms * ctx.params.slow : ctx.params.ms)
    return { i, straggler }
  },
})
