/**
 * The baseline of the overhead benchmark: a plain loop that computes what the
 * trivial job computes (atom i → x = i * i) and writes it with fanout's codec.
 * Usage: node plainLoop.mjs <atoms> <out.parquet>
 */
import { writeFileSync } from 'node:fs'
import { encodeTable } from '../src/store/parquet.js'

const n = Number(process.argv[2] ?? 1_000_000)
const out = process.argv[3] ?? 'plain.parquet'
const atom = new Int32Array(n)
const x = new Float64Array(n)
for (let i = 0; i < n; i++) {
  atom[i] = i
  x[i] = i * i
}
writeFileSync(
  out,
  encodeTable({
    numRows: n,
    columns: [
      { name: 'atom', type: 'int32', values: atom },
      { name: 'x', type: 'double', values: x },
    ],
  }),
)
