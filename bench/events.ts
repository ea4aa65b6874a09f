/**
 * Realistic events for the benchmarks, made from the 2,900 real CloudTrail records of the
 * invictus-ir dataset (shared/testdata): each generated event is a copy of a real record
 * with a new eventID, eventTime, principal and eventName, so sizes, shapes and
 * compressibility are those of real traffic.
 *
 * Generation is deterministic for a seed, so two threads (the baseline writer and the
 * load generator) can make the very same events without shipping them between threads.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { CloudTrailRecord } from '../src/record/index.js'

export const DATASET_DIR =
  process.env.OPENTRAIL_BENCH_DATASET ?? resolve(import.meta.dirname, '../../../shared/testdata/invictus-ir-aws-dataset/CloudTrail')

/** Distinct principals and event names in generated data (Event History's selectivity). */
export const USER_COUNT = 200
export const EVENT_NAME_COUNT = 300

type Template = CloudTrailRecord & Record<string, unknown>

let templates: { json: string[]; byName: Map<string, number[]>; names: string[] } | undefined

/** The dataset's records (as JSON text, parsed per copy) and the 300 event names drawn from. */
function loadTemplates(): NonNullable<typeof templates> {
  if (templates) return templates
  const files = readdirSync(DATASET_DIR).filter((f) => f.endsWith('.json.gz')).sort()
  const records = files.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(DATASET_DIR, f))).toString('utf8')) as { Records: Template[] }).Records)
  if (records.length === 0) throw new Error(`no CloudTrail records found in ${DATASET_DIR}`)
  const byName = new Map<string, number[]>()
  records.forEach((r, i) => {
    const name = r.eventName ?? ''
    const list = byName.get(name) ?? []
    list.push(i)
    byName.set(name, list)
  })
  const names = [...byName.keys()].sort()
  // The dataset has fewer distinct names than a busy account; the rest are plausible extras.
  for (let i = 0; names.length < EVENT_NAME_COUNT; i++) names.push(`DescribeBenchResource${i}`)
  templates = { json: records.map((r) => JSON.stringify(r)), byName, names: names.slice(0, EVENT_NAME_COUNT) }
  return templates
}

export function userNames(): string[] {
  return Array.from({ length: USER_COUNT }, (_, i) => `bench-user-${String(i).padStart(3, '0')}`)
}

export function eventNames(): string[] {
  return [...loadTemplates().names]
}

/** mulberry32: a small, fast, seedable PRNG (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function hex(random: () => number, length: number): string {
  let out = ''
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')
  return out.slice(0, length)
}

function uuid(random: () => number): string {
  const h = hex(random, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function upperAlnum(random: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)]
  return out
}

/**
 * One realistic record: a copy of a real one (chosen through its eventName) for user `u`.
 * Half the principals are IAM users, half assumed-role sessions; Event History's Username
 * is the user name or the session name, so both shapes look up by `bench-user-NNN`.
 */
function realisticRecord(random: () => number, accountId: string, eventTimeMs: number): Template {
  const t = loadTemplates()
  const nameIndex = Math.floor(random() * t.names.length)
  const name = t.names[nameIndex]!
  const candidates = t.byName.get(name)
  const source = candidates ? candidates[Math.floor(random() * candidates.length)]! : Math.floor(random() * t.json.length)
  const record = JSON.parse(t.json[source]!) as Template
  const user = Math.floor(random() * USER_COUNT)
  const userName = `bench-user-${String(user).padStart(3, '0')}`
  // Two long-lived access keys per principal, as real accounts have; not one per event.
  const accessKeyId = `AKIA${String(user).padStart(4, '0')}BENCHKEY000${random() < 0.5 ? 1 : 2}`
  const creationDate = new Date(eventTimeMs - 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  record.userIdentity =
    user % 2 === 0
      ? { type: 'IAMUser', principalId: `AIDA${String(user).padStart(17, '0')}`, arn: `arn:aws:iam::${accountId}:user/${userName}`, accountId, accessKeyId, userName }
      : {
          type: 'AssumedRole',
          principalId: `AROA${String(user % 17).padStart(17, '0')}:${userName}`,
          arn: `arn:aws:sts::${accountId}:assumed-role/BenchRole${user % 17}/${userName}`,
          accountId,
          accessKeyId: `ASIA${accessKeyId.slice(4)}`,
          sessionContext: {
            sessionIssuer: { type: 'Role', principalId: `AROA${String(user % 17).padStart(17, '0')}`, arn: `arn:aws:iam::${accountId}:role/BenchRole${user % 17}`, accountId, userName: `BenchRole${user % 17}` },
            webIdFederationData: {},
            attributes: { creationDate, mfaAuthenticated: 'false' },
          },
        }
  record.eventName = name
  record.eventID = uuid(random)
  record.eventTime = new Date(eventTimeMs).toISOString().replace(/\.\d{3}Z$/, 'Z')
  record.awsRegion = 'us-east-1'
  record.recipientAccountId = accountId
  if (typeof record.requestID === 'string') record.requestID = upperAlnum(random, record.requestID.length || 16)
  return record
}

/**
 * Stored-form records for filling a data dir: `count` events for `accountId`, eventTime
 * rising with the sequence over the `spanMs` before `endMs` (as a live account would write them).
 */
export function* historyRecords(accountId: string, count: number, seed: number, endMs: number, spanMs: number): Generator<CloudTrailRecord> {
  const random = seededRandom(seed)
  const start = endMs - spanMs
  for (let i = 0; i < count; i++) {
    yield realisticRecord(random, accountId, Math.floor(start + (spanMs * i) / count))
  }
}

/**
 * PutAuditEvents `eventData` strings (CloudTrail Lake's integration event schema) made from
 * the same realistic records: the principal becomes userIdentity.details, the fields the
 * schema carries are copied, and eventTime is "now"-ish.
 */
export function integrationEventData(accountId: string, count: number, seed: number, nowMs: number): string[] {
  const random = seededRandom(seed)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const r = realisticRecord(random, accountId, nowMs - Math.floor(random() * 60_000))
    const { type, principalId, ...details } = r.userIdentity as Record<string, unknown>
    const data: Record<string, unknown> = {
      version: '1.0',
      userIdentity: { type: String(type ?? 'AWSService'), principalId: String(principalId ?? 'service'), details },
      userAgent: r.userAgent,
      eventSource: r.eventSource,
      eventName: r.eventName,
      eventTime: r.eventTime,
      UID: r.eventID,
      recipientAccountId: accountId,
    }
    for (const field of ['requestParameters', 'responseElements', 'additionalEventData'] as const) {
      const v = r[field]
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) data[field] = v
    }
    if (typeof r.readOnly === 'boolean') data.readOnly = r.readOnly
    if (typeof r.errorCode === 'string') data.errorCode = r.errorCode.slice(0, 256)
    if (typeof r.errorMessage === 'string') data.errorMessage = r.errorMessage.slice(0, 256)
    if (typeof r.sourceIPAddress === 'string' && isIP(r.sourceIPAddress) !== 0) data.sourceIPAddress = r.sourceIPAddress
    out.push(JSON.stringify(data))
  }
  return out
}
