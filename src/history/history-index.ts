/**
 * The Event History projection: keeps the lookup tables (see schema.ts) in step with the
 * journal, and answers LookupEvents from them.
 *
 * Indexing: one transaction per batch (history-store.ts), written on the event loop or on
 * a thread of its own (history-writer.ts); the lookups here only read.
 *
 * Lookup: newest first (eventTime desc, then seq desc), StartTime/EndTime inclusive,
 * one account and Region. Each lookup is one index range scan of at most
 * maxResults+1 rows (three for a lookup without attributes, one per readOnly value,
 * merged). Pages are keyset positions in a NextToken that also pins the index head seen
 * at the first page: a paging session sees exactly the events indexed when it began,
 * so later events, including late imports with an older eventTime, neither shift pages
 * nor appear twice; a new lookup sees them.
 *
 * Several attributes are ANDed: the scan runs on the posting list that looks smallest
 * within the window (a count bounded at ESTIMATE_LIMIT), the others are point lookups on
 * the same (time, seq).
 */
import type Database from 'better-sqlite3'
import type { Journal, JournalBatch, Outcome, Projection } from '../journal/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { historyAttributes } from './attributes.js'
import { ScopeTable, StringDictionary } from './dictionary.js'
import { PURGE_CHUNK, timeKey, type Posting } from './history-store.js'
import { InlineHistoryWriter, type HistoryWriter } from './history-writer.js'
import { matchesAttribute, toLookupEvent } from './lookup-event.js'
import { NextTokenCodec, type TokenPosition } from './next-token.js'
import { checkQuery, DEFAULT_LOOKUP_WINDOW_MS, resolveWindow, type CheckedQuery } from './query.js'
import { ATTR, CATEGORY, RO, RO_VALUES, createHistorySchema } from './schema.js'
import type { HistoryIndexOptions, LookupPage, LookupQuery } from './types.js'

export const HISTORY_PROJECTION_NAME = 'history'
/** Rows counted per posting list when choosing which one to scan. */
const ESTIMATE_LIMIT = 2000

interface Row {
  /** Seconds (timeKey). */
  time: number
  seq: number
}

/** The rows a scan may return: scope, window, session head, position after the last page. */
interface Bounds {
  scope: number
  /** Inclusive, in seconds. */
  start: number
  end: number
  head: number
  after: TokenPosition | undefined
}

export class HistoryIndex implements Projection {
  readonly name = HISTORY_PROJECTION_NAME
  /**
   * Under sustained ingest a commit of this index costs more than its rows (every batch
   * dirties a page of each posting list it touches, all written to the WAL again), so bursts
   * are indexed in batches gathered over 400 ms; a lone event is indexed at once. Events stay
   * searchable well within a second (the ingest bench reports the lag).
   */
  readonly batchSize = 20_000
  readonly gather = { minEntries: 500, waitMs: 400 }
  readonly #db: Database.Database
  readonly #journal: Journal
  readonly #writer: HistoryWriter
  readonly #strings: StringDictionary
  readonly #scopes: ScopeTable
  readonly #codec: NextTokenCodec
  readonly #defaultWindowMs: number
  readonly #now: () => number
  readonly #statements = new Map<string, Database.Statement>()
  /** The highest seq indexed; a first page pins its paging session to it. */
  #head: number

  /** Lookups read `db`; the index is written on it too, or by `options.writer` (on the same database, from a thread of its own say). */
  constructor(db: Database.Database, journal: Journal, options: HistoryIndexOptions & { writer?: HistoryWriter }) {
    this.#db = db
    this.#journal = journal
    this.#codec = new NextTokenCodec(options.tokenKey)
    this.#defaultWindowMs = options.defaultWindowMs ?? DEFAULT_LOOKUP_WINDOW_MS
    this.#now = options.now ?? Date.now
    createHistorySchema(db)
    this.#writer = options.writer ?? new InlineHistoryWriter(db)
    this.#strings = new StringDictionary(db)
    this.#scopes = new ScopeTable(db)
    this.#head = (this.#sql("SELECT value FROM history_meta WHERE key = 'head'").get() as { value: number } | undefined)?.value ?? 0
  }

  /**
   * The highest seq the index holds. Its projection's cursor must not be beyond it: the index
   * may live in a database of its own, whose last commits a power cut can take while the
   * journal's cursor survives; a cursor ahead of the index is set back to it before a start.
   */
  get indexedHead(): number {
    return this.#head
  }

  async apply(batch: JournalBatch): Promise<Outcome> {
    if (batch.entries.length === 0) return 'delivered'
    await this.#writer.apply(
      batch.entries.map((e) => [e.seq, e.skeletonJson ?? e.json]),
      batch.lastSeq,
    )
    this.#head = Math.max(this.#head, batch.lastSeq)
    return 'delivered'
  }

  async close(): Promise<void> {
    await this.#writer.close()
  }

  /** One page of LookupEvents. Throws the typed errors in errors.ts. */
  async lookup(query: LookupQuery): Promise<LookupPage> {
    return this.lookupAs(query, { render: (_seq, json) => toLookupEvent(JSON.parse(json) as CloudTrailRecord, json) })
  }

  /**
   * One page of LookupEvents with each event in the caller's form. `cached` may answer an
   * event without its record being read (events never change once stored, so a seq's
   * rendering stays right); `render` gets the record's stored JSON text.
   */
  async lookupAs<T>(query: LookupQuery, form: { cached?: (seq: number) => T | undefined; render: (seq: number, json: string) => T }): Promise<{ events: T[]; nextToken?: string }> {
    const q = checkQuery(query)
    const after = query.nextToken !== undefined ? this.#codec.decode(query.nextToken, q.params) : undefined
    const window = after
      ? { start: after.start, end: q.endMs ?? this.#now() }
      : resolveWindow(q, this.#now(), this.#defaultWindowMs)
    const head = after?.head ?? this.#head
    const scope = this.#scopes.find(q.accountId, q.region, CATEGORY[q.category])
    if (scope === undefined) return { events: [] }
    const bounds: Bounds = {
      scope,
      // Stored times are whole seconds (CloudTrail's eventTime has no fraction): the
      // inclusive ms window becomes the seconds wholly inside it.
      start: Math.ceil(window.start / 1000),
      end: Math.min(Math.floor(window.end / 1000), after?.time ?? Infinity),
      head,
      after,
    }
    if (bounds.start > bounds.end) return { events: [] }
    const eventId = q.attributes.find((a) => a.key === 'EventId')
    const rows = eventId ? await this.#byEventId(eventId.value, q, bounds) : this.#scan(q, bounds)

    const page = rows.slice(0, q.maxResults)
    const cached = new Map<number, T>()
    for (const r of page) {
      const hit = form.cached?.(r.seq)
      if (hit !== undefined) cached.set(r.seq, hit)
    }
    const texts = await this.#journal.getJsonBySeq(page.filter((r) => !cached.has(r.seq)).map((r) => r.seq))
    // A row whose record the journal no longer has (retention between the two deletes) is skipped.
    const events = page.flatMap((r) => {
      const hit = cached.get(r.seq)
      if (hit !== undefined) return [hit]
      const json = texts.get(r.seq)
      return json === undefined ? [] : [form.render(r.seq, json)]
    })
    const last = page[page.length - 1]
    if (rows.length <= q.maxResults || !last) return { events }
    const nextToken = this.#codec.encode({ time: last.time, seq: last.seq, head, start: window.start }, q.params)
    return { events, nextToken }
  }

  /**
   * Retention: removes index rows of events older than the cutoff, for one account or
   * all but `keepAccounts`. Call before journal.deleteOlderThan. Resolves to the number
   * of events removed.
   */
  async purgeOlderThan(cutoff: Date, accountId?: string, keepAccounts: string[] = []): Promise<number> {
    const cutoffSeconds = Math.ceil(cutoff.getTime() / 1000)
    let removed = 0
    // Chunk by chunk, so index writes of new events get their turn in between.
    for (const scope of await this.#writer.scopesToPurge(accountId, keepAccounts)) {
      for (;;) {
        const n = await this.#writer.purgeChunk(scope, cutoffSeconds)
        removed += n
        if (n < PURGE_CHUNK) break
      }
    }
    return removed
  }

  #scan(q: CheckedQuery, b: Bounds): Row[] {
    const postings: Posting[] = []
    let ro: number | undefined
    for (const { key, value } of q.attributes) {
      if (key === 'EventId') continue
      if (key === 'ReadOnly') {
        if (value !== 'true' && value !== 'false') return []
        ro = value === 'true' ? RO.true : RO.false
        continue
      }
      const id = this.#strings.find(value)
      if (id === undefined) return [] // never indexed: nothing can match
      postings.push({ attr: ATTR[key], value: id })
    }
    const limit = q.maxResults + 1
    if (postings.length === 0) return this.#scanEvents(b, ro === undefined ? [...RO_VALUES] : [ro], limit)
    if (postings.length > 1) {
      const sizes = new Map(postings.map((p) => [p, this.#estimate(b, p)]))
      postings.sort((x, y) => sizes.get(x)! - sizes.get(y)!)
    }
    const [driver, ...others] = postings as [Posting, ...Posting[]]
    const filters = others.map(
      () => 'AND EXISTS (SELECT 1 FROM history_postings f WHERE f.scope = p.scope AND f.attr = ? AND f.value = ? AND f.time = p.time AND f.seq = p.seq)',
    )
    if (ro !== undefined) {
      filters.push('AND EXISTS (SELECT 1 FROM history_events e WHERE e.scope = p.scope AND e.ro = ? AND e.time = p.time AND e.seq = p.seq)')
    }
    const sql = `SELECT p.time, p.seq FROM history_postings p
      WHERE p.scope = ? AND p.attr = ? AND p.value = ? AND ${rangeSql('p', b)} ${filters.join(' ')}
      ORDER BY p.time DESC, p.seq DESC LIMIT ?`
    const params = [b.scope, driver.attr, driver.value, ...rangeParams(b), ...others.flatMap((o) => [o.attr, o.value])]
    if (ro !== undefined) params.push(ro)
    return this.#sql(sql).all(...params, limit) as Row[]
  }

  /** Rows of history_events, merged over the readOnly values asked for. */
  #scanEvents(b: Bounds, ros: number[], limit: number): Row[] {
    const arm = `SELECT time, seq FROM (SELECT time, seq FROM history_events e
      WHERE e.scope = ? AND e.ro = ? AND ${rangeSql('e', b)} ORDER BY e.time DESC, e.seq DESC LIMIT ?)`
    const sql = ros.length === 1 ? arm : `${ros.map(() => arm).join(' UNION ALL ')} ORDER BY time DESC, seq DESC LIMIT ?`
    const params = ros.flatMap((ro) => [b.scope, ro, ...rangeParams(b), limit])
    if (ros.length > 1) params.push(limit)
    return this.#sql(sql).all(...params) as Row[]
  }

  /** How many rows a posting list has in the window, counting no further than ESTIMATE_LIMIT. */
  #estimate(b: Bounds, p: Posting): number {
    const row = this.#sql(`SELECT count(*) AS n FROM (SELECT 1 FROM history_postings
      WHERE scope = ? AND attr = ? AND value = ? AND time >= ? AND time <= ? LIMIT ${ESTIMATE_LIMIT})`).get(
      b.scope,
      p.attr,
      p.value,
      b.start,
      b.end,
    ) as { n: number }
    return row.n
  }

  /** EventId: the journal's own unique index finds the seq; the index row confirms it is visible. */
  async #byEventId(eventId: string, q: CheckedQuery, b: Bounds): Promise<Row[]> {
    const seq = await this.#journal.seqOfEventId(eventId)
    if (seq === undefined || seq > b.head) return []
    const record = (await this.#journal.getBySeq([seq])).get(seq)?.record
    if (!record) return []
    const a = historyAttributes(record)
    const time = timeKey(a.eventTimeMs)
    if (a.category !== q.category || (record.recipientAccountId ?? '') !== q.accountId || record.awsRegion !== q.region) return []
    if (time < b.start || time > b.end || (b.after && time === b.after.time && seq >= b.after.seq)) return []
    if (!q.attributes.every(({ key, value }) => matchesAttribute(a, record.eventID, key, value))) return []
    const ro = a.readOnly === undefined ? RO.unknown : a.readOnly ? RO.true : RO.false
    const indexed = this.#sql('SELECT 1 FROM history_events WHERE scope = ? AND ro = ? AND time = ? AND seq = ?').get(
      b.scope,
      ro,
      time,
      seq,
    )
    return indexed ? [{ time, seq }] : []
  }

  /** Statements are prepared once per distinct SQL text (query shapes are few). */
  #sql(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }
}

/**
 * The window, the session head and the keyset position. `time <= end` (end already
 * capped at the position's time) bounds the index range; the rest filters the few rows
 * sharing the position's second.
 */
function rangeSql(alias: string, b: Bounds): string {
  const base = `${alias}.time >= ? AND ${alias}.time <= ? AND ${alias}.seq <= ?`
  return b.after ? `${base} AND (${alias}.time < ? OR ${alias}.seq < ?)` : base
}

function rangeParams(b: Bounds): number[] {
  const params = [b.start, b.end, b.head]
  if (b.after) params.push(b.after.time, b.after.seq)
  return params
}
