// Public API of fanout. Every export is named here.
export type { ColumnTable, Column, ColumnType } from './core/table.js'
export type { JobDefinition, Job, RunContext, ReduceContext } from './core/job.js'
export { defineJob, isJob } from './core/job.js'
export type { AtomSource, Molecule, PartitionScheme, Row, Scalar } from './core/types.js'
export {
  FanoutError,
  UsageError,
  JobLoadError,
  PartitionError,
  RowShapeError,
  MoleculeFailedError,
  StoreError,
} from './core/errors.js'
