// The public API of fanout, for job modules: everything here is pure (no Node-only
// module, no AWS SDK), so it bundles into a job and runs in a worker or a Lambda.
export { z } from 'zod'
export type {
  CpcvGroup,
  CpcvLayout,
  CpcvOptions,
  CpcvPathSlot,
  CpcvSplit,
  CpcvTestBlock,
  Cpcv,
  LabelSpans,
} from './core/cpcv.js'
export { assemblePaths, binomial, combinations, cpcv } from './core/cpcv.js'
export {
  describeValue,
  FanoutError,
  JobLoadError,
  MoleculeFailedError,
  PartitionError,
  RowShapeError,
  StoreError,
  UsageError,
} from './core/errors.js'
export type { Job, JobDefinition, ReduceContext, RunContext } from './core/job.js'
export { defineJob, isJob } from './core/job.js'
export type { MoleculeCountOptions, PartitionOptions } from './core/partition.js'
export {
  DEFAULT_BATCHES,
  interpolateCosts,
  linParts,
  nestedParts,
  partition,
  resolveMoleculeCount,
  sampleIndices,
  toMolecules,
  weightedParts,
} from './core/partition.js'
export type { GridAtom } from './core/sources.js'
export { grid, list, range } from './core/sources.js'
export type { Column, ColumnTable, ColumnType } from './core/table.js'
export type { AtomSource, Molecule, PartitionScheme, Row, Scalar } from './core/types.js'
