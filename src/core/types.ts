/** A value a result cell can hold. Parquet maps them to DOUBLE, INT64, BOOLEAN, STRING, TIMESTAMP, null. */
export type Scalar = number | bigint | boolean | string | Date | null

/** One result row: an object of scalars. The column `atom` is added by fanout and is reserved. */
export type Row = Record<string, Scalar>

/**
 * Where atoms come from: a count and random access by index. Random access is
 * what lets a molecule travel as two integers `[start, end)`.
 */
export interface AtomSource<A> {
  /** How many atoms there are; atoms are numbered `0 .. count - 1`. */
  readonly count: number
  /** The atom at `index` (`0 <= index < count`). */
  at(index: number): A
}

/** A contiguous range of atom indices `[start, end)`, run by one worker invocation. */
export interface Molecule {
  /** Molecule number, `0 .. numMolecules - 1`, in atom order. */
  readonly id: number
  readonly start: number
  readonly end: number
}

/**
 * The partition schemes fanout knows, in the order messages list them: the one
 * list every flag, schema and event takes its choices from.
 */
export const PARTITION_SCHEMES = ['linear', 'nested', 'nested-upper', 'weighted'] as const

/** A partition scheme: one of {@link PARTITION_SCHEMES}. */
export type PartitionScheme = (typeof PARTITION_SCHEMES)[number]
