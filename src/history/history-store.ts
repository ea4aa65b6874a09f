/**
 * The writing side of the Event History index: turns journal entries into the rows of
 * schema.ts and removes them again for retention. Synchronous, on its own connection, so
 * that it can run on a worker thread (history-worker.ts) as well as on the event loop.
 *
 * Rows are keyed by what the record determines (scope, time, seq), so writing a batch
 * again (a replay) rewrites the same rows.
 */
import type Database from 'better-sqlite3'
import { withoutSync } from '../journal/index.js'
import type { RecordSkeleton } from '../record/index.js'
import { historyAttributes, resourceNameKeys } from './attributes.js'
import { ScopeTable, StringDictionary } from './dictionary.js'
import { ATTR, CATEGORY, RO, createHistorySchema } from './schema.js'

/** An entry to index: its seq and the JSON of its skeleton (or of the whole record). */
export type IndexedEntry = [seq: number, skeletonJson: string]

/** Events deleted per retention transaction, so other writes are not held up for long. */
export const PURGE_CHUNK = 5000

/** The stored time of an event: its eventTime in whole seconds since the epoch. */
export function timeKey(eventTimeMs: number): number {
  return Math.floor(eventTimeMs / 1000)
}

export interface Posting {
  attr: number
  value: number
}

interface EventRow {
  ro: number
  time: number
  seq: number
  name: number | null
  source: number | null
  user: number | null
  akey: number | null
  res: string | null
}

export class HistoryStore {
  readonly #db: Database.Database
  readonly #strings: StringDictionary
  readonly #scopes: ScopeTable
  readonly #insertEvent: Database.Statement
  readonly #insertPosting: Database.Statement
  readonly #setHead: Database.Statement
  readonly #purgeRows: Database.Statement
  readonly #deletePosting: Database.Statement
  readonly #deleteEvent: Database.Statement

  constructor(db: Database.Database) {
    this.#db = db
    createHistorySchema(db)
    this.#strings = new StringDictionary(db)
    this.#scopes = new ScopeTable(db)
    this.#insertEvent = db.prepare(
      'INSERT OR REPLACE INTO history_events (scope, ro, time, seq, name, source, user, akey, res) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    this.#insertPosting = db.prepare('INSERT OR IGNORE INTO history_postings (scope, attr, value, time, seq) VALUES (?, ?, ?, ?, ?)')
    this.#setHead = db.prepare(
      "INSERT INTO history_meta (key, value) VALUES ('head', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
    )
    this.#purgeRows = db.prepare(`SELECT ro, time, seq, name, source, user, akey, res FROM history_events
      WHERE scope = ? AND ro IN (0, 1, 2) AND time < ? LIMIT ${PURGE_CHUNK}`)
    this.#deletePosting = db.prepare('DELETE FROM history_postings WHERE scope = ? AND attr = ? AND value = ? AND time = ? AND seq = ?')
    this.#deleteEvent = db.prepare('DELETE FROM history_events WHERE scope = ? AND ro = ? AND time = ? AND seq = ?')
  }

  /** Indexes a batch in one transaction and records `lastSeq` as the index's head. */
  apply(entries: readonly IndexedEntry[], lastSeq: number): void {
    try {
      // The index is rebuilt from the journal on replay, so its commits need not wait for the disk.
      withoutSync(this.#db, () =>
        this.#db.transaction(() => {
          const events: EventInsert[] = []
          const postings: PostingInsert[] = []
          for (const [seq, json] of entries) this.#collectRows(seq, JSON.parse(json) as RecordSkeleton, events, postings)
          // In key order: each insert then lands next to the last one, on pages already in
          // the cache, where batch order scattered them over every posting list.
          events.sort(keyOrder(4))
          postings.sort(keyOrder(5))
          for (const e of events) this.#insertEvent.run(...e)
          for (const p of postings) this.#insertPosting.run(...p)
          this.#setHead.run(lastSeq)
        })(),
      )
    } catch (error) {
      this.#strings.forgetUncommitted()
      this.#scopes.forgetUncommitted()
      throw error
    }
  }

  /** The scopes retention walks: all, or one account's, less `keepAccounts`. */
  scopesToPurge(accountId: string | undefined, keepAccounts: readonly string[]): number[] {
    const keep = new Set(keepAccounts)
    return this.#scopes
      .all()
      .filter((s) => (accountId === undefined || s.account === accountId) && !keep.has(s.account))
      .map((s) => s.id)
  }

  /** Removes up to PURGE_CHUNK events of a scope with time (seconds) < cutoff; the number removed. */
  purgeChunk(scope: number, cutoff: number): number {
    return this.#db.transaction(() => {
      const rows = this.#purgeRows.all(scope, cutoff) as EventRow[]
      for (const row of rows) {
        const res = row.res === null ? [] : (JSON.parse(row.res) as [number, number][])
        for (const p of postingsOf({ ...row, res })) this.#deletePosting.run(scope, p.attr, p.value, row.time, row.seq)
        this.#deleteEvent.run(scope, row.ro, row.time, row.seq)
      }
      return rows.length
    })()
  }

  /** Adds the rows that index one event (none for events Event History does not show). */
  #collectRows(seq: number, record: RecordSkeleton, events: EventInsert[], postings: PostingInsert[]): void {
    const a = historyAttributes(record)
    if (a.category !== 'management' && a.category !== 'insight') return
    const scope = this.#scopes.intern(record.recipientAccountId ?? '', record.awsRegion ?? '', CATEGORY[a.category])
    const ro = a.readOnly === undefined ? RO.unknown : a.readOnly ? RO.true : RO.false
    const time = timeKey(a.eventTimeMs)
    const id = (text: string | undefined): number | null => (text === undefined ? null : this.#strings.intern(text))
    const name = id(a.eventName)
    const source = id(a.eventSource)
    const user = id(a.username)
    const akey = id(a.accessKeyId)
    const res: [number, number][] = []
    for (const r of a.resources) {
      if (r.ResourceType !== undefined) res.push([ATTR.ResourceType, this.#strings.intern(r.ResourceType)])
      if (r.ResourceName !== undefined) {
        for (const k of resourceNameKeys(r.ResourceName)) res.push([ATTR.ResourceName, this.#strings.intern(k)])
      }
    }
    events.push([scope, ro, time, seq, name, source, user, akey, res.length ? JSON.stringify(res) : null])
    for (const p of postingsOf({ name, source, user, akey, res })) postings.push([scope, p.attr, p.value, time, seq])
  }
}

type EventInsert = [scope: number, ro: number, time: number, seq: number, name: number | null, source: number | null, user: number | null, akey: number | null, res: string | null]
type PostingInsert = [scope: number, attr: number, value: number, time: number, seq: number]

/** Rows in the order of their first `columns` values, the table's primary key (all integers). */
function keyOrder(columns: number): (a: readonly (number | string | null)[], b: readonly (number | string | null)[]) => number {
  return (a, b) => {
    for (let i = 0; i < columns; i++) {
      const d = (a[i] as number) - (b[i] as number)
      if (d !== 0) return d
    }
    return 0
  }
}

/** The postings of one event, from its history_events columns. */
function postingsOf(e: Pick<EventRow, 'name' | 'source' | 'user' | 'akey'> & { res: [number, number][] }): Posting[] {
  const out: Posting[] = []
  if (e.name !== null) out.push({ attr: ATTR.EventName, value: e.name })
  if (e.source !== null) out.push({ attr: ATTR.EventSource, value: e.source })
  if (e.user !== null) out.push({ attr: ATTR.Username, value: e.user })
  if (e.akey !== null) out.push({ attr: ATTR.AccessKeyId, value: e.akey })
  for (const [attr, value] of e.res) out.push({ attr, value })
  return out
}
