/**
 * The trail store on SQLite, in the same database as the journal: table `trails` holds each
 * trail as a versioned JSON body (plus the columns lookups need), `trail_status` what the
 * delivery projection reports, `trail_settings` installation-wide facts (was the default
 * trail made). Name clashes and CloudTrail's quota are checked inside the writing
 * transaction, so two concurrent CreateTrail calls cannot both slip under the limit.
 */
import type Database from 'better-sqlite3'
import { trailArn } from './names.js'
import type { AdvancedEventSelector, EventSelector, InsightSelector } from './selectors.js'
import type { Trail, TrailDeliveryStatus, TrailStore } from './trail.js'
import { TrailError, TrailStoreFormatError } from './errors.js'

/** CloudTrail's quota: 5 trails per Region per account (a multi-Region trail counts in every Region). */
export const MAX_TRAILS_PER_REGION = 5
/** Bumped when the JSON body of a trail row changes shape. */
const BODY_VERSION = 1

export type TrailTag = { Key: string; Value?: string }

/** What CreateTrail decides; the store fills in the ARN and the logging state. */
export type NewTrail = Pick<
  Trail,
  | 'name'
  | 'accountId'
  | 'homeRegion'
  | 's3BucketName'
  | 's3KeyPrefix'
  | 'snsTopicName'
  | 'includeGlobalServiceEvents'
  | 'isMultiRegionTrail'
  | 'logFileValidationEnabled'
  | 'kmsKeyId'
  | 'cloudWatchLogsLogGroupArn'
  | 'cloudWatchLogsRoleArn'
> & {
  tags?: TrailTag[]
  /** Only the default trail starts out logging; CreateTrail leaves logging off. */
  logging?: { seq: number; at: Date }
  createdAt?: Date
}

type Optional = 's3KeyPrefix' | 'snsTopicName' | 'kmsKeyId' | 'cloudWatchLogsLogGroupArn' | 'cloudWatchLogsRoleArn'
type Required = 's3BucketName' | 'includeGlobalServiceEvents' | 'isMultiRegionTrail' | 'logFileValidationEnabled'

/** What UpdateTrail changes: absent members stay, `null` clears an optional one. */
export type TrailChanges = { [K in Required]?: Trail[K] } & { [K in Optional]?: string | null }

interface TrailRow {
  arn: string
  body: string
  version: number
}

type StoredTrail = Omit<Trail, 'createdAt' | 'startLoggingTime' | 'stopLoggingTime'> & {
  createdAt: string
  startLoggingTime?: string
  stopLoggingTime?: string
}

export class SqliteTrailStore implements TrailStore {
  readonly #db: Database.Database
  readonly #listeners = new Set<(arn: string) => void>()

  constructor(db: Database.Database) {
    this.#db = db
    db.exec(`
      CREATE TABLE IF NOT EXISTS trails (
        arn TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        home_region TEXT NOT NULL,
        name TEXT NOT NULL,
        multi_region INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS trails_account ON trails(account_id, name);
      CREATE TABLE IF NOT EXISTS trail_status (arn TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS trail_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `)
  }

  // ------------------------------------------------------------ reads

  listAll(): Trail[] {
    return this.#rows('SELECT arn, body, version FROM trails ORDER BY created_at, arn')
  }

  get(arn: string): Trail | undefined {
    return this.#rows('SELECT arn, body, version FROM trails WHERE arn = ?', arn)[0]
  }

  /** The account's trails in every Region. */
  listForAccount(accountId: string): Trail[] {
    return this.#rows('SELECT arn, body, version FROM trails WHERE account_id = ? ORDER BY created_at, arn', accountId)
  }

  /** Trails seen from a Region: its own, plus every multi-Region trail of the account (shadow trails). */
  listVisible(accountId: string, region: string): Trail[] {
    return this.#rows(
      'SELECT arn, body, version FROM trails WHERE account_id = ? AND (home_region = ? OR multi_region = 1) ORDER BY created_at, arn',
      accountId,
      region,
    )
  }

  /** The trail a bare name means in a Region (its own trail first, then a shadow). */
  findVisible(accountId: string, region: string, name: string): Trail | undefined {
    const found = this.listVisible(accountId, region).filter((t) => t.name === name)
    return found.find((t) => t.homeRegion === region) ?? found[0]
  }

  getStatus(arn: string): TrailDeliveryStatus {
    const row = this.#db.prepare('SELECT body FROM trail_status WHERE arn = ?').get(arn) as { body: string } | undefined
    if (!row) return {}
    const stored = JSON.parse(row.body) as Record<string, string>
    const status: Record<string, string | Date> = {}
    // Every member is a time except the error codes.
    for (const [key, value] of Object.entries(stored)) status[key] = key.endsWith('Error') ? value : new Date(value)
    return status as TrailDeliveryStatus
  }

  // ------------------------------------------------------------ writes

  /** @throws TrailError TrailAlreadyExistsException, MaximumNumberOfTrailsExceededException */
  create(input: NewTrail): Trail {
    const arn = trailArn(input.homeRegion, input.accountId, input.name)
    const createdAt = input.createdAt ?? new Date()
    const trail: Trail = {
      arn,
      name: input.name,
      accountId: input.accountId,
      homeRegion: input.homeRegion,
      s3BucketName: input.s3BucketName,
      ...definedOnly({
        s3KeyPrefix: input.s3KeyPrefix,
        snsTopicName: input.snsTopicName,
        kmsKeyId: input.kmsKeyId,
        cloudWatchLogsLogGroupArn: input.cloudWatchLogsLogGroupArn,
        cloudWatchLogsRoleArn: input.cloudWatchLogsRoleArn,
      }),
      includeGlobalServiceEvents: input.includeGlobalServiceEvents,
      isMultiRegionTrail: input.isMultiRegionTrail,
      logFileValidationEnabled: input.logFileValidationEnabled,
      tags: input.tags ?? [],
      isLogging: input.logging !== undefined,
      createdAt,
      ...(input.logging && { startLoggingTime: input.logging.at }),
      loggingStartedSeq: input.logging?.seq ?? 0,
    }
    this.#db.transaction(() => {
      this.#checkNameFree(trail)
      this.#checkQuota(trail)
      this.#db
        .prepare('INSERT INTO trails (arn, account_id, home_region, name, multi_region, created_at, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(arn, trail.accountId, trail.homeRegion, trail.name, trail.isMultiRegionTrail ? 1 : 0, createdAt.getTime(), BODY_VERSION, JSON.stringify(trail))
    })()
    this.#emit(arn)
    return trail
  }

  /** Applies UpdateTrail's changes; turning a trail multi-Region checks names and quota in every Region. */
  update(arn: string, changes: TrailChanges): Trail {
    return this.#modify(arn, (trail) => {
      const next: Trail = { ...trail }
      for (const [key, value] of Object.entries(changes) as [keyof TrailChanges, unknown][]) {
        if (value === undefined) continue
        if (value === null) delete (next as Partial<Trail>)[key]
        else (next as unknown as Record<string, unknown>)[key] = value
      }
      if (next.isMultiRegionTrail && !trail.isMultiRegionTrail) {
        this.#checkNameFree(next)
        this.#checkQuota(next)
      }
      return next
    })
  }

  delete(arn: string): void {
    const changed = this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM trail_status WHERE arn = ?').run(arn)
      return this.#db.prepare('DELETE FROM trails WHERE arn = ?').run(arn).changes > 0
    })()
    if (changed) this.#emit(arn)
  }

  /**
   * Starts or stops logging. Starting again while logging changes nothing: moving
   * `loggingStartedSeq` forward would drop events not yet delivered.
   */
  setLogging(arn: string, on: boolean, atSeq: number, at: Date = new Date()): Trail {
    return this.#modify(arn, (trail) => {
      if (on === trail.isLogging) return trail
      return on
        ? { ...trail, isLogging: true, startLoggingTime: at, loggingStartedSeq: atSeq }
        : { ...trail, isLogging: false, stopLoggingTime: at }
    })
  }

  /** Sets one kind of selectors; the other kind is dropped, as PutEventSelectors does. */
  putSelectors(arn: string, selectors: { eventSelectors: EventSelector[] } | { advancedEventSelectors: AdvancedEventSelector[] }): Trail {
    return this.#modify(arn, (trail) => {
      const { eventSelectors: _basic, advancedEventSelectors: _advanced, ...rest } = trail
      return { ...rest, ...selectors }
    })
  }

  /** An empty list turns Insights off. */
  putInsightSelectors(arn: string, selectors: InsightSelector[]): Trail {
    return this.#modify(arn, (trail) => {
      const { insightSelectors: _old, ...rest } = trail
      return selectors.length > 0 ? { ...rest, insightSelectors: selectors } : rest
    })
  }

  /** Replaces the trail's tags (the operations merge and check limits). */
  setTags(arn: string, tags: TrailTag[]): Trail {
    return this.#modify(arn, (trail) => ({ ...trail, tags }))
  }

  updateStatus(arn: string, status: Partial<TrailDeliveryStatus>): void {
    const merged: Record<string, unknown> = { ...this.getStatus(arn) }
    for (const [key, value] of Object.entries(status)) {
      if (value === undefined) delete merged[key]
      else merged[key] = value
    }
    this.#db
      .prepare('INSERT INTO trail_status (arn, version, body) VALUES (?, ?, ?) ON CONFLICT(arn) DO UPDATE SET body = excluded.body, version = excluded.version')
      .run(arn, BODY_VERSION, JSON.stringify(merged))
  }

  /** Listeners run synchronously after the write has committed; they must not throw. */
  onChange(listener: (arn: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  // ------------------------------------------------------------ installation facts

  getSetting(key: string): string | undefined {
    const row = this.#db.prepare('SELECT value FROM trail_settings WHERE key = ?').get(key) as { value: string } | undefined
    return row?.value
  }

  setSetting(key: string, value: string): void {
    this.#db
      .prepare('INSERT INTO trail_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value)
  }

  // ------------------------------------------------------------ internals

  #modify(arn: string, change: (trail: Trail) => Trail): Trail {
    let result: Trail | undefined
    let changed = false
    this.#db.transaction(() => {
      const trail = this.get(arn)
      if (!trail) throw new TrailError('TrailNotFoundException', `Unknown trail: ${arn}`)
      result = change(trail)
      changed = result !== trail
      if (!changed) return
      this.#db
        .prepare('UPDATE trails SET multi_region = ?, version = ?, body = ? WHERE arn = ?')
        .run(result.isMultiRegionTrail ? 1 : 0, BODY_VERSION, JSON.stringify(result), arn)
    })()
    if (changed) this.#emit(arn)
    return result!
  }

  /** A name must be unique among the trails seen from each Region the trail is seen from. */
  #checkNameFree(trail: Trail): void {
    const clash = trail.isMultiRegionTrail
      ? this.listForAccount(trail.accountId).find((t) => t.name === trail.name && t.arn !== trail.arn)
      : this.findVisible(trail.accountId, trail.homeRegion, trail.name)
    if (clash) {
      throw new TrailError('TrailAlreadyExistsException', `Trail ${trail.name} already exists for customer: ${trail.accountId}`)
    }
  }

  #checkQuota(trail: Trail): void {
    const regions = trail.isMultiRegionTrail
      ? new Set([trail.homeRegion, ...this.listForAccount(trail.accountId).map((t) => t.homeRegion)])
      : new Set([trail.homeRegion])
    for (const region of regions) {
      const count = this.listVisible(trail.accountId, region).filter((t) => t.arn !== trail.arn).length
      if (count >= MAX_TRAILS_PER_REGION) {
        throw new TrailError(
          'MaximumNumberOfTrailsExceededException',
          `User: ${trail.accountId} already has ${MAX_TRAILS_PER_REGION} trails in ${region}.`,
        )
      }
    }
  }

  #rows(sql: string, ...params: unknown[]): Trail[] {
    return (this.#db.prepare(sql).all(...params) as TrailRow[]).map(toTrail)
  }

  #emit(arn: string): void {
    for (const listener of this.#listeners) listener(arn)
  }
}

function toTrail(row: TrailRow): Trail {
  if (row.version !== BODY_VERSION) throw new TrailStoreFormatError(row.arn, row.version)
  const stored = JSON.parse(row.body) as StoredTrail
  const { createdAt, startLoggingTime, stopLoggingTime, ...rest } = stored
  return {
    ...rest,
    createdAt: new Date(createdAt),
    ...(startLoggingTime !== undefined && { startLoggingTime: new Date(startLoggingTime) }),
    ...(stopLoggingTime !== undefined && { stopLoggingTime: new Date(stopLoggingTime) }),
  }
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>
}
