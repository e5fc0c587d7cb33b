/**
 * chunks over a text file by bytes, for bench/data.ts: each atom reads its
 * chunk and reports its lines, its byte range and the bytes it read.
 */
import { chunks, defineJob, file, z } from 'fanout'

export default defineJob({
  params: z.object({ data: file(), bytes: z.number().int().min(1) }).strict(),
  atoms: (p) => chunks(p.data, { bytes: p.bytes, format: 'lines' }),
  async run(chunk) {
    let lines = 0
    for await (const _ of chunk.rows()) lines++
    return { chunk: chunk.index, lines, range: chunk.end - chunk.start, read: chunk.bytesRead }
  },
})
