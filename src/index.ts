// The public API of fanout, for job modules: everything here is pure (no Node-only
// module, no AWS SDK), so it bundles into a job and runs in a worker or a Lambda.
export { z } from 'zod'
export { binomial, combinations } from './core/combinatorics.js'
export type {
  Cpcv,
  CpcvGroup,
  CpcvOptions,
  CpcvPathSlot,
  CpcvSplit,
  CpcvTestBlock,
  LabelSpans,
} from './core/cpcv.js'
export { cpcv } from './core/cpcv.js'
export type { CpcvLayout } from './core/cpcvPaths.js'
export { assemblePaths } from './core/cpcvPaths.js'
export type { Chunk, ChunkOptions, ChunksSource } from './core/data/chunks.js'
export { chunks } from './core/data/chunks.js'
export { DataError } from './core/data/errors.js'
export type { DataFormat, DataRow } from './core/data/formats.js'
export type {
  DataObject,
  ObjectRowsOptions,
  ObjectsOptions,
  ObjectsSource,
} from './core/data/objects.js'
export { objects } from './core/data/objects.js'
export type { DataParamKind } from './core/data/params.js'
export { dir, file, folder } from './core/data/params.js'
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
  linParts,
  nestedParts,
  partition,
  resolveMoleculeCount,
  toMolecules,
} from './core/partition.js'
export { gaussian, mulberry32 } from './core/random.js'
export type { GridAtom } from './core/sources.js'
export { grid, list, range } from './core/sources.js'
export type { Column, ColumnTable, ColumnType } from './core/table.js'
export type { AtomSource, Molecule, PartitionScheme, Row, Scalar } from './core/types.js'
export { interpolateCosts, sampleIndices, weightedParts } from './core/weightedParts.js'
