/**
 * Channels: where events from outside AWS come in (CloudTrail Lake's channels, Source
 * `Custom`). A channel belongs to one account; every account has a channel named
 * `default`, so PutAuditEvents works out of the box. Channels are looked up across
 * regions of their account (CloudTrail keeps them per region; OpenTrail's events always
 * flow into the one journal, so the region of a channel only names its ARN).
 */
import type Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { ChannelError } from './errors.js'

export const DEFAULT_CHANNEL_NAME = 'default'
/** CloudTrail's quota: 25 channels per region. */
export const MAX_CHANNELS_PER_ACCOUNT = 25

export interface Destination {
  Type: 'EVENT_DATA_STORE' | 'AWS_SERVICE'
  Location: string
}

export interface IngestionStatus {
  LatestIngestionSuccessTime?: Date
  LatestIngestionSuccessEventID?: string
  LatestIngestionErrorCode?: string
  LatestIngestionAttemptTime?: Date
  LatestIngestionAttemptEventID?: string
}

export interface Channel {
  id: string
  arn: string
  accountId: string
  region: string
  name: string
  source: string
  destinations: Destination[]
  createdAt: Date
  ingestion: IngestionStatus
}

interface ChannelRow {
  id: string
  account_id: string
  region: string
  name: string
  source: string
  destinations: string
  created_at: number
  ingestion: string
}

export function channelArn(region: string, accountId: string, id: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:channel/${id}`
}

const CHANNEL_ARN = /^arn:aws[\w-]*:cloudtrail:([\w-]+):(\d{12}):channel\/([0-9a-f-]{36})$/

/** A channel reference is an ARN or the bare id; `default` names the account's default channel. */
export function parseChannelRef(ref: string): { id?: string; accountId?: string; name?: string } {
  const m = CHANNEL_ARN.exec(ref)
  if (m) return { id: m[3], accountId: m[2] }
  if (/^[0-9a-f-]{36}$/.test(ref)) return { id: ref }
  if (ref === DEFAULT_CHANNEL_NAME) return { name: DEFAULT_CHANNEL_NAME }
  throw new ChannelError('ChannelARNInvalidException', `The channel ARN ${ref} is not valid.`)
}

/** How often ingestion status kept in memory is written down. */
export const INGESTION_STATUS_FLUSH_MS = 2000

export class ChannelStore {
  readonly #db: Database.Database
  /**
   * Ingestion status changes with every PutAuditEvents call; writing it each time would
   * cost a disk sync per call on the ingest path, so it is kept here and written down
   * now and then (it is informational: a crash loses at most a few seconds of it).
   */
  readonly #ingestion = new Map<string, IngestionStatus>()
  #flushTimer: NodeJS.Timeout | undefined

  constructor(db: Database.Database) {
    this.#db = db
    db.exec(`CREATE TABLE IF NOT EXISTS channels (
      id TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
      source TEXT NOT NULL, destinations TEXT NOT NULL, created_at INTEGER NOT NULL, ingestion TEXT NOT NULL DEFAULT '{}',
      UNIQUE (account_id, name))`)
  }

  /** Creates the account's `default` channel if it has none. */
  ensureDefault(accountId: string, region: string): Channel {
    return (
      this.findByName(accountId, DEFAULT_CHANNEL_NAME) ??
      this.create({ accountId, region, name: DEFAULT_CHANNEL_NAME, source: 'Custom', destinations: [{ Type: 'AWS_SERVICE', Location: 'opentrail:journal' }] })
    )
  }

  create(input: { accountId: string; region: string; name: string; source: string; destinations: Destination[] }): Channel {
    if (this.findByName(input.accountId, input.name)) {
      throw new ChannelError('ChannelAlreadyExistsException', `A channel named ${input.name} already exists.`)
    }
    if (this.list(input.accountId).length >= MAX_CHANNELS_PER_ACCOUNT) {
      throw new ChannelError('ChannelMaxLimitExceededException', `You have reached the maximum number of channels (${MAX_CHANNELS_PER_ACCOUNT}).`)
    }
    const id = randomUUID()
    this.#db
      .prepare('INSERT INTO channels (id, account_id, region, name, source, destinations, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.accountId, input.region, input.name, input.source, JSON.stringify(input.destinations), Date.now())
    return this.get(id)!
  }

  get(id: string): Channel | undefined {
    const row = this.#db.prepare('SELECT * FROM channels WHERE id = ?').get(id) as ChannelRow | undefined
    return row && this.#withIngestion(toChannel(row))
  }

  findByName(accountId: string, name: string): Channel | undefined {
    const row = this.#db.prepare('SELECT * FROM channels WHERE account_id = ? AND name = ?').get(accountId, name) as ChannelRow | undefined
    return row && this.#withIngestion(toChannel(row))
  }

  #withIngestion(channel: Channel): Channel {
    const pending = this.#ingestion.get(channel.id)
    return pending ? { ...channel, ingestion: { ...channel.ingestion, ...pending } } : channel
  }

  /** Resolves an ARN, id or `default` to the caller's channel, with CloudTrail's errors. */
  resolve(ref: string, accountId: string): Channel {
    const parsed = parseChannelRef(ref)
    const channel = parsed.name ? this.findByName(accountId, parsed.name) : this.get(parsed.id!)
    if (!channel || (parsed.accountId !== undefined && parsed.accountId !== channel.accountId)) {
      throw new ChannelError('ChannelNotFoundException', `The channel ${ref} was not found.`)
    }
    return channel
  }

  list(accountId: string): Channel[] {
    const rows = this.#db.prepare('SELECT * FROM channels WHERE account_id = ? ORDER BY created_at, id').all(accountId) as ChannelRow[]
    return rows.map(toChannel)
  }

  update(id: string, changes: { name?: string; destinations?: Destination[] }): Channel {
    const channel = this.get(id)!
    if (changes.name !== undefined && changes.name !== channel.name && this.findByName(channel.accountId, changes.name)) {
      throw new ChannelError('ChannelAlreadyExistsException', `A channel named ${changes.name} already exists.`)
    }
    this.#db
      .prepare('UPDATE channels SET name = ?, destinations = ? WHERE id = ?')
      .run(changes.name ?? channel.name, JSON.stringify(changes.destinations ?? channel.destinations), id)
    return this.get(id)!
  }

  delete(id: string): void {
    this.#db.prepare('DELETE FROM channels WHERE id = ?').run(id)
  }

  recordIngestion(id: string, status: IngestionStatus): void {
    this.#ingestion.set(id, { ...this.#ingestion.get(id), ...status })
    if (!this.#flushTimer) {
      this.#flushTimer = setTimeout(() => this.flushIngestion(), INGESTION_STATUS_FLUSH_MS)
      this.#flushTimer.unref()
    }
  }

  /** Writes ingestion status kept in memory (also called at shutdown). */
  flushIngestion(): void {
    clearTimeout(this.#flushTimer)
    this.#flushTimer = undefined
    if (this.#ingestion.size === 0) return
    const pending = [...this.#ingestion]
    this.#ingestion.clear()
    const read = this.#db.prepare('SELECT ingestion FROM channels WHERE id = ?')
    const write = this.#db.prepare('UPDATE channels SET ingestion = ? WHERE id = ?')
    this.#db.transaction(() => {
      for (const [id, status] of pending) {
        const row = read.get(id) as { ingestion: string } | undefined
        if (row) write.run(JSON.stringify({ ...(JSON.parse(row.ingestion) as object), ...status }), id)
      }
    })()
  }
}

function toChannel(row: ChannelRow): Channel {
  const ingestion = JSON.parse(row.ingestion) as Record<string, string>
  const status: IngestionStatus = {}
  for (const [k, v] of Object.entries(ingestion)) {
    ;(status as Record<string, unknown>)[k] = k.endsWith('Time') ? new Date(v) : v
  }
  return {
    id: row.id,
    arn: channelArn(row.region, row.account_id, row.id),
    accountId: row.account_id,
    region: row.region,
    name: row.name,
    source: row.source,
    destinations: JSON.parse(row.destinations) as Destination[],
    createdAt: new Date(row.created_at),
    ingestion: status,
  }
}
