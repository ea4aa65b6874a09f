import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { openDatabase, SqliteJournal, JournalPushback, ProjectionRunner } from './index.js'
import type { JournalBatch, Outcome, Projection } from './index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { newEventId } from '../record/index.js'

function record(i: number, overrides: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: `arn:aws:iam::111122223333:user/u${i % 7}`, accountId: '111122223333', userName: `u${i % 7}` },
    eventTime: new Date(Date.UTC(2024, 0, 1, 0, 0, i % 60)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: `Op${i % 13}`,
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.1',
    requestParameters: { i },
    responseElements: null,
    eventID: newEventId(),
    readOnly: i % 2 === 0,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    ...overrides,
  }
}

let dir: string
let db: Database.Database
let journal: SqliteJournal

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-test-'))
  db = openDatabase(join(dir, 'j.db'))
  journal = new SqliteJournal(db)
})
afterEach(async () => {
  await journal.close()
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('SqliteJournal', () => {
  it('assigns increasing sequence numbers and reads records back unchanged', async () => {
    const records = Array.from({ length: 10 }, (_, i) => record(i))
    const results = await journal.append(records.map((r) => ({ record: r })))
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(results.every((r) => !r.duplicate)).toBe(true)
    const batch = await journal.read(0, 100)
    expect(batch.entries.map((e) => e.record)).toEqual(records)
    expect(batch.lastSeq).toBe(10)
    expect(await journal.head()).toBe(10)
    expect((await journal.read(7, 2)).entries.map((e) => e.seq)).toEqual([8, 9])
  })

  it('shares one commit among concurrent appends (group commit)', async () => {
    const heads: number[] = []
    journal.onAppend((head) => heads.push(head))
    await Promise.all(Array.from({ length: 20 }, (_, i) => journal.append([{ record: record(i) }, { record: record(i + 100) }])))
    // Encoding runs in zlib's thread pool, so appends reach the queue at slightly different
    // moments; still, far fewer commits than appends happen, and the last head is complete.
    expect(heads.length).toBeLessThan(20)
    expect(heads.at(-1)).toBe(40)
  })

  it('skips a duplicate eventID and returns the first seq', async () => {
    const r = record(1)
    const [first] = await journal.append([{ record: r }])
    const [again, other] = await journal.append([{ record: { ...r, eventName: 'Changed' } }, { record: record(2) }])
    expect(again).toEqual({ seq: first!.seq, eventId: r.eventID, duplicate: true })
    expect(other!.duplicate).toBe(false)
    expect((await journal.getBySeq([first!.seq])).get(first!.seq)!.record.eventName).toBe(r.eventName)
  })

  it('opens a journal of the earlier layout (an idem_key column and its index) and appends to it', async () => {
    const old = openDatabase(join(dir, 'old.db'))
    old.exec(`CREATE TABLE journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id BLOB NOT NULL, account TEXT NOT NULL,
        event_time INTEGER NOT NULL, idem_key BLOB, record BLOB NOT NULL);
      CREATE UNIQUE INDEX journal_idem_key ON journal(idem_key) WHERE idem_key IS NOT NULL;`)
    const reopened = new SqliteJournal(old)
    expect(old.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'journal_idem_key'").get()).toBeUndefined()
    const r = record(1)
    const [first] = await reopened.append([{ record: r }])
    const [again] = await reopened.append([{ record: r }])
    expect(again).toEqual({ ...first, duplicate: true })
    expect((await reopened.getBySeq([first!.seq])).get(first!.seq)!.record).toEqual(r)
    await reopened.close()
    old.close()
  })

  it('finds events by eventID, UUID or not', async () => {
    const plain = record(1, { eventID: 'not-a-uuid-123' })
    const uuid = record(2)
    await journal.append([{ record: plain }, { record: uuid }])
    expect(await journal.seqOfEventId('not-a-uuid-123')).toBe(1)
    expect(await journal.seqOfEventId(uuid.eventID)).toBe(2)
    expect(await journal.seqOfEventId(uuid.eventID.toUpperCase())).toBe(2)
    expect(await journal.seqOfEventId(newEventId())).toBeUndefined()
  })

  it('pushes back when too many events wait for a commit', async () => {
    const small = new SqliteJournal(db, { maxQueuedEvents: 5 })
    const pending = small.append(Array.from({ length: 4 }, (_, i) => ({ record: record(i) })))
    await expect(small.append([{ record: record(10) }, { record: record(11) }])).rejects.toBeInstanceOf(JournalPushback)
    await pending
    expect(await small.append([{ record: record(12) }])).toHaveLength(1)
  })

  it('is durable: a reopened database has every acknowledged event', async () => {
    const acked = await journal.append(Array.from({ length: 50 }, (_, i) => ({ record: record(i) })))
    const reopened = new SqliteJournal(openDatabase(join(dir, 'j.db')))
    expect((await reopened.read(0, 100)).entries.map((e) => e.record.eventID)).toEqual(acked.map((a) => a.eventId))
  })

  it('trains a compression dictionary from its own records; old and new rows stay readable', async () => {
    const before = Array.from({ length: 1200 }, (_, i) => record(i))
    for (let i = 0; i < before.length; i += 200) await journal.append(before.slice(i, i + 200).map((r) => ({ record: r })))
    const dictionaries = db.prepare('SELECT COUNT(*) AS n FROM journal_dictionaries').get() as { n: number }
    expect(dictionaries.n).toBe(1)
    const after = Array.from({ length: 50 }, (_, i) => record(i + 5000))
    await journal.append(after.map((r) => ({ record: r })))
    const sizes = db.prepare('SELECT seq, length(record) AS n FROM journal WHERE seq IN (1, 1250)').all() as { seq: number; n: number }[]
    expect(sizes[1]!.n).toBeLessThan(sizes[0]!.n)
    const reopened = new SqliteJournal(db)
    expect((await reopened.read(0, 2000)).entries.map((e) => e.record)).toEqual([...before, ...after])
  })

  it('reads rows compressed with a dictionary another process trained', async () => {
    const other = new SqliteJournal(openDatabase(join(dir, 'j.db')))
    const records = Array.from({ length: 1100 }, (_, i) => record(i))
    await other.append(records.map((r) => ({ record: r })))
    await other.append([{ record: record(7777) }])
    const last = await journal.read(1100, 10)
    expect(last.entries[0]!.record.requestParameters).toEqual({ i: 7777 })
  })

  it('keeps events a projection has not consumed when retention deletes', async () => {
    await journal.append(Array.from({ length: 10 }, (_, i) => ({ record: record(i) })))
    await journal.setCursor('slow', 4)
    const deleted = await journal.deleteOlderThan(Date.UTC(2030, 0, 1))
    expect(deleted).toBe(4)
    expect((await journal.read(0, 100)).entries.map((e) => e.seq)).toEqual([5, 6, 7, 8, 9, 10])
  })
})

describe('ProjectionRunner', () => {
  /** A projection built from function fields, recording what it saw. */
  function recordingProjection(name: string, decide: (batch: JournalBatch, call: number) => Outcome): Projection & { seen: number[][] } {
    const seen: number[][] = []
    let call = 0
    return {
      name,
      batchSize: 10,
      seen,
      async apply(batch) {
        seen.push(batch.entries.map((e) => e.seq))
        return decide(batch, call++)
      },
    }
  }

  it('delivers every entry once, in order, and keeps its cursor', async () => {
    await journal.append(Array.from({ length: 25 }, (_, i) => ({ record: record(i) })))
    const p = recordingProjection('p', () => 'delivered')
    const runner = new ProjectionRunner(journal, p)
    runner.start()
    await runner.caughtUp()
    await journal.append([{ record: record(99) }])
    await runner.caughtUp()
    await runner.stop()
    expect(p.seen.flat()).toEqual(Array.from({ length: 26 }, (_, i) => i + 1))
    expect(await journal.getCursor('p')).toBe(26)
  })

  it('replays a batch whose work finished but whose cursor did not advance (a crash), never skipping', async () => {
    await journal.append(Array.from({ length: 15 }, (_, i) => ({ record: record(i) })))
    // First life: the work of batch 2 happens, then the process "dies" before the cursor moves.
    const first = recordingProjection('q', (_b, call) => (call === 0 ? 'delivered' : 'errored'))
    const runner1 = new ProjectionRunner(journal, first, { retryMinMs: 60_000 })
    runner1.start()
    await waitFor(() => first.seen.length >= 2)
    await runner1.stop()
    expect(await journal.getCursor('q')).toBe(10)
    // Second life: ordinary startup from the cursor replays the unfinished batch.
    const second = recordingProjection('q', () => 'delivered')
    const runner2 = new ProjectionRunner(journal, second)
    runner2.start()
    await runner2.caughtUp()
    await runner2.stop()
    expect(first.seen).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15]])
    expect(second.seen).toEqual([[11, 12, 13, 14, 15]])
  })

  it('retries an errored batch with backoff until it is delivered', async () => {
    await journal.append(Array.from({ length: 3 }, (_, i) => ({ record: record(i) })))
    const p = recordingProjection('r', (_b, call) => (call < 2 ? 'errored' : 'delivered'))
    const runner = new ProjectionRunner(journal, p, { retryMinMs: 5 })
    runner.start()
    await runner.caughtUp()
    await runner.stop()
    expect(p.seen).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    expect(runner.status.cursor).toBe(3)
  })

  it('gathers a burst into one larger batch', async () => {
    const p = { ...recordingProjection('g', () => 'delivered'), batchSize: 100, gather: { minEntries: 5, waitMs: 200 } }
    await journal.append(Array.from({ length: 10 }, (_, i) => ({ record: record(i) })))
    const runner = new ProjectionRunner(journal, p)
    runner.start()
    await journal.append(Array.from({ length: 20 }, (_, i) => ({ record: record(i + 10) })))
    await runner.caughtUp()
    await runner.stop()
    expect(p.seen).toEqual([Array.from({ length: 30 }, (_, i) => i + 1)])
  })

  it('applies entries below the burst size at once (a wait here would outlast the test)', async () => {
    const p = { ...recordingProjection('h', () => 'delivered'), gather: { minEntries: 5, waitMs: 600_000 } }
    const runner = new ProjectionRunner(journal, p)
    runner.start()
    await journal.append([{ record: record(1) }])
    await runner.caughtUp()
    await runner.stop()
    expect(p.seen).toEqual([[1]])
  })

  it('holds the cursor on a rejected batch', async () => {
    await journal.append([{ record: record(1) }])
    const p = recordingProjection('s', () => 'rejected')
    const runner = new ProjectionRunner(journal, p, { retryMinMs: 60_000 })
    runner.start()
    await waitFor(() => p.seen.length >= 1)
    await runner.stop()
    expect(await journal.getCursor('s')).toBe(0)
    expect(runner.status.lastOutcome).toBe('rejected')
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5))
}

describe('SqliteJournal lazy appends', () => {
  it('commits lazy appends together a little later, or with the next append that is waited for', async () => {
    const heads: number[] = []
    journal.onAppend((head) => heads.push(head))
    const lazy = [journal.append([{ record: record(1) }], { lazy: true }), journal.append([{ record: record(2) }], { lazy: true })]
    await new Promise((resolve) => setImmediate(resolve))
    expect(await journal.head()).toBe(0) // not committed in the next turn, as a waited-for append would be
    await Promise.all(lazy)
    expect(heads).toEqual([2]) // one commit for both

    const more = journal.append([{ record: record(3) }], { lazy: true })
    await journal.append([{ record: record(4) }])
    await more
    expect(heads).toEqual([2, 4]) // the waited-for append took the lazy one along
  })
})

describe('SqliteJournal durability', () => {
  it('tells projections of a head only once its commit is synced, and answers after that too', async () => {
    const seen: number[] = []
    journal.onAppend((head) => seen.push(head))
    const pending = journal.append([{ record: record(1) }])
    // The commit is written within this turn of the event loop; the acknowledgement and the
    // notification wait for the WAL's fsync on the thread pool.
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual([])
    const [result] = await pending
    expect(seen).toEqual([result!.seq])
  })
})
