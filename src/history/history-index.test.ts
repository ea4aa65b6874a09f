import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type Database from 'better-sqlite3'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, ProjectionRunner, SqliteJournal } from '../journal/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { historyAttributes } from './attributes.js'
import { matchesAttribute } from './lookup-event.js'
import {
  HistoryIndex,
  InvalidEventCategoryError,
  InvalidLookupAttributesError,
  InvalidMaxResultsError,
  InvalidNextTokenError,
  InvalidTimeRangeError,
  LOOKUP_ATTRIBUTE_KEYS,
  LookupError,
  type LookupAttributeKey,
  type LookupEvent,
  type LookupQuery,
} from './index.js'

// A worker entry must be JavaScript: the thread-written index runs the compiled code (`npm test` builds first).
const { ThreadHistoryWriter } = (await import(join(import.meta.dirname, '../../dist/src/history/index.js'))) as typeof import('./index.js')

const INVICTUS_DIR = '/work/shared/testdata/invictus-ir-aws-dataset/CloudTrail'
const INVICTUS_ACCOUNT = '123837392027'
const TOKEN_KEY = 'test-token-key-0123456789abcdef'
const T0 = Date.parse('2024-05-14T00:00:00Z')

let invictus: CloudTrailRecord[]
beforeAll(() => {
  invictus = readdirSync(INVICTUS_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(INVICTUS_DIR, f))).toString()) as { Records: CloudTrailRecord[] }).Records)
})

interface Harness {
  db: Database.Database
  /** Where the index is: `db`, or its own database when written on a thread. */
  indexDb: Database.Database
  journal: SqliteJournal
  history: HistoryIndex
  runner: ProjectionRunner
  /** Appends and waits until the index has caught up; returns the seq of each record. */
  add(records: CloudTrailRecord[]): Promise<number[]>
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** `thread`: the index in a database of its own, written by a ThreadHistoryWriter (as the server runs it). */
async function harness(options: { now?: number; path?: string; thread?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'history-test-'))
  const db = openDatabase(options.path ?? join(dir, 'opentrail.db'))
  const journal = new SqliteJournal(db)
  const now = options.now ?? T0 + 86_400_000
  const historyPath = join(dir, 'history.db')
  const historyDb = options.thread ? openDatabase(historyPath) : db
  const history = new HistoryIndex(historyDb, journal, {
    tokenKey: TOKEN_KEY,
    now: () => now,
    ...(options.thread && { writer: new ThreadHistoryWriter(historyPath) }),
  })
  const runner = new ProjectionRunner(journal, history)
  runner.start()
  cleanups.push(async () => {
    await runner.stop()
    await history.close()
    if (historyDb !== db) historyDb.close()
    await journal.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    db,
    indexDb: historyDb,
    journal,
    history,
    runner,
    async add(records) {
      const results = await journal.append(records.map((record) => ({ record })))
      await runner.caughtUp()
      return results.map((r) => r.seq)
    },
  }
}

const WRITERS = [['on the event loop', false], ['on a thread of its own', true]] as const

let counter = 0
function synthetic(timeMs: number, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  counter++
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLE0001',
      userName: 'alice',
    },
    eventTime: new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    eventID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
    recipientAccountId: '111122223333',
    ...extra,
  }
}

/** Every page of a lookup, following NextToken. */
async function lookupAll(history: HistoryIndex, q: LookupQuery): Promise<LookupEvent[]> {
  const out: LookupEvent[] = []
  let nextToken: string | undefined
  do {
    const page = await history.lookup({ ...q, nextToken })
    expect(page.events.length).toBeLessThanOrEqual(q.maxResults ?? 50)
    out.push(...page.events)
    nextToken = page.nextToken
  } while (nextToken)
  return out
}

/** What a lookup must return, found by brute force over the records: newest first, ties by seq. */
function expected(records: CloudTrailRecord[], seqs: number[], keep: (r: CloudTrailRecord) => boolean): string[] {
  return records
    .map((r, i) => ({ r, seq: seqs[i]!, t: Date.parse(r.eventTime) }))
    .filter(({ r }) => keep(r))
    .sort((a, b) => b.t - a.t || b.seq - a.seq)
    .map(({ r }) => r.eventID)
}

const ids = (events: LookupEvent[]) => events.map((e) => e.EventId)

describe.each(WRITERS)('HistoryIndex on the invictus-ir records, written %s', (_where, thread) => {
  const window = { startTime: new Date('2023-07-10T00:00:00Z'), endTime: new Date('2023-07-11T00:00:00Z') }
  const base = { accountId: INVICTUS_ACCOUNT, region: 'us-east-1', attributes: [], ...window }

  it('returns every management event, newest first, over pages', async () => {
    const h = await harness({ thread })
    const seqs = await h.add(invictus)
    const all = await lookupAll(h.history, base)
    expect(all).toHaveLength(2900)
    expect(ids(all)).toEqual(expected(invictus, seqs, () => true))
    const one = all.find((e) => e.EventName === 'ListBuckets')!
    expect(JSON.parse(one.CloudTrailEvent)).toEqual(invictus.find((r) => r.eventID === one.EventId))
  })

  it('finds events by each of the eight attribute keys', async () => {
    const h = await harness({ thread })
    const seqs = await h.add(invictus)
    const withResource = invictus.find((r) => r.resources?.some((x) => x.type === 'AWS::S3::Bucket'))!
    const assumed = invictus.find((r) => r.userIdentity?.type === 'AssumedRole' && r.userIdentity.arn)!
    const values: Record<LookupAttributeKey, string> = {
      EventId: invictus[1234]!.eventID,
      EventName: 'GetSecretValue',
      ReadOnly: 'false',
      Username: assumed.userIdentity!.arn!.split('/').pop()!,
      ResourceType: 'AWS::KMS::Key',
      ResourceName: withResource.resources!.find((x) => x.type === 'AWS::S3::Bucket')!.ARN!,
      EventSource: 'iam.amazonaws.com',
      AccessKeyId: invictus.find((r) => r.userIdentity?.accessKeyId?.startsWith('ASIA'))!.userIdentity!.accessKeyId!,
    }
    const plain: Record<string, (r: CloudTrailRecord) => boolean> = {
      EventId: (r) => r.eventID === values.EventId,
      EventName: (r) => r.eventName === values.EventName,
      ReadOnly: (r) => r.readOnly === false,
      Username: (r) => r.userIdentity?.arn?.endsWith(`/${values.Username}`) === true && r.userIdentity.type === 'AssumedRole',
      ResourceType: (r) => r.resources?.some((x) => x.type === values.ResourceType) === true,
      ResourceName: (r) => r.resources?.some((x) => x.ARN === values.ResourceName) === true,
      EventSource: (r) => r.eventSource === values.EventSource,
      AccessKeyId: (r) => r.userIdentity?.accessKeyId === values.AccessKeyId,
    }
    for (const key of LOOKUP_ATTRIBUTE_KEYS) {
      const want = expected(invictus, seqs, plain[key]!)
      expect(want.length, key).toBeGreaterThan(0)
      const got = await lookupAll(h.history, { ...base, attributes: [{ key, value: values[key] }] })
      expect(ids(got), key).toEqual(want)
    }
  })

  it('finds a resource by the short name in its ARN', async () => {
    const h = await harness({ thread })
    const seqs = await h.add(invictus)
    const arn = invictus.flatMap((r) => r.resources ?? []).find((x) => x.type === 'AWS::S3::Bucket')!.ARN!
    const bucket = arn.split(':').pop()!
    const got = await lookupAll(h.history, { ...base, attributes: [{ key: 'ResourceName', value: bucket }] })
    expect(ids(got)).toEqual(expected(invictus, seqs, (r) => r.resources?.some((x) => x.ARN === arn) === true))
  })

  it('ANDs several attributes', async () => {
    const h = await harness({ thread })
    const seqs = await h.add(invictus)
    const cases: { key: LookupAttributeKey; value: string }[][] = [
      [{ key: 'EventSource', value: 'ec2.amazonaws.com' }, { key: 'ReadOnly', value: 'false' }],
      [{ key: 'ReadOnly', value: 'true' }, { key: 'EventSource', value: 'kms.amazonaws.com' }, { key: 'EventName', value: 'Decrypt' }],
      [{ key: 'ResourceType', value: 'AWS::KMS::Key' }, { key: 'Username', value: invictus.find((r) => r.eventSource === 'kms.amazonaws.com')!.userIdentity!.userName! }],
      [{ key: 'EventName', value: 'GetSecretValue' }, { key: 'EventSource', value: 'ec2.amazonaws.com' }],
      [{ key: 'EventId', value: invictus[10]!.eventID }, { key: 'EventSource', value: invictus[10]!.eventSource! }],
      [{ key: 'EventId', value: invictus[10]!.eventID }, { key: 'EventName', value: 'NotThisOne' }],
    ]
    for (const attributes of cases) {
      const want = expected(invictus, seqs, (r) => {
        const a = historyAttributes(r)
        return attributes.every(({ key, value }) => matchesAttribute(a, r.eventID, key, value))
      })
      const got = await lookupAll(h.history, { ...base, attributes, maxResults: 7 })
      expect(ids(got), JSON.stringify(attributes)).toEqual(want)
    }
  })
})

describe('HistoryIndex scope and windows', () => {
  it('bounds are inclusive and the default window is the last 90 days up to now', async () => {
    const now = T0 + 100 * 86_400_000
    const h = await harness({ now })
    const day = 86_400_000
    const records = [
      synthetic(T0),
      synthetic(T0 + 1000),
      synthetic(T0 + 2000),
      synthetic(T0 + 3000),
      synthetic(now - 91 * day),
      synthetic(now - 89 * day),
      synthetic(now),
      synthetic(now + 60_000), // a future clock skew: past the default EndTime
    ]
    await h.add(records)
    const base = { accountId: '111122223333', region: 'us-east-1', attributes: [] }
    const got = await h.history.lookup({ ...base, startTime: new Date(T0 + 1000), endTime: new Date(T0 + 2000) })
    expect(ids(got.events)).toEqual([records[2]!.eventID, records[1]!.eventID])
    const point = await h.history.lookup({ ...base, startTime: new Date(T0 + 3000), endTime: new Date(T0 + 3000) })
    expect(ids(point.events)).toEqual([records[3]!.eventID])
    const recent = await h.history.lookup(base)
    expect(ids(recent.events)).toEqual([records[6]!.eventID, records[5]!.eventID])
    const onlyStart = await h.history.lookup({ ...base, startTime: new Date(T0 + 2500) })
    expect(ids(onlyStart.events)).toEqual([records[6]!.eventID, records[5]!.eventID, records[4]!.eventID, records[3]!.eventID])
  })

  it('compares sub-second bounds with whole-second event times exactly', async () => {
    const h = await harness()
    const records = [synthetic(T0), synthetic(T0 + 1000), synthetic(T0 + 2000)]
    await h.add(records)
    const base = { accountId: '111122223333', region: 'us-east-1', attributes: [] }
    const between = async (start: number, end: number) =>
      ids((await h.history.lookup({ ...base, startTime: new Date(start), endTime: new Date(end) })).events)
    expect(await between(T0 + 1, T0 + 1999)).toEqual([records[1]!.eventID])
    expect(await between(T0 + 1001, T0 + 1999)).toEqual([])
    expect(await between(T0 - 1, T0 + 1000)).toEqual([records[1]!.eventID, records[0]!.eventID])
    const [event] = (await h.history.lookup({ ...base, attributes: [{ key: 'EventId', value: records[2]!.eventID }] })).events
    expect(event!.EventTime.getTime()).toBe(T0 + 2000)
    expect(event).toMatchObject({ EventName: 'DescribeInstances', ReadOnly: 'true', AccessKeyId: 'AKIAEXAMPLE0001', Username: 'alice', Resources: [] })
  })

  it('keeps Regions and accounts apart', async () => {
    const h = await harness()
    const a = synthetic(T0, { awsRegion: 'us-east-1', recipientAccountId: '111122223333' })
    const b = synthetic(T0, { awsRegion: 'eu-west-1', recipientAccountId: '111122223333' })
    const c = synthetic(T0, { awsRegion: 'us-east-1', recipientAccountId: '444455556666' })
    await h.add([a, b, c])
    const at = async (accountId: string, region: string, attributes: LookupQuery['attributes'] = []) =>
      ids((await h.history.lookup({ accountId, region, attributes })).events)
    expect(await at('111122223333', 'us-east-1')).toEqual([a.eventID])
    expect(await at('111122223333', 'eu-west-1')).toEqual([b.eventID])
    expect(await at('444455556666', 'us-east-1')).toEqual([c.eventID])
    expect(await at('444455556666', 'eu-west-1')).toEqual([])
    expect(await at('111122223333', 'us-east-1', [{ key: 'EventName', value: 'DescribeInstances' }])).toEqual([a.eventID])
    expect(await at('111122223333', 'us-east-1', [{ key: 'EventId', value: b.eventID }])).toEqual([])
    expect(await at('444455556666', 'us-east-1', [{ key: 'EventId', value: c.eventID }])).toEqual([c.eventID])
  })

  it('shows management and ActivityAuditLog events, Insights only on request, never data events', async () => {
    const h = await harness()
    const management = synthetic(T0)
    const data = synthetic(T0 + 1000, { eventCategory: 'Data', managementEvent: false, eventName: 'GetObject', eventSource: 's3.amazonaws.com' })
    const audit = synthetic(T0 + 2000, { eventCategory: 'ActivityAuditLog', eventType: 'ActivityLog', userIdentity: { type: 'Custom', principalId: 'p-1' } })
    const insight: CloudTrailRecord = {
      eventVersion: '1.08',
      eventTime: new Date(T0 + 3000).toISOString(),
      awsRegion: 'us-east-1',
      eventID: 'insight-0001',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '111122223333',
      insightDetails: { state: 'Start', eventSource: 'ssm.amazonaws.com', eventName: 'SendCommand' },
      eventCategory: 'Insight',
    }
    await h.add([management, data, audit, insight])
    const base = { accountId: '111122223333', region: 'us-east-1', attributes: [] }
    expect(ids((await h.history.lookup(base)).events)).toEqual([audit.eventID, management.eventID])
    expect(ids((await h.history.lookup({ ...base, eventCategory: 'insight' })).events)).toEqual([insight.eventID])
    const byName = await h.history.lookup({ ...base, eventCategory: 'insight', attributes: [{ key: 'EventName', value: 'SendCommand' }] })
    expect(ids(byName.events)).toEqual([insight.eventID])
    expect(byName.events[0]!.EventSource).toBe('ssm.amazonaws.com')
    expect(ids((await h.history.lookup({ ...base, attributes: [{ key: 'EventName', value: 'GetObject' }] })).events)).toEqual([])
    expect(ids((await h.history.lookup({ ...base, attributes: [{ key: 'Username', value: 'p-1' }] })).events)).toEqual([audit.eventID])
  })
})

describe('HistoryIndex paging', () => {
  it('pages through 600 events while more arrive, without duplicates or gaps', async () => {
    const h = await harness({ now: T0 + 10 * 86_400_000 })
    // Two events per second, so pages often split a second: ties fall back to seq.
    const first = Array.from({ length: 600 }, (_, i) => synthetic(T0 + Math.floor(i / 2) * 1000, { readOnly: i % 3 !== 0 }))
    await h.add(first)
    const base = { accountId: '111122223333', region: 'us-east-1', attributes: [], maxResults: 50 }
    const seen: string[] = []
    let nextToken: string | undefined
    let round = 0
    do {
      const page = await h.history.lookup({ ...base, nextToken })
      seen.push(...ids(page.events))
      nextToken = page.nextToken
      // Between pages: newer events, and late imports with an eventTime inside the window and the pages to come.
      await h.add([synthetic(T0 + 400_000 + round * 1000), synthetic(T0 + (150 - round * 7) * 1000)])
      round++
    } while (nextToken)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen).toEqual(expected(first, first.map((_, i) => i + 1), () => true))
    // A new lookup sees everything, late imports included.
    const fresh = await lookupAll(h.history, base)
    expect(fresh).toHaveLength(600 + 2 * round)
  })

  it('pages a single attribute and an AND the same way', async () => {
    const h = await harness()
    const records = Array.from({ length: 230 }, (_, i) =>
      synthetic(T0 + Math.floor(i / 3) * 1000, { eventName: i % 2 ? 'RunInstances' : 'DescribeInstances', readOnly: i % 2 === 0 }),
    )
    const seqs = await h.add(records)
    const base = { accountId: '111122223333', region: 'us-east-1' }
    for (const attributes of [
      [{ key: 'EventName', value: 'RunInstances' }],
      [{ key: 'ReadOnly', value: 'true' }],
      [{ key: 'Username', value: 'alice' }, { key: 'ReadOnly', value: 'false' }],
    ]) {
      const got = await lookupAll(h.history, { ...base, attributes, maxResults: 9 })
      const want = expected(records, seqs, (r) => {
        const a = historyAttributes(r)
        return attributes.every(({ key, value }) => matchesAttribute(a, r.eventID, key as LookupAttributeKey, value))
      })
      expect(ids(got)).toEqual(want)
    }
  })

  it('accepts a different MaxResults with a token, and tokens survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-restart-'))
    const path = join(dir, 'db')
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const h = await harness({ path })
    const records = Array.from({ length: 30 }, (_, i) => synthetic(T0 + i * 1000))
    await h.add(records)
    const base = { accountId: '111122223333', region: 'us-east-1', attributes: [] }
    const page1 = await h.history.lookup({ ...base, maxResults: 10 })
    const again = new HistoryIndex(h.db, h.journal, { tokenKey: TOKEN_KEY, now: () => T0 + 86_400_000 })
    const page2 = await again.lookup({ ...base, maxResults: 25, nextToken: page1.nextToken })
    expect(page2.nextToken).toBeUndefined()
    expect([...ids(page1.events), ...ids(page2.events)]).toEqual(records.map((r) => r.eventID).reverse())
  })
})

describe('HistoryIndex errors and tokens', () => {
  const base: LookupQuery = { accountId: '111122223333', region: 'us-east-1', attributes: [] }

  async function rejects(h: Harness, q: LookupQuery, type: new (...args: never[]) => LookupError, code: string) {
    const error = await h.history.lookup(q).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(type)
    expect(error).toBeInstanceOf(LookupError)
    expect((error as LookupError).code).toBe(code)
  }

  it('throws the CloudTrail exception for each invalid parameter', async () => {
    const h = await harness()
    const attrs = 'InvalidLookupAttributesException'
    await rejects(h, { ...base, attributes: [{ key: 'Bogus', value: 'x' }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, attributes: [{ key: 'EventName', value: '' }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, attributes: [{ key: 'EventName', value: 'x'.repeat(2001) }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, attributes: [{ key: 'EventName', value: '_'.repeat(1001) }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, attributes: [{ key: 'EventName', value: 'a' }, { key: 'EventName', value: 'b' }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, eventCategory: 'insight', attributes: [{ key: 'Username', value: 'a' }] }, InvalidLookupAttributesError, attrs)
    await rejects(h, { ...base, startTime: new Date(T0 + 1), endTime: new Date(T0) }, InvalidTimeRangeError, 'InvalidTimeRangeException')
    await rejects(h, { ...base, startTime: new Date(T0 + 2 * 86_400_000) }, InvalidTimeRangeError, 'InvalidTimeRangeException')
    await rejects(h, { ...base, startTime: new Date(Number.NaN) }, InvalidTimeRangeError, 'InvalidTimeRangeException')
    for (const maxResults of [0, 51, 1.5, -1]) {
      await rejects(h, { ...base, maxResults }, InvalidMaxResultsError, 'InvalidMaxResultsException')
    }
    await rejects(h, { ...base, eventCategory: 'Management' }, InvalidEventCategoryError, 'InvalidEventCategoryException')
    await rejects(h, { ...base, nextToken: 'not-a-token' }, InvalidNextTokenError, 'InvalidNextTokenException')
    // Limits that are fine.
    await expect(h.history.lookup({ ...base, attributes: [{ key: 'EventName', value: 'x'.repeat(2000) }], maxResults: 1 })).resolves.toEqual({ events: [] })
    await expect(h.history.lookup({ ...base, maxResults: 50 })).resolves.toEqual({ events: [] })
  })

  it('refuses tampered tokens and tokens used with other parameters', async () => {
    const h = await harness()
    await h.add(Array.from({ length: 5 }, (_, i) => synthetic(T0 + i * 1000, { eventName: 'RunInstances' })))
    const q: LookupQuery = { ...base, attributes: [{ key: 'EventName', value: 'RunInstances' }], startTime: new Date(T0), maxResults: 2 }
    const { nextToken } = await h.history.lookup(q)
    expect(nextToken).toBeDefined()
    const token = nextToken!
    await expect(h.history.lookup({ ...q, nextToken: token })).resolves.toMatchObject({ events: [{}, {}] })
    const [body, mac] = token.split('.') as [string, string]
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    const code = 'InvalidNextTokenException'
    for (const bad of [`${flip(body, 3)}.${mac}`, `${body}.${flip(mac, 3)}`, `${body}.${mac}x`, `${body}`, `${body}.${mac}.x`, '']) {
      await rejects(h, { ...q, nextToken: bad }, InvalidNextTokenError, code)
    }
    await rejects(h, { ...q, attributes: [{ key: 'EventName', value: 'StopInstances' }], nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, attributes: [{ key: 'EventSource', value: 'RunInstances' }], nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, region: 'eu-west-1', nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, accountId: '444455556666', nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, startTime: new Date(T0 + 1000), nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, endTime: new Date(T0 + 86_400_000), nextToken: token }, InvalidNextTokenError, code)
    await rejects(h, { ...q, eventCategory: 'insight', nextToken: token }, InvalidNextTokenError, code)
    const otherKey = new HistoryIndex(h.db, h.journal, { tokenKey: 'another-key-0123456789abcdef' })
    await expect(otherKey.lookup({ ...q, nextToken: token })).rejects.toBeInstanceOf(InvalidNextTokenError)
  })
})

describe.each(WRITERS)('HistoryIndex indexing and retention, written %s', (_where, thread) => {
  function tableCounts(db: Database.Database): number[] {
    return ['history_events', 'history_postings', 'history_strings', 'history_scopes'].map(
      (t) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
    )
  }

  it('re-applying a batch changes nothing', async () => {
    const h = await harness({ thread })
    const seqs = await h.add(invictus.slice(0, 400))
    const before = tableCounts(h.indexDb)
    expect(before[0]).toBe(400)
    const batch = await h.journal.read(0, 1000)
    expect(await h.history.apply(batch)).toBe('delivered')
    expect(await h.history.apply(batch)).toBe('delivered')
    expect(tableCounts(h.indexDb)).toEqual(before)
    const all = await lookupAll(h.history, {
      accountId: INVICTUS_ACCOUNT,
      region: 'us-east-1',
      attributes: [],
      startTime: new Date('2023-07-01T00:00:00Z'),
      endTime: new Date('2023-08-01T00:00:00Z'),
    })
    expect(ids(all)).toEqual(expected(invictus.slice(0, 400), seqs, () => true))
  })

  it('purges old events per account, keeping the accounts asked for', async () => {
    const h = await harness({ thread, now: T0 + 10 * 86_400_000 })
    const accounts = ['111111111111', '222222222222', '333333333333']
    const records = accounts.flatMap((acct) =>
      [0, 1, 2, 3].map((d) =>
        synthetic(T0 + d * 86_400_000, {
          recipientAccountId: acct,
          resources: [{ ARN: `arn:aws:s3:::bucket-${acct}-${d}`, type: 'AWS::S3::Bucket' }],
          readOnly: d % 2 === 0,
        }),
      ),
    )
    await h.add(records)
    const count = async (accountId: string, attributes: LookupQuery['attributes'] = []) =>
      (await lookupAll(h.history, { accountId, region: 'us-east-1', attributes, startTime: new Date(T0) })).length
    const cutoff = new Date(T0 + 2 * 86_400_000) // days 0 and 1 are older
    expect(await h.history.purgeOlderThan(cutoff, '111111111111')).toBe(2)
    expect(await count('111111111111')).toBe(2)
    expect(await count('222222222222')).toBe(4)
    expect(await h.history.purgeOlderThan(cutoff, undefined, ['333333333333'])).toBe(2)
    expect(await count('222222222222')).toBe(2)
    expect(await count('333333333333')).toBe(4)
    // Postings went with their events.
    expect(await count('222222222222', [{ key: 'ResourceName', value: 'bucket-222222222222-0' }])).toBe(0)
    expect(await count('222222222222', [{ key: 'ResourceName', value: 'bucket-222222222222-2' }])).toBe(1)
    const postings = (h.indexDb.prepare('SELECT count(*) AS n FROM history_postings').get() as { n: number }).n
    // 8 events left, each posted under name, source, user, key, resource type and two resource names.
    expect(postings).toBe(8 * 7)
  })
})
