// Atoms that wait instead of computing (each blocks its thread for `ms` milliseconds): their
// billed time does not depend on how much CPU the machine has to spare, so they test the
// overhead and request model apart from CPU contention.
import { defineJob, range, z } from 'fanout'

const cell = new Int32Array(new SharedArrayBuffer(4))

export default defineJob({
  params: z
    .object({
      atoms: z.number().int().min(1).default(400),
      ms: z.number().min(0).default(5),
    })
    .strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number, { params }) => {
    Atomics.wait(cell, 0, 0, params.ms)
    return { i }
  },
})
