import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, SqliteJournal, type Journal } from '../journal/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { formatImportReport, importLogs, type ImportProgress } from './index.js'

const TESTDATA = join(import.meta.dirname, '../../../shared/testdata')
const INVICTUS_DIR = join(TESTDATA, 'invictus-ir-aws-dataset/CloudTrail')
const STRATUS_DIR = join(TESTDATA, 'stratus-red-team-detonation-logs/detonation-logs')
const OTRF_FILE = join(TESTDATA, 'otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl')
const DAY_MS = 86_400_000

type Raw = Record<string, unknown>

function invictusRecords(): Raw[] {
  return readdirSync(INVICTUS_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(INVICTUS_DIR, f))).toString('utf8')) as { Records: Raw[] }).Records)
}

function stratusRecords(): Raw[] {
  return readdirSync(STRATUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(join(STRATUS_DIR, f), 'utf8')) as Raw[])
}

async function storedRecords(journal: Journal): Promise<Map<string, CloudTrailRecord>> {
  const out = new Map<string, CloudTrailRecord>()
  let after = 0
  for (;;) {
    const batch = await journal.read(after, 1000)
    if (batch.entries.length === 0) return out
    for (const entry of batch.entries) out.set(entry.record.eventID, entry.record)
    after = batch.lastSeq
  }
}

let dir: string
let journal: SqliteJournal

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opentrail-import-'))
  journal = new SqliteJournal(openDatabase(join(dir, 'journal.db')))
})

afterEach(async () => {
  await journal.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('importLogs', () => {
  it('imports the invictus CloudTrail folder exactly, and a second import only finds duplicates', async () => {
    const originals = invictusRecords()
    expect(originals).toHaveLength(2900)
    // Put "now" so that the retention window ends in the middle of the dataset.
    const cutoffMs = Date.parse('2023-07-10T12:00:00Z')
    const olderThanCutoff = originals.filter((r) => Date.parse(r.eventTime as string) < cutoffMs).length
    expect(olderThanCutoff).toBeGreaterThan(0)
    expect(olderThanCutoff).toBeLessThan(2900)

    const accounts: string[] = []
    const progress: ImportProgress[] = []
    const report = await importLogs({
      paths: [INVICTUS_DIR],
      journal,
      retentionDays: 30,
      nowMs: cutoffMs + 30 * DAY_MS,
      onProgress: (p) => progress.push(p),
      ensureAccount: async (id) => {
        accounts.push(id)
      },
    })
    expect(report).toMatchObject({
      filesRead: 55,
      filesSkipped: 0,
      filesBad: [],
      eventsImported: 2900,
      duplicatesSkipped: 0,
      invalidRecords: 0,
      accounts: ['123837392027'],
      outsideRetention: olderThanCutoff,
      retentionDays: 30,
    })
    const times = originals.map((r) => r.eventTime as string).sort()
    expect([report.oldestEventTime, report.newestEventTime]).toEqual([times[0], times[times.length - 1]])
    expect(accounts).toEqual(['123837392027'])
    expect(progress).toHaveLength(55)
    expect(progress.at(-1)).toEqual({ filesDone: 55, filesTotal: 55, events: 2900 })
    expect(formatImportReport(report)).toContain('--retention-days')
    expect(formatImportReport(report)).toContain('OPENTRAIL_RETENTION_DAYS')

    const stored = await storedRecords(journal)
    expect(stored.size).toBe(2900)
    for (const original of originals) expect(stored.get(original.eventID as string)).toStrictEqual(original)

    const again = await importLogs({ paths: [INVICTUS_DIR], journal, retentionDays: 30, nowMs: cutoffMs })
    expect(again).toMatchObject({ filesRead: 55, eventsImported: 0, duplicatesSkipped: 2900, outsideRetention: 0 })
    expect(await journal.head()).toBe(2900)
    expect(formatImportReport(again)).not.toContain('--retention-days')
  })

  it('imports the Stratus Red Team detonation logs (bare JSON arrays) unchanged', async () => {
    const originals = stratusRecords()
    const report = await importLogs({ paths: [STRATUS_DIR], journal, retentionDays: 90, nowMs: Date.parse('2024-12-01T00:00:00Z') })
    // techniques.yml and the licence files in the folder are not log files.
    expect(report).toMatchObject({ filesRead: 35, filesBad: [], eventsImported: originals.length, invalidRecords: 0 })
    expect(report.eventsImported).toBe(310)
    const stored = await storedRecords(journal)
    for (const original of originals) expect(stored.get(original.eventID as string)).toStrictEqual(original)
  })

  it('imports the OTRF JSON Lines file, with eventTime restored from Logstash @timestamp', async () => {
    const originals = readFileSync(OTRF_FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Raw)
    const report = await importLogs({ paths: [OTRF_FILE], journal, retentionDays: 90 })
    expect(report).toMatchObject({ filesRead: 1, eventsImported: 103, invalidRecords: 0, outsideRetention: 103 })
    expect(report.accounts).toEqual(['123456789123'])
    const stored = await storedRecords(journal)
    for (const original of originals) {
      const record = stored.get(original.eventID as string)!
      expect(record.eventTime).toBe((original['@timestamp'] as string).replace(/\.\d{3}Z$/, 'Z'))
      expect(record['@timestamp']).toBeUndefined()
      expect(record['@version']).toBeUndefined()
      for (const [key, value] of Object.entries(original)) if (!key.startsWith('@')) expect(record[key]).toStrictEqual(value)
    }
  })

  it('reports bad files and goes on with the good ones', async () => {
    const invictusFile = readdirSync(INVICTUS_DIR).find((f) => f.endsWith('.json.gz'))!
    const goodRecords = (JSON.parse(gunzipSync(readFileSync(join(INVICTUS_DIR, invictusFile))).toString('utf8')) as { Records: Raw[] }).Records
    const tree = join(dir, 'logs')
    const day = join(tree, 'AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10')
    const digestDay = join(tree, 'AWSLogs/218007301253/CloudTrail-Digest/us-east-1/2023/07/10')
    mkdirSync(day, { recursive: true })
    mkdirSync(digestDay, { recursive: true })
    copyFileSync(join(INVICTUS_DIR, invictusFile), join(day, invictusFile))
    const gz = gzipSync(Buffer.from('{"Records":[]}'))
    writeFileSync(join(day, 'a-corrupt.json.gz'), Buffer.concat([gz.subarray(0, 10), Buffer.from('garbage garbage')]))
    writeFileSync(join(day, 'b-plain.json.gz'), '{"Records":[]}')
    writeFileSync(join(day, 'c-notjson.json'), 'this is not JSON')
    writeFileSync(join(day, 'd-norecords.json'), '{"hello":"world"}')
    writeFileSync(join(day, 'e-broken.json'), '{"Records":[{"eventVersion":')
    writeFileSync(join(day, 'f-empty.json'), '')
    writeFileSync(join(tree, 'README.txt'), 'not a log file')
    writeFileSync(
      join(digestDay, '218007301253_CloudTrail-Digest_us-east-1_trail_us-east-1_20230710T124000Z.json.gz'),
      gzipSync(Buffer.from('{"awsAccountId":"218007301253","logFiles":[]}')),
    )
    const missing = join(dir, 'does-not-exist')

    const report = await importLogs({ paths: [tree, missing], journal, retentionDays: 90 })
    expect(report.filesRead).toBe(1)
    expect(report.filesSkipped).toBe(1)
    expect(report.eventsImported).toBe(goodRecords.length)
    const problems = Object.fromEntries(report.filesBad.map((b) => [b.path.slice(b.path.lastIndexOf('/') + 1), b.problem]))
    expect(problems).toEqual({
      'does-not-exist': 'NotFound',
      'a-corrupt.json.gz': 'CorruptGzip',
      'b-plain.json.gz': 'NotGzip',
      'c-notjson.json': 'InvalidJson',
      'd-norecords.json': 'NoRecords',
      'e-broken.json': 'InvalidJson',
      'f-empty.json': 'NoRecords',
    })
    const text = formatImportReport(report)
    expect(text).toContain('Files not imported: 7')
    expect(text).toContain('a-corrupt.json.gz')
    expect(text).toContain('1 digest file(s) skipped')
  })

  it('counts invalid records by reason, and gives records without eventID a stable one', async () => {
    const base = stratusRecords()[0]!
    const lines = [
      JSON.stringify({ ...base, eventID: undefined, recipientAccountId: undefined }),
      JSON.stringify({ ...base, eventID: undefined, recipientAccountId: undefined, eventName: 'Other' }),
      JSON.stringify({ ...base, eventID: 'x1', eventVersion: undefined }),
      JSON.stringify({ ...base, eventID: 'x2', eventVersion: undefined }),
      JSON.stringify({ ...base, eventID: 'x3', readOnly: 'no' }),
      '{ not json',
      '42',
    ]
    const folder = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'eu-west-1')
    mkdirSync(folder, { recursive: true })
    const file = join(folder, 'events.jsonl')
    writeFileSync(file, lines.join('\n') + '\n')

    const first = await importLogs({ paths: [file], journal, retentionDays: 90 })
    expect(first.eventsImported).toBe(2)
    expect(first.invalidRecords).toBe(5)
    expect(first.invalidReasons).toEqual({
      'FieldNotFound: required field eventVersion is missing': 2,
      'InvalidData: readOnly must be a boolean': 1,
      'InvalidData: a line is not valid JSON': 1,
      'InvalidData: the record is not a JSON object': 1,
    })
    // The account comes from the AWSLogs/<account>/ folder.
    expect(first.accounts).toEqual(['111122223333'])
    expect(formatImportReport(first)).toContain('2 × FieldNotFound: required field eventVersion is missing')

    const second = await importLogs({ paths: [file], journal, retentionDays: 90 })
    expect([second.eventsImported, second.duplicatesSkipped]).toEqual([0, 2])
  })

  it('appends in batches and skips duplicates inside one import', async () => {
    const folder = join(dir, 'twice')
    mkdirSync(folder)
    copyFileSync(join(STRATUS_DIR, 'aws.execution.ssm-send-command.json'), join(folder, 'a.json'))
    copyFileSync(join(STRATUS_DIR, 'aws.execution.ssm-send-command.json'), join(folder, 'b.json'))
    const count = (JSON.parse(readFileSync(join(folder, 'a.json'), 'utf8')) as unknown[]).length
    expect(count).toBe(56)
    // Appends are awaited one by one, so each is its own group commit and fires onAppend once.
    const heads: number[] = []
    journal.onAppend((head) => heads.push(head))
    const report = await importLogs({ paths: [folder], journal, retentionDays: 90, batchSize: 10 })
    expect([report.eventsImported, report.duplicatesSkipped]).toEqual([count, count])
    expect(heads).toEqual([10, 20, 30, 40, 50, 56, 56, 56, 56, 56, 56, 56])
    expect(await journal.head()).toBe(count)
  })
})
