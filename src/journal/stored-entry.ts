import type { CloudTrailRecord, RecordSkeleton } from '../record/index.js'
import type { JournalEntry } from './types.js'

/**
 * A journal entry as readers get it: the stored JSON text, parsed only when a reader asks
 * for the record (log files and LookupEvents need just the text). Not kept once parsed:
 * projections read thousands of entries in a batch, and records kept alive for the whole
 * batch would survive young-generation GCs, which then copy them (the costly case).
 */
export class StoredEntry implements JournalEntry {
  constructor(
    readonly seq: number,
    readonly json: string,
    /** The skeleton's JSON, when the encoder made one (a fresh append); else the record serves. */
    readonly skeletonJson?: string,
  ) {}

  get record(): CloudTrailRecord {
    return JSON.parse(this.json) as CloudTrailRecord
  }

  get skeleton(): RecordSkeleton {
    return JSON.parse(this.skeletonJson ?? this.json) as RecordSkeleton
  }
}
