/**
 * The ma-crossover atoms with no fanout at all: one plain Node process that
 * builds the series and computes the Sharpe ratio of grid atoms [from, to).
 * The parallel benchmark runs it in 1 and in 2 processes to show what this
 * machine allows for this work, next to fanout's own speed-up.
 * Usage: node plainAtoms.mjs <bars> <side> <from> <to>
 */
import { crossoverSharpe, randomWalk, series } from '../examples/ma-crossover.js'

const [bars, side, from, to] = process.argv.slice(2).map(Number) as [number, number, number, number]
const s = series(randomWalk(bars, 7))
let checksum = 0
for (let i = from; i < to; i++) {
  const fast = 5 + Math.floor(i / side)
  const slow = 20 + 4 * (i % side)
  checksum += crossoverSharpe(s, fast, slow)
}
if (!Number.isFinite(checksum)) process.exitCode = 1
