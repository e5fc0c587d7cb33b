// A job of trivial atoms, for measuring fanout's per-atom overhead.
import { defineJob, range, z } from 'fanout'

export default defineJob({
  params: z.object({ atoms: z.number().int().min(0).default(1_000_000) }).strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number) => ({ x: i * i }),
})
