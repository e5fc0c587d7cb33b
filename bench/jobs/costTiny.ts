// Many tiny atoms: microseconds each, so a molecule's cost is mostly its overheads and its rows.
import { defineJob, range, z } from 'fanout'

export default defineJob({
  params: z.object({ atoms: z.number().int().min(1).default(200_000) }).strict(),
  atoms: (p) => range(p.atoms),
  run: (i: number) => ({ i, square: i * i, odd: i % 2 === 1 }),
})
