/**
 * The embedded journal on SQLite (better-sqlite3, WAL).
 *
 * Group commit: appends that arrive in the same turn of the event loop are written in
 * one transaction; commits are then synced to disk together, off the event loop
 * (wal-sync.ts). A promise resolves only once its transaction is committed and synced,
 * that is once its events are durable; only then are projections told of the new head.
 */
import type Database from 'better-sqlite3'
import { RecordCodec, trainDictionary, type RecordDictionary } from './codec.js'
import { withoutSync } from './database.js'
import { WalSync } from './wal-sync.js'
import { JournalPushback } from './types.js'
import { StoredEntry } from './stored-entry.js'
import type { AppendInput, AppendOptions, AppendResult, Journal, JournalBatch, JournalEntry, RecordKeys } from './types.js'

/** How long a lazy append (AppendOptions.lazy) may wait for a commit to share. */
const LAZY_COMMIT_MS = 10
/** Appends waiting for the next group commit beyond which callers are pushed back. */
export const DEFAULT_MAX_QUEUED_EVENTS = 100_000
/** The first dictionary is trained once this many events are stored, then again at each later mark. */
const TRAINING_MARKS = [1_000, 20_000, 250_000]
/** After the last mark, a new dictionary every this many events. */
const TRAINING_EVERY = 1_000_000
/**
 * Records' JSON texts kept after their append: projections read the tail of the journal
 * (history, every trail, digests), and without this each of them would inflate the same
 * records again. Texts, not parsed records: 20,000 parsed records held here made every
 * young-generation GC copy them (a third of the event loop's time under ingest); each
 * reader parses what it reads, and that garbage dies young. Bounded by the texts' length
 * (and skeletons'): at 20,000 records a trail behind a burst of ingest read past the tail,
 * inflating each record to plan its file and again to write it.
 */
const TAIL_CACHE_CHARS = 64 * 1024 * 1024
/** Records sampled (evenly, from the newest events) to train a dictionary. */
const TRAINING_SAMPLES = 64
const TRAINING_WINDOW = 10_000

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The stored form of an eventID: a UUID as its 16 bytes (a BLOB), anything else as TEXT.
 * SQLite never compares a BLOB equal to a TEXT, so the two forms cannot collide.
 */
export function eventIdKey(eventId: string): Buffer | string {
  return UUID.test(eventId) ? Buffer.from(eventId.replace(/-/g, ''), 'hex') : eventId
}

interface Pending {
  keys: RecordKeys[]
  texts: string[]
  skeletons: (string | undefined)[]
  encoded: Uint8Array[]
  resolve: (results: AppendResult[]) => void
  reject: (error: unknown) => void
}

export class SqliteJournal implements Journal {
  readonly #db: Database.Database
  readonly #listeners = new Set<(head: number) => void>()
  #queue: Pending[] = []
  readonly #syncing = new Set<Promise<void>>()
  #queuedEvents = 0
  #flushScheduled = false
  #lazyFlush: NodeJS.Timeout | undefined
  #closed = false
  readonly #maxQueuedEvents: number
  readonly #codec: RecordCodec
  readonly #tail = new Map<number, StoredEntry>()
  #tailChars = 0
  readonly #stmts
  /** Undefined for a database without a WAL file (in memory): commits there are not synced at all. */
  readonly #wal: WalSync | undefined

  constructor(db: Database.Database, options: { maxQueuedEvents?: number } = {}) {
    this.#db = db
    this.#maxQueuedEvents = options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS
    this.#wal = !db.memory && db.pragma('journal_mode', { simple: true }) === 'wal' ? new WalSync(`${db.name}-wal`) : undefined
    db.exec(`
      CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id BLOB NOT NULL,
        account TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        record BLOB NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS journal_event_id ON journal(event_id);
      -- Journals from before eventIDs made PutAuditEvents idempotent (eventIdOf) have a column
      -- idem_key, no longer written, and had an index on it, which only cost space.
      DROP INDEX IF EXISTS journal_idem_key;
      CREATE TABLE IF NOT EXISTS journal_cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 1);
      CREATE TABLE IF NOT EXISTS journal_dictionaries (id INTEGER PRIMARY KEY, head INTEGER NOT NULL, dictionary BLOB NOT NULL);
    `)
    const dictionaryById = db.prepare('SELECT dictionary FROM journal_dictionaries WHERE id = ?')
    this.#codec = new RecordCodec((id) => (dictionaryById.get(id) as { dictionary: Buffer } | undefined)?.dictionary)
    for (const row of db.prepare('SELECT id, dictionary FROM journal_dictionaries ORDER BY id').all() as { id: number; dictionary: Buffer }[]) {
      this.#codec.addDictionary(row.id, row.dictionary)
    }
    this.#stmts = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO journal (event_id, account, event_time, record) VALUES (?, ?, ?, ?)',
      ),
      byEventId: db.prepare('SELECT seq FROM journal WHERE event_id = ?'),
      lastTraining: db.prepare('SELECT MAX(head) AS head FROM journal_dictionaries'),
      sample: db.prepare('SELECT record FROM journal WHERE seq > ? AND seq % ? = 0 ORDER BY seq LIMIT ?'),
      addDictionary: db.prepare('INSERT INTO journal_dictionaries (head, dictionary) VALUES (?, ?)'),
      readSeqs: db.prepare('SELECT seq FROM journal WHERE seq > ? ORDER BY seq LIMIT ?').pluck(),
      read: db.prepare('SELECT seq, record FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
      getMany: db.prepare('SELECT seq, record FROM journal WHERE seq IN (SELECT value FROM json_each(?))'),
      head: db.prepare('SELECT COALESCE(MAX(seq), 0) AS head FROM journal'),
      getCursor: db.prepare('SELECT seq FROM journal_cursors WHERE name = ?'),
      setCursor: db.prepare(
        'INSERT INTO journal_cursors (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq',
      ),
      minCursor: db.prepare('SELECT MIN(seq) AS seq FROM journal_cursors'),
    }
  }

  async append(inputs: AppendInput[], options: AppendOptions = {}): Promise<AppendResult[]> {
    if (this.#closed) throw new JournalPushback('journal is closed')
    options.signal?.throwIfAborted()
    if (inputs.length === 0) return []
    if (this.#queuedEvents + inputs.length > this.#maxQueuedEvents) {
      throw new JournalPushback(`more than ${this.#maxQueuedEvents} events waiting to be written`)
    }
    const keys = inputs.map((i) => ('encoded' in i ? i.encoded : i.record))
    const texts = inputs.map((i) => ('encoded' in i ? i.encoded.json : JSON.stringify(i.record)))
    const encoded = inputs.map((i, n) => ('encoded' in i ? i.encoded.bytes : this.#codec.encodeJson(texts[n]!)))
    const skeletons = inputs.map((i) => ('encoded' in i ? i.encoded.skeleton : undefined))
    this.#queuedEvents += inputs.length
    return new Promise((resolve, reject) => {
      this.#queue.push({ keys, texts, skeletons, encoded, resolve, reject })
      if (options.lazy) this.#lazyFlush ??= setTimeout(() => this.#scheduleFlush(), LAZY_COMMIT_MS)
      else this.#scheduleFlush()
    })
  }

  /** A commit in the next turn of the event loop, shared by every append queued by then. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#flushScheduled = false
    clearTimeout(this.#lazyFlush)
    this.#lazyFlush = undefined
    const batch = this.#queue
    this.#queue = []
    const events = batch.reduce((n, p) => n + p.keys.length, 0)
    this.#queuedEvents -= events
    if (batch.length === 0) return
    let results: AppendResult[][]
    const commit = this.#db.transaction(() =>
      batch.map((p) => p.keys.map((k, i) => this.#appendOne(k, p.encoded[i]!))),
    )
    try {
      results = this.#wal ? withoutSync(this.#db, commit) : commit()
    } catch (error) {
      for (const p of batch) p.reject(error)
      return
    }
    batch.forEach((p, i) => {
      results[i]!.forEach((result, j) => {
        if (result.duplicate) return
        const entry = new StoredEntry(result.seq, p.texts[j]!, p.skeletons[j])
        this.#tail.set(result.seq, entry)
        this.#tailChars += entryChars(entry)
      })
    })
    for (const [seq, entry] of this.#tail) {
      if (this.#tailChars <= TAIL_CACHE_CHARS) break
      this.#tail.delete(seq)
      this.#tailChars -= entryChars(entry)
    }
    const head = (this.#stmts.head.get() as { head: number }).head
    this.#maybeTrainDictionary(head)
    // Duplicates too are answered after the sync: the first append of that event may be in
    // the very commits this sync makes durable.
    const synced = this.#wal ? this.#wal.sync() : Promise.resolve()
    this.#syncing.add(synced)
    synced.then(
      () => {
        batch.forEach((p, i) => p.resolve(results[i]!))
        for (const listener of this.#listeners) listener(head)
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error)
      },
    ).finally(() => this.#syncing.delete(synced))
  }

  #appendOne(record: RecordKeys, encoded: Uint8Array): AppendResult {
    const time = Date.parse(record.eventTime)
    const id = eventIdKey(record.eventID)
    const info = this.#stmts.insert.run(id, record.recipientAccountId ?? '', Number.isFinite(time) ? time : 0, encoded)
    if (info.changes === 1) return { seq: Number(info.lastInsertRowid), eventId: record.eventID, duplicate: false }
    const stored = this.#stmts.byEventId.get(id) as { seq: number } | undefined
    if (!stored) throw new Error(`append of event ${record.eventID} was ignored but no existing row was found`)
    return { seq: stored.seq, eventId: record.eventID, duplicate: true }
  }

  /** Trains a new compression dictionary from the newest records when the journal has grown past the next mark. */
  #maybeTrainDictionary(head: number): void {
    const last = (this.#stmts.lastTraining.get() as { head: number | null }).head ?? 0
    const next = TRAINING_MARKS.find((mark) => mark > last) ?? last + TRAINING_EVERY
    if (head < next) return
    const step = Math.max(1, Math.floor(TRAINING_WINDOW / TRAINING_SAMPLES))
    const rows = this.#stmts.sample.all(Math.max(0, head - TRAINING_WINDOW), step, TRAINING_SAMPLES) as { record: Buffer }[]
    if (rows.length === 0) return
    const dictionary = trainDictionary(rows.map((r) => this.#codec.decodeJson(r.record)))
    const id = Number(this.#stmts.addDictionary.run(head, dictionary).lastInsertRowid)
    this.#codec.addDictionary(id, dictionary)
  }

  async read(afterSeq: number, limit: number): Promise<JournalBatch> {
    // Seqs first: projections mostly read the tail, whose records need no row read at all;
    // a reader behind the tail reads the rows in one range scan.
    const seqs = this.#stmts.readSeqs.all(afterSeq, limit) as number[]
    const entries: JournalEntry[] = seqs.every((seq) => this.#tail.has(seq))
      ? seqs.map((seq) => this.#tail.get(seq)!)
      : (this.#stmts.read.all(afterSeq, limit) as { seq: number; record: Buffer }[]).map(
          (row) => this.#tail.get(row.seq) ?? new StoredEntry(row.seq, this.#codec.decodeJson(row.record)),
        )
    return { entries, lastSeq: entries.length ? entries[entries.length - 1]!.seq : afterSeq }
  }

  async getBySeq(seqs: number[]): Promise<Map<number, JournalEntry>> {
    const texts = await this.getJsonBySeq(seqs)
    return new Map([...texts].map(([seq, json]) => [seq, new StoredEntry(seq, json)]))
  }

  async getJsonBySeq(seqs: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>()
    const missing = seqs.filter((seq) => {
      const entry = this.#tail.get(seq)
      if (entry !== undefined) out.set(seq, entry.json)
      return entry === undefined
    })
    for (const row of this.#rows(missing)) out.set(row.seq, this.#codec.decodeJson(row.record))
    return out
  }

  /** Stored rows for many seqs in one statement. */
  #rows(seqs: number[]): { seq: number; record: Buffer }[] {
    return seqs.length ? (this.#stmts.getMany.all(JSON.stringify(seqs)) as { seq: number; record: Buffer }[]) : []
  }

  async seqOfEventId(eventId: string): Promise<number | undefined> {
    return (this.#stmts.byEventId.get(eventIdKey(eventId)) as { seq: number } | undefined)?.seq
  }

  async head(): Promise<number> {
    return (this.#stmts.head.get() as { head: number }).head
  }

  async getCursor(name: string): Promise<number> {
    return (this.#stmts.getCursor.get(name) as { seq: number } | undefined)?.seq ?? 0
  }

  async setCursor(name: string, seq: number): Promise<void> {
    // A cursor lost in a power cut replays its batch, which projections handle anyway.
    withoutSync(this.#db, () => this.#stmts.setCursor.run(name, seq))
  }

  recordDictionary(): RecordDictionary | undefined {
    return this.#codec.currentDictionary
  }

  onAppend(listener: (head: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async deleteOlderThan(cutoffMs: number, accountId?: string, options: { keepAccounts?: string[] } = {}): Promise<number> {
    this.#tail.clear()
    this.#tailChars = 0
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
    await Promise.allSettled(this.#syncing)
    await this.#wal?.close()
  }
}

function entryChars(entry: StoredEntry): number {
  return entry.json.length + (entry.skeletonJson?.length ?? 0)
}
