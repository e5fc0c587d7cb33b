// Atoms of equal cost: each one the same deterministic floating-point loop.
import { defineJob, range, z } from 'fanout'

/** A loop that costs about the same per iteration on any machine (no allocation). */
export function spin(iterations: number, seed: number): number {
  let x = seed
  for (let k = 0; k < iterations; k++) x = Math.sin(x) * 1.0001 + k * 1e-9
  return x
}

export default defineJob({
  params: z
    .object({
      atoms: z.number().int().min(1).default(600),
      iterations: z.number().int().min(1).default(100_000),
    })
    .strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number, { params }) => ({ i, v: spin(params.iterations, i) }),
})
