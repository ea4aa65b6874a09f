/**
 * The Event History projection: keeps the lookup tables (see schema.ts) in step with the
 * journal, and answers LookupEvents from them.
 *
 * Indexing: one transaction per batch; rows are keyed by what the record determines
 * (scope, time, seq), so replaying a batch rewrites the same rows.
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
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type Database from 'better-sqlite3'
import { withoutSync } from '../journal/index.js'
import type { Journal, JournalBatch, Outcome, Projection } from '../journal/index.js'
import type { CloudTrailRecord, RecordSkeleton } from '../record/index.js'
import { historyAttributes, resourceNameKeys } from './attributes.js'
import { ScopeTable, StringDictionary } from './dictionary.js'
import { matchesAttribute, toLookupEvent } from './lookup-event.js'
import { NextTokenCodec, type TokenPosition } from './next-token.js'
import { checkQuery, DEFAULT_LOOKUP_WINDOW_MS, resolveWindow, type CheckedQuery } from './query.js'
import { ATTR, CATEGORY, RO, RO_VALUES, createHistorySchema } from './schema.js'
import type { HistoryIndexOptions, LookupPage, LookupQuery } from './types.js'

export const HISTORY_PROJECTION_NAME = 'history'
/** Events deleted per retention transaction, so appends are not held up for long. */
const PURGE_CHUNK = 5000
/** Rows counted per posting list when choosing which one to scan. */
const ESTIMATE_LIMIT = 2000

/** The stored time of an event: its eventTime in whole seconds since the epoch. */
function timeKey(eventTimeMs: number): number {
  return Math.floor(eventTimeMs / 1000)
}

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

interface Posting {
  attr: number
  value: number
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
  readonly #strings: StringDictionary
  readonly #scopes: ScopeTable
  readonly #codec: NextTokenCodec
  readonly #defaultWindowMs: number
  readonly #now: () => number
  readonly #statements = new Map<string, Database.Statement>()
  /** The highest seq indexed; a first page pins its paging session to it. */
  #head: number

  constructor(db: Database.Database, journal: Journal, options: HistoryIndexOptions) {
    this.#db = db
    this.#journal = journal
    this.#codec = new NextTokenCodec(options.tokenKey)
    this.#defaultWindowMs = options.defaultWindowMs ?? DEFAULT_LOOKUP_WINDOW_MS
    this.#now = options.now ?? Date.now
    createHistorySchema(db)
    this.#strings = new StringDictionary(db)
    this.#scopes = new ScopeTable(db)
    this.#head = (this.#sql("SELECT value FROM history_meta WHERE key = 'head'").get() as { value: number } | undefined)?.value ?? 0
  }

  async apply(batch: JournalBatch): Promise<Outcome> {
    if (batch.entries.length === 0) return 'delivered'
    try {
      // The index is rebuilt from the journal on replay, so its commits need not wait for the disk.
      withoutSync(this.#db, () =>
        this.#db.transaction(() => {
          for (const entry of batch.entries) this.#indexOne(entry.seq, entry.skeleton)
          this.#sql(
            "INSERT INTO history_meta (key, value) VALUES ('head', ?) ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
          ).run(batch.lastSeq)
        })(),
      )
    } catch (error) {
      this.#strings.forgetUncommitted()
      this.#scopes.forgetUncommitted()
      throw error
    }
    this.#head = Math.max(this.#head, batch.lastSeq)
    return 'delivered'
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
    const cutoffMs = cutoff.getTime()
    const keep = new Set(keepAccounts)
    let removed = 0
    for (const scope of this.#scopes.all()) {
      if ((accountId !== undefined && scope.account !== accountId) || keep.has(scope.account)) continue
      for (;;) {
        const n = this.#purgeChunk(scope.id, Math.ceil(cutoffMs / 1000))
        removed += n
        if (n < PURGE_CHUNK) break
        await yieldToEventLoop() // lets waiting appends commit between chunks
      }
    }
    return removed
  }

  #indexOne(seq: number, record: RecordSkeleton): void {
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
    this.#sql(
      'INSERT OR REPLACE INTO history_events (scope, ro, time, seq, name, source, user, akey, res) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(scope, ro, time, seq, name, source, user, akey, res.length ? JSON.stringify(res) : null)
    const insert = this.#sql('INSERT OR IGNORE INTO history_postings (scope, attr, value, time, seq) VALUES (?, ?, ?, ?, ?)')
    for (const p of postingsOf({ name, source, user, akey, res })) insert.run(scope, p.attr, p.value, time, seq)
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

  /** Removes up to PURGE_CHUNK events with time (seconds) < cutoff. */
  #purgeChunk(scope: number, cutoff: number): number {
    return this.#db.transaction(() => {
      const rows = this.#sql(`SELECT ro, time, seq, name, source, user, akey, res FROM history_events
        WHERE scope = ? AND ro IN (0, 1, 2) AND time < ? LIMIT ${PURGE_CHUNK}`).all(scope, cutoff) as EventRow[]
      const deletePosting = this.#sql(
        'DELETE FROM history_postings WHERE scope = ? AND attr = ? AND value = ? AND time = ? AND seq = ?',
      )
      const deleteEvent = this.#sql('DELETE FROM history_events WHERE scope = ? AND ro = ? AND time = ? AND seq = ?')
      for (const row of rows) {
        const res = row.res === null ? [] : (JSON.parse(row.res) as [number, number][])
        for (const p of postingsOf({ ...row, res })) deletePosting.run(scope, p.attr, p.value, row.time, row.seq)
        deleteEvent.run(scope, row.ro, row.time, row.seq)
      }
      return rows.length
    })()
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
