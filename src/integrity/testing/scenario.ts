/**
 * Test fixture: one trail delivering log files and digests into a MemoryStore, with real
 * signing keys (SQLite in memory) and a real DigestChain on a short interval.
 */
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { SigningKeyStore, type PublicKeyEntry } from '../../keys/index.js'
import { DigestChain, type ChainConfig } from '../digest-writer.js'
import { compactTime } from '../digest-key.js'
import { createMemoryStore, type MemoryStore } from './memory-store.js'

export const ACCOUNT = '111122223333'
export const REGION = 'us-east-2'
export const TRAIL_NAME = 'my-trail'
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL_NAME}`
export const BUCKET = 'trail-bucket'
export const PREFIX = 'audit'
export const INTERVAL_SECONDS = 60
export const T0 = new Date('2024-05-01T10:00:00Z')

export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000)

export interface Scenario {
  store: MemoryStore
  keys: SigningKeyStore
  chain: DigestChain
  config: ChainConfig
  logKeys: string[]
  /** Writes a gzip log file and records it in the chain; returns its key. */
  deliverLog(deliveredAt: Date, records?: number): Promise<string>
  publicKeys(start: Date, end: Date): Promise<PublicKeyEntry[]>
  allPublicKeys(): PublicKeyEntry[]
}

let serial = 0

export function logFileKey(deliveredAt: Date, unique: string): string {
  const day = deliveredAt.toISOString().slice(0, 10).replace(/-/g, '/')
  const stamp = compactTime(deliveredAt).slice(0, 13)
  return `${PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day}/${ACCOUNT}_CloudTrail_${REGION}_${stamp}Z_${unique}.json.gz`
}

export function createScenario(options: { rotationDays?: number } = {}): Scenario {
  const db = new Database(':memory:')
  const store = createMemoryStore()
  const keys = new SigningKeyStore(db, Buffer.alloc(32, 1), { rotationDays: options.rotationDays })
  const chain = new DigestChain(db, keys, { intervalSeconds: INTERVAL_SECONDS })
  const config: ChainConfig = {
    trailArn: TRAIL_ARN,
    accountId: ACCOUNT,
    region: REGION,
    location: { bucket: BUCKET, prefix: PREFIX, accountId: ACCOUNT, region: REGION, trailName: TRAIL_NAME, homeRegion: REGION },
  }
  const logKeys: string[] = []
  return {
    store,
    keys,
    chain,
    config,
    logKeys,
    async deliverLog(deliveredAt, records = 3) {
      const events = Array.from({ length: records }, (_, i) => ({
        eventVersion: '1.09',
        eventTime: new Date(deliveredAt.getTime() - (i + 1) * 7000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventName: 'GetObject',
        eventID: `e-${serial}-${i}`,
      }))
      const json = JSON.stringify({ Records: events })
      const key = logFileKey(deliveredAt, `L${String(serial++).padStart(15, '0')}`)
      await store.putObject(BUCKET, key, gzipSync(json))
      const times = events.map((e) => Date.parse(e.eventTime))
      chain.recordLogFile(
        config,
        {
          bucket: BUCKET,
          key,
          sha256: createHash('sha256').update(json).digest('hex'),
          newestEventTime: new Date(Math.max(...times)),
          oldestEventTime: new Date(Math.min(...times)),
        },
        deliveredAt,
      )
      logKeys.push(key)
      return key
    },
    async publicKeys(start, end) {
      return keys.listPublicKeys(REGION, start, end)
    },
    allPublicKeys() {
      return keys.listPublicKeys(REGION, new Date(0), new Date(8.64e15))
    },
  }
}
