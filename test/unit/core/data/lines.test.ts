import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lineOffsets, readFirstLine, readLineRange } from '../../../../src/core/data/lines.js'
import { memoryFile } from '../../../helpers/memoryData.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Text of lines (possibly empty, possibly with \r before \n), with or without a final newline. */
const textFile = fc
  .record({
    lines: fc.array(fc.stringMatching(/^[a-z,"\r ]{0,40}$/), { maxLength: 60 }),
    finalNewline: fc.boolean(),
  })
  .map(({ lines, finalNewline }) => lines.join('\n') + (finalNewline && lines.length ? '\n' : ''))

/** The lines of a text as whole strings, each with its newline when it has one. */
function wholeLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? []
}

describe('readLineRange', () => {
  it('gives every line to exactly one range, whole, in order, and reads about one line past it (property)', async () => {
    // Prepare
    const inputs = fc.record({ text: textFile, size: fc.integer({ min: 1, max: 90 }) })

    // Act
    const check = fc.asyncProperty(inputs, async ({ text, size }) => {
      const bytes = encoder.encode(text)
      const file = memoryFile('f.txt', bytes)
      const ranges = []
      for (let start = 0; start < bytes.byteLength; start += size) {
        ranges.push(await readLineRange(file, start, start + size))
      }

      // Assess
      const got = ranges.flatMap((r) => wholeLines(decoder.decode(r.bytes)))
      expect(got).toEqual(wholeLines(text))
      const longest = Math.max(0, ...wholeLines(text).map((l) => encoder.encode(l).byteLength))
      for (const r of ranges) {
        // the range, the byte before it, the rest of its last line and at most one read step past it
        expect(r.bytesRead).toBeLessThanOrEqual(size + 1 + longest + 256)
        expect(decoder.decode(r.bytes)).toBe(decoder.decode(bytes.subarray(r.from, r.to)))
      }
    })

    // Assess
    await fc.assert(check, { numRuns: 300 })
  })

  it('reads a range that starts a line without the byte before it, and one without a line start as empty', async () => {
    // Prepare
    const file = memoryFile('f.txt', encoder.encode('aaaa\nbbbbbbbbbbbb\ncc'))

    // Act
    const first = await readLineRange(file, 0, 3)
    const middle = await readLineRange(file, 7, 12)
    const last = await readLineRange(file, 18, 30)

    // Assess
    expect(decoder.decode(first.bytes)).toBe('aaaa\n')
    expect(file.reads[0]).toEqual([0, 3])
    expect(middle.bytes.byteLength).toBe(0)
    expect(decoder.decode(last.bytes)).toBe('cc')
    expect([last.from, last.to]).toEqual([18, 20])
  })
})

describe('lineOffsets', () => {
  it('cuts ranges of `every` lines after the skipped ones, ending at the file size (property)', async () => {
    // Prepare
    const inputs = fc.record({
      text: textFile,
      every: fc.integer({ min: 1, max: 7 }),
      skip: fc.integer({ min: 0, max: 1 }),
      block: fc.integer({ min: 1, max: 50 }),
    })

    // Act
    const check = fc.asyncProperty(inputs, async ({ text, every, skip, block }) => {
      const bytes = encoder.encode(text)
      const { offsets, lines } = await lineOffsets(memoryFile('f', bytes), every, skip, block)

      // Assess
      const all = wholeLines(text)
      const data = all.slice(skip)
      expect(lines).toBe(data.length)
      expect(offsets[offsets.length - 1]).toBe(bytes.byteLength)
      const groups = offsets
        .slice(0, -1)
        .map((at, i) => wholeLines(decoder.decode(bytes.subarray(at, offsets[i + 1]))))
      expect(groups.flat()).toEqual(data)
      for (const g of groups.slice(0, -1)) expect(g.length).toBe(every)
    })

    // Assess
    await fc.assert(check, { numRuns: 300 })
  })
})

describe('readFirstLine', () => {
  it('reads a header in one request, a long one in doubling steps, and a file that is only a header', async () => {
    // Prepare
    const short = memoryFile('s.csv', encoder.encode('a,b,c\n1,2,3\n'))
    const longHeader = `${'x'.repeat(10_000)}\n1\n`
    const long = memoryFile('l.csv', encoder.encode(longHeader))
    const only = memoryFile('o.csv', encoder.encode('a,b'))

    // Act
    const s = await readFirstLine(short)
    const l = await readFirstLine(long)
    const o = await readFirstLine(only)
    const e = await readFirstLine(memoryFile('e.csv', new Uint8Array(0)))

    // Assess
    expect([decoder.decode(s.line), s.next]).toEqual(['a,b,c', 6])
    expect(short.reads).toEqual([[0, 12]])
    expect([l.line.byteLength, l.next]).toEqual([10_000, 10_001])
    expect(long.reads).toEqual([
      [0, 4096],
      [4096, 10_003],
    ])
    expect([decoder.decode(o.line), o.next]).toEqual(['a,b', 3])
    expect(e.line.byteLength).toBe(0)
  })
})
