// Atoms whose cost grows with the index: atom i runs 2·(i+1)/n times the mean work, so a
// linear cut leaves the last molecules the heaviest.
import { defineJob, range, z } from 'fanout'
import { spin } from './costUniform.js'

export default defineJob({
  params: z
    .object({
      atoms: z.number().int().min(1).default(600),
      iterations: z.number().int().min(1).default(100_000),
    })
    .strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number, { params }) => ({
    i,
    v: spin(Math.round((2 * params.iterations * (i + 1)) / params.atoms), i),
  }),
})
