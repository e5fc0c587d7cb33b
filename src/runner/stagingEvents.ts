/** A step of staging, for progress displays. */
export interface StagingEvent {
  /** `hash`: reading the file for its sha256; `upload`: bytes sent so far; `skip`: already in the bucket; `done`: uploaded. */
  kind: 'hash' | 'upload' | 'skip' | 'done'
  /** The param (and file, in a folder) this is about: `prices`, `assets/AAPL.csv`. */
  name: string
  /** The file's size. */
  bytes: number
  /** Bytes uploaded so far (`upload`, `done`). */
  loaded?: number
}
