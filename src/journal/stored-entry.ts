import type { CloudTrailRecord } from '../record/index.js'
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
  ) {}

  get record(): CloudTrailRecord {
    return JSON.parse(this.json) as CloudTrailRecord
  }
}
