/**
 * The embedded journal on SQLite (better-sqlite3, WAL, synchronous=FULL).
 *
 * Group commit: appends that arrive in the same turn of the event loop are written in
 * one transaction, so they share one WAL sync. A promise resolves only after that
 * transaction has committed, that is once its events are durable.
 */
import type Database from 'better-sqlite3'
import { decodeRecord, encodeRecord } from './codec.js'
import { JournalPushback } from './types.js'
import type { AppendInput, AppendResult, Journal, JournalBatch, JournalEntry } from './types.js'
import type { CloudTrailRecord } from '../record/index.js'

/** Appends waiting for the next group commit beyond which callers are pushed back. */
export const DEFAULT_MAX_QUEUED_EVENTS = 100_000

interface Pending {
  inputs: AppendInput[]
  resolve: (results: AppendResult[]) => void
  reject: (error: unknown) => void
}

export class SqliteJournal implements Journal {
  readonly #db: Database.Database
  readonly #listeners = new Set<(head: number) => void>()
  #queue: Pending[] = []
  #queuedEvents = 0
  #flushScheduled = false
  #closed = false
  readonly #maxQueuedEvents: number
  readonly #stmts

  constructor(db: Database.Database, options: { maxQueuedEvents?: number } = {}) {
    this.#db = db
    this.#maxQueuedEvents = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS
    db.exec(`
      CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL,
        account TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        idem_key TEXT,
        record BLOB NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS journal_event_id ON journal(event_id);
      CREATE UNIQUE INDEX IF NOT EXISTS journal_idem_key ON journal(idem_key) WHERE idem_key IS NOT NULL;
      CREATE TABLE IF NOT EXISTS journal_cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1);
    `)
    this.#stmts = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO journal (event_id, account, event_time, idem_key, record) VALUES (?, ?, ?, ?, ?)',
      ),
      byIdem: db.prepare('SELECT seq, event_id AS eventId FROM journal WHERE idem_key = ?'),
      byEventId: db.prepare('SELECT seq, event_id AS eventId FROM journal WHERE event_id = ?'),
      read: db.prepare('SELECT seq, record FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
      getOne: db.prepare('SELECT record FROM journal WHERE seq = ?'),
      head: db.prepare('SELECT COALESCE(MAX(seq), 0) AS head FROM journal'),
      getCursor: db.prepare('SELECT seq FROM journal_cursors WHERE name = ?'),
      setCursor: db.prepare(
        'INSERT INTO journal_cursors (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq',
      ),
      minCursor: db.prepare('SELECT MIN(seq) AS seq FROM journal_cursors'),
    }
  }

  append(inputs: AppendInput[], options: { signal?: AbortSignal } = {}): Promise<AppendResult[]> {
    if (this.#closed) return Promise.reject(new JournalPushback('journal is closed'))
    options.signal?.throwIfAborted()
    if (inputs.length === 0) return Promise.resolve([])
    if (this.#queuedEvents + inputs.length > this.#maxQueuedEvents) {
      return Promise.reject(new JournalPushback(`more than ${this.#maxQueuedEvents} events waiting to be written`))
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ inputs, resolve, reject })
      this.#queuedEvents += inputs.length
      if (!this.#flushScheduled) {
        this.#flushScheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#flushScheduled = false
    const batch = this.#queue
    this.#queue = []
    this.#queuedEvents = 0
    if (batch.length === 0) return
    let results: AppendResult[][]
    try {
      results = this.#db.transaction(() => batch.map((p) => p.inputs.map((input) => this.#appendOne(input))))()
    } catch (error) {
      for (const p of batch) p.reject(error)
      return
    }
    batch.forEach((p, i) => p.resolve(results[i]!))
    const head = (this.#stmts.head.get() as { head: number }).head
    for (const listener of this.#listeners) listener(head)
  }

  #appendOne({ record, idempotencyKey }: AppendInput): AppendResult {
    const time = Date.parse(record.eventTime)
    const info = this.#stmts.insert.run(
      record.eventID,
      record.recipientAccountId ?? '',
      Number.isFinite(time) ? time : 0,
      idempotencyKey ?? null,
      encodeRecord(record),
    )
    if (info.changes === 1) return { seq: Number(info.lastInsertRowid), eventId: record.eventID, duplicate: false }
    const existing = ((idempotencyKey !== undefined ? this.#stmts.byIdem.get(idempotencyKey) : undefined) ??
      this.#stmts.byEventId.get(record.eventID)) as { seq: number; eventId: string } | undefined
    if (!existing) throw new Error(`append of event ${record.eventID} was ignored but no existing row was found`)
    return { seq: existing.seq, eventId: existing.eventId, duplicate: true }
  }

  async read(afterSeq: number, limit: number): Promise<JournalBatch> {
    const rows = this.#stmts.read.all(afterSeq, limit) as { seq: number; record: Buffer }[]
    const entries: JournalEntry[] = rows.map((r) => ({ seq: r.seq, record: decodeRecord(r.record) }))
    return { entries, lastSeq: entries.length ? entries[entries.length - 1]!.seq : afterSeq }
  }

  async getBySeq(seqs: number[]): Promise<Map<number, CloudTrailRecord>> {
    const out = new Map<number, CloudTrailRecord>()
    for (const seq of seqs) {
      const row = this.#stmts.getOne.get(seq) as { record: Buffer } | undefined
      if (row) out.set(seq, decodeRecord(row.record))
    }
    return out
  }

  async seqOfEventId(eventId: string): Promise<number | undefined> {
    return (this.#stmts.byEventId.get(eventId) as { seq: number } | undefined)?.seq
  }

  async head(): Promise<number> {
    return (this.#stmts.head.get() as { head: number }).head
  }

  async getCursor(name: string): Promise<number> {
    return (this.#stmts.getCursor.get(name) as { seq: number } | undefined)?.seq ?? 0
  }

  async setCursor(name: string, seq: number): Promise<void> {
    this.#stmts.setCursor.run(name, seq)
  }

  onAppend(listener: (head: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async deleteOlderThan(cutoffMs: number, accountId?: string, options: { keepAccounts?: string[] } = {}): Promise<number> {
    // Never delete what a projection has not consumed yet: a trail behind on delivery keeps its events.
    const minCursor = (this.#stmts.minCursor.get() as { seq: number | null }).seq ?? 0
    const where = ['event_time < ?', 'seq <= ?']
    const params: (string | number)[] = [cutoffMs, minCursor]
    if (accountId !== undefined) {
      where.push('account = ?')
      params.push(accountId)
    }
    const keep = options.keepAccounts ?? []
    if (keep.length) {
      where.push(`account NOT IN (${keep.map(() => '?').join(',')})`)
      params.push(...keep)
    }
    return this.#db.prepare(`DELETE FROM journal WHERE ${where.join(' AND ')}`).run(...params).changes
  }

  async close(): Promise<void> {
    if (this.#queue.length) this.#flush()
    this.#closed = true
  }
}
