/**
 * The journal: the one source of truth. An append resolves only once it is durable;
 * every event gets a monotonically increasing sequence number (`seq`).
 *
 * Positions are named once: `seq` (one event), `head` (last durable seq),
 * `cursor` (last seq a projection finished), `lag` (head minus cursor).
 */
import type { CloudTrailRecord, RecordSkeleton } from '../record/index.js'
import type { RecordDictionary } from './codec.js'

/** The fields of a record the journal keys its rows by. */
export type RecordKeys = Pick<CloudTrailRecord, 'eventID' | 'eventTime' | 'recipientAccountId'>

/**
 * A record already serialised and encoded (on a worker thread, say) by a RecordCodec that
 * holds this journal's dictionaries (see `Journal.recordDictionary`): `json` is the
 * record's JSON text, the keys are its own. The journal stores it as it is and never
 * parses it on the append path.
 */
export interface EncodedRecord extends RecordKeys {
  json: string
  bytes: Uint8Array
  /** skeletonJson(record), made where the record was. */
  skeleton?: string
}

/** An append of an event whose eventID is already stored resolves to the stored one (`duplicate`). */
export type AppendInput = { record: CloudTrailRecord } | { encoded: EncodedRecord }

export interface AppendOptions {
  signal?: AbortSignal
  /**
   * The caller does not wait on this append (the record of a read call, say): it may wait a
   * few milliseconds for a commit it shares with others, instead of having one of its own.
   */
  lazy?: boolean
}

export interface AppendResult {
  seq: number
  eventId: string
  /** True when the event (by eventID) was already in the journal. */
  duplicate: boolean
}

export interface JournalEntry {
  seq: number
  /** Parsed from `json` at each access: read it once into a local. */
  readonly record: CloudTrailRecord
  /** The fields routing and indexing read; parsed at each access, from less text than `record` when the encoder made a skeleton. */
  readonly skeleton: RecordSkeleton
  /** The JSON `skeleton` is parsed from, when the encoder made one (else `json` serves). */
  readonly skeletonJson?: string
  /** The record's JSON text as stored (what log files and CloudTrailEvent carry). */
  json: string
}

export interface JournalBatch {
  entries: JournalEntry[]
  /** The seq of the last entry, the cursor value once the batch is done. */
  lastSeq: number
}

export interface Journal {
  /** Appends records; resolves once they are durable (one sync shared by concurrent appends). */
  append(inputs: AppendInput[], options?: AppendOptions): Promise<AppendResult[]>
  /** Entries with seq > afterSeq, in seq order, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<JournalBatch>
  /** Entries by seq, for the ones that exist. */
  getBySeq(seqs: number[]): Promise<Map<number, JournalEntry>>
  /** The records' JSON text by seq, for readers that hand the text on (LookupEvents' CloudTrailEvent). */
  getJsonBySeq(seqs: number[]): Promise<Map<number, string>>
  /** The seq of an event by its eventID, if stored. */
  seqOfEventId(eventId: string): Promise<number | undefined>
  /** The last durable seq (0 when empty). */
  head(): Promise<number>
  getCursor(name: string): Promise<number>
  setCursor(name: string, seq: number): Promise<void>
  /** The dictionary records are encoded with now (undefined: the built-in one), for encoders on other threads. */
  recordDictionary(): RecordDictionary | undefined
  /** Called after each durable append, with the new head. Returns an unsubscribe function. */
  onAppend(listener: (head: number) => void): () => void
  /** Deletes entries whose eventTime is older than the cutoff for the given account (retention). */
  deleteOlderThan(cutoffMs: number, accountId?: string, options?: { keepAccounts?: string[] }): Promise<number>
  close(): Promise<void>
}

/** Thrown when the journal cannot take more work right now; front ends answer 503 with Retry-After. */
export class JournalPushback extends Error {
  override readonly name = 'JournalPushback'
  constructor(readonly reason: string) {
    super(`journal pushback: ${reason}`)
  }
}
