/**
 * DigestChain: the per (trail, account, Region) digest chains a trail delivery keeps.
 *
 * State lives in SQLite (`digest_chains`, `digest_pending_logs`): where the chain writes,
 * the start of the open interval, the last digest written (bucket, key, hash, signature),
 * and the log files recorded since. Life of a chain:
 * - `startChain` opens a chain whose first digest has null previousDigest* fields (logging
 *   started or validation enabled). Calling it on an open chain only updates its location,
 *   so a process restart does not break the chain.
 * - `recordLogFile` is called once a log file is durable in its bucket.
 * - `writeDueDigests` writes one digest per elapsed interval (`intervalSeconds`, default 1 h),
 *   also for intervals without log files (`"logFiles": []`), catching up after downtime.
 *   Each digest is durable in the store before the chain advances.
 * - `breakChain` (StopLogging, DeleteTrail, validation off) writes a final digest up to the
 *   stop time and closes the chain; log files recorded afterwards get no digest. A
 *   `startChain` after that begins a new chain (null previous fields).
 *
 * Crash safety: the digest key derives from the interval end, and the interval's log files
 * are chosen by their recording time, so a digest rewritten after a crash between the put
 * and the state update lands at the same key with the same content. RSASSA-PKCS1-v1_5 is
 * deterministic, so the signature bytes are identical too, unless the Region's key rotated
 * in between: then the rewrite carries the new key's fingerprint and signature and replaces
 * the first object. Nothing referenced the first one yet, so the chain stays valid.
 */
import type Database from 'better-sqlite3'
import type { KeyObject } from 'node:crypto'
import type { ObjectStore } from '../storage/types.js'
import { buildDigest, type DigestLogFile } from './digest.js'
import { digestFileKey, type TrailLocation } from './digest-key.js'

/** CloudTrail delivers a digest per trail and Region every hour. */
export const DEFAULT_DIGEST_INTERVAL_SECONDS = 3600

/**
 * How long a listed log file is remembered, so a delivery replayed after a crash does not
 * list it again. A replay happens at the next start, for the plan in flight at the crash.
 */
const LISTED_LOGS_KEPT_MS = 7 * 86_400_000

/** Version of the rows in `digest_chains` / `digest_pending_logs`. */
const STATE_VERSION = 1

/** Identifies one chain: one trail's digests for one account and source Region. */
export interface ChainId {
  trailArn: string
  accountId: string
  region: string
}

/** Where a chain's digests go: the trail's bucket plus the key naming fields. */
export interface ChainLocation extends TrailLocation {
  bucket: string
}

export interface ChainConfig extends ChainId {
  location: ChainLocation
}

/** The signing side DigestChain needs (satisfied by keys' SigningKeyStore). */
export interface DigestSigner {
  currentKey(region: string, now: Date): { fingerprint: string; privateKey: KeyObject }
}

export interface DigestChainOptions {
  /** Digest interval in whole seconds (default 3600; tests use e.g. 60). */
  intervalSeconds?: number
}

/** A chain as `listChains` reports it. */
export interface ChainState {
  id: ChainId
  location: ChainLocation
  /** Being broken: the final digest is not written yet (a write failed, or is in progress). */
  stopping: boolean
}

/** A digest this call wrote. */
export interface WrittenDigest {
  chain: ChainId
  bucket: string
  key: string
  startTime: Date
  endTime: Date
  logFileCount: number
  /** True for a chain's final digest (breakChain). */
  final: boolean
  signature: string
}

interface ChainRow {
  chain_id: string
  trail_arn: string
  account_id: string
  region: string
  location_json: string
  interval_start_ms: number
  prev_bucket: string | null
  prev_key: string | null
  prev_sha256: string | null
  prev_signature: string | null
  stop_at_ms: number | null
  restart_at_ms: number | null
}

interface PendingRow {
  bucket: string
  key: string
  sha256: string
  newest_ms: number
  oldest_ms: number
  recorded_ms: number
}

function chainIdText(id: ChainId): string {
  return JSON.stringify([id.trailArn, id.accountId, id.region])
}

function wholeSecondMs(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000
}

export class DigestChain {
  readonly #db: Database.Database
  readonly #signer: DigestSigner
  readonly #intervalMs: number
  /** Serializes writers in this process: two overlapping timers must not write one digest twice. */
  #writing: Promise<unknown> = Promise.resolve()

  constructor(db: Database.Database, signer: DigestSigner, options: DigestChainOptions = {}) {
    const seconds = options.intervalSeconds ?? DEFAULT_DIGEST_INTERVAL_SECONDS
    if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`intervalSeconds must be a positive integer, got ${seconds}`)
    this.#db = db
    this.#signer = signer
    this.#intervalMs = seconds * 1000
    db.exec(`CREATE TABLE IF NOT EXISTS digest_chains (
      chain_id TEXT PRIMARY KEY,
      trail_arn TEXT NOT NULL,
      account_id TEXT NOT NULL,
      region TEXT NOT NULL,
      location_json TEXT NOT NULL,
      interval_start_ms INTEGER NOT NULL,
      prev_bucket TEXT, prev_key TEXT, prev_sha256 TEXT, prev_signature TEXT,
      stop_at_ms INTEGER,
      restart_at_ms INTEGER,
      version INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS digest_pending_logs (
      chain_id TEXT NOT NULL,
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      newest_ms INTEGER NOT NULL,
      oldest_ms INTEGER NOT NULL,
      recorded_ms INTEGER NOT NULL,
      version INTEGER NOT NULL,
      PRIMARY KEY (chain_id, bucket, key)
    );
    CREATE TABLE IF NOT EXISTS digest_listed_logs (
      chain_id TEXT NOT NULL,
      bucket TEXT NOT NULL,
      key TEXT NOT NULL,
      listed_ms INTEGER NOT NULL,
      PRIMARY KEY (chain_id, bucket, key)
    )`)
  }

  /**
   * Opens a chain at `now` (null previous fields on its first digest). On an open chain only
   * the location is updated (e.g. UpdateTrail changed the bucket; the next digest still links
   * to the previous one in the old bucket). On a chain being broken, the new chain starts at
   * `now` once the final digest of the old one is written.
   */
  startChain(config: ChainConfig, now: Date): void {
    const id = chainIdText(config)
    const location = JSON.stringify(config.location)
    const nowMs = wholeSecondMs(now)
    this.#db.transaction(() => {
      const row = this.#chainRow(id)
      if (!row) {
        this.#db
          .prepare(
            `INSERT INTO digest_chains (chain_id, trail_arn, account_id, region, location_json, interval_start_ms, version)
             VALUES (?, ?, ?, ?, ?, ?, ${STATE_VERSION})`,
          )
          .run(id, config.trailArn, config.accountId, config.region, location, nowMs)
      } else if (row.stop_at_ms !== null) {
        this.#db.prepare('UPDATE digest_chains SET location_json = ?, restart_at_ms = ? WHERE chain_id = ?').run(location, Math.max(nowMs, row.stop_at_ms), id)
      } else {
        this.#db.prepare('UPDATE digest_chains SET location_json = ? WHERE chain_id = ?').run(location, id)
      }
    })()
  }

  /** Chains with state (open, or broken but their final digest not yet written), optionally of one trail. */
  listChains(trailArn?: string): ChainState[] {
    const rows = (
      trailArn === undefined
        ? this.#db.prepare('SELECT * FROM digest_chains ORDER BY chain_id').all()
        : this.#db.prepare('SELECT * FROM digest_chains WHERE trail_arn = ? ORDER BY chain_id').all(trailArn)
    ) as ChainRow[]
    return rows.map((row) => ({
      id: { trailArn: row.trail_arn, accountId: row.account_id, region: row.region },
      location: JSON.parse(row.location_json) as ChainLocation,
      stopping: row.stop_at_ms !== null && row.restart_at_ms === null,
    }))
  }

  /** True when the chain is open at `at` (log files recorded now would get a digest). */
  isActive(id: ChainId, at: Date): boolean {
    const row = this.#chainRow(chainIdText(id))
    return row !== undefined && acceptsAt(row, at.getTime())
  }

  /**
   * Records a log file, durable in its bucket, for the chain's next digest. Returns false
   * (and records nothing) when the chain is not open: such files never get a digest, as in
   * CloudTrail while validation is off. Recording the same object twice keeps the latest.
   */
  recordLogFile(id: ChainId, file: DigestLogFile, recordedAt: Date = new Date()): boolean {
    const chainId = chainIdText(id)
    return this.#db.transaction((): boolean => {
      const row = this.#chainRow(chainId)
      const atMs = recordedAt.getTime()
      if (!row || !acceptsAt(row, atMs)) return false
      // A delivery replayed after a crash reports files a digest already lists: CloudTrail lists a file once.
      if (this.#db.prepare('SELECT 1 FROM digest_listed_logs WHERE chain_id = ? AND bucket = ? AND key = ?').get(chainId, file.bucket, file.key)) return false
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO digest_pending_logs (chain_id, bucket, key, sha256, newest_ms, oldest_ms, recorded_ms, version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ${STATE_VERSION})`,
        )
        .run(chainId, file.bucket, file.key, file.sha256, file.newestEventTime.getTime(), file.oldestEventTime.getTime(), atMs)
      return true
    })()
  }

  /**
   * Marks the chain stopped at `now`, then writes its remaining digests including a final one
   * ending at `now`. The stop is persisted first, so a crash mid-way is finished by the next
   * `writeDueDigests`. Resolves once the final digest is durable.
   */
  async breakChain(id: ChainId, now: Date, store: ObjectStore): Promise<WrittenDigest[]> {
    const chainId = chainIdText(id)
    this.#db.transaction(() => {
      const row = this.#chainRow(chainId)
      if (!row) return
      if (row.stop_at_ms === null) {
        this.#db.prepare('UPDATE digest_chains SET stop_at_ms = ? WHERE chain_id = ?').run(Math.max(wholeSecondMs(now), row.interval_start_ms), chainId)
      } else if (row.restart_at_ms !== null) {
        // Stopped, restarted and stopped again before the final digest was written: the restart never happened.
        this.#db.prepare('UPDATE digest_chains SET restart_at_ms = NULL WHERE chain_id = ?').run(chainId)
      }
    })()
    return this.writeDueDigests(now, store, [id])
  }

  /**
   * Writes every digest due at `now` (all chains, or only `only`), oldest first per chain.
   * Resolves when all of them are durable and the chain state has advanced.
   */
  writeDueDigests(now: Date, store: ObjectStore, only?: readonly ChainId[]): Promise<WrittenDigest[]> {
    const run = this.#writing.then(() => this.#writeDue(now, store, only))
    this.#writing = run.catch(() => undefined) // the next caller must not inherit this caller's failure
    return run
  }

  async #writeDue(now: Date, store: ObjectStore, only?: readonly ChainId[]): Promise<WrittenDigest[]> {
    const ids = only
      ? only.map(chainIdText)
      : (this.#db.prepare('SELECT chain_id FROM digest_chains ORDER BY chain_id').all() as { chain_id: string }[]).map((r) => r.chain_id)
    const written: WrittenDigest[] = []
    for (const id of ids) {
      for (;;) {
        const row = this.#chainRow(id)
        if (!row) break
        const step = this.#nextStep(row, now.getTime())
        if (!step) break
        if (step.endMs > row.interval_start_ms) {
          written.push(await this.#writeOne(row, step.endMs, step.final, now, store))
        } else {
          // A stop at the very start of an interval: nothing to cover, close the chain.
          this.#advance(row, step.endMs, true, null)
        }
      }
    }
    return written
  }

  #nextStep(row: ChainRow, nowMs: number): { endMs: number; final: boolean } | undefined {
    const fullEnd = row.interval_start_ms + this.#intervalMs
    if (row.stop_at_ms !== null && row.stop_at_ms <= fullEnd) return { endMs: row.stop_at_ms, final: true }
    return nowMs >= fullEnd ? { endMs: fullEnd, final: false } : undefined
  }

  async #writeOne(row: ChainRow, endMs: number, final: boolean, now: Date, store: ObjectStore): Promise<WrittenDigest> {
    const location = JSON.parse(row.location_json) as ChainLocation
    const pending = this.#db
      .prepare(
        `SELECT bucket, key, sha256, newest_ms, oldest_ms, recorded_ms FROM digest_pending_logs
         WHERE chain_id = ? AND recorded_ms <= ? ORDER BY recorded_ms, bucket, key`,
      )
      .all(row.chain_id, endMs) as PendingRow[]
    const endTime = new Date(endMs)
    const key = digestFileKey(location, endTime)
    const previous =
      row.prev_bucket !== null && row.prev_key !== null && row.prev_sha256 !== null && row.prev_signature !== null
        ? { bucket: row.prev_bucket, key: row.prev_key, sha256: row.prev_sha256, signature: row.prev_signature }
        : null
    const digest = buildDigest({
      accountId: location.accountId,
      bucket: location.bucket,
      key,
      startTime: new Date(row.interval_start_ms),
      endTime,
      signingKey: this.#signer.currentKey(location.region, now),
      previous,
      logFiles: pending.map((p) => ({
        bucket: p.bucket,
        key: p.key,
        sha256: p.sha256,
        newestEventTime: new Date(p.newest_ms),
        oldestEventTime: new Date(p.oldest_ms),
      })),
    })
    // Durable first, then advance: see the module comment for a crash in between.
    await store.putObject(location.bucket, key, digest.gz, {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      metadata: digest.metadata,
      // Digest files stay SSE-S3 even when the trail's log files use SSE-KMS.
      serverSideEncryption: { type: 'AES256' },
    })
    this.#advance(row, endMs, final, { bucket: location.bucket, key, sha256: digest.sha256, signature: digest.signature })
    return {
      chain: { trailArn: row.trail_arn, accountId: row.account_id, region: row.region },
      bucket: location.bucket,
      key,
      startTime: new Date(row.interval_start_ms),
      endTime,
      logFileCount: pending.length,
      final,
      signature: digest.signature,
    }
  }

  #advance(row: ChainRow, endMs: number, final: boolean, written: { bucket: string; key: string; sha256: string; signature: string } | null): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT OR IGNORE INTO digest_listed_logs (chain_id, bucket, key, listed_ms)
           SELECT chain_id, bucket, key, ? FROM digest_pending_logs WHERE chain_id = ? AND recorded_ms <= ?`,
        )
        .run(endMs, row.chain_id, endMs)
      this.#db.prepare('DELETE FROM digest_listed_logs WHERE listed_ms < ?').run(endMs - LISTED_LOGS_KEPT_MS)
      this.#db.prepare('DELETE FROM digest_pending_logs WHERE chain_id = ? AND recorded_ms <= ?').run(row.chain_id, endMs)
      if (!final) {
        this.#db
          .prepare('UPDATE digest_chains SET interval_start_ms = ?, prev_bucket = ?, prev_key = ?, prev_sha256 = ?, prev_signature = ? WHERE chain_id = ?')
          .run(endMs, written?.bucket ?? null, written?.key ?? null, written?.sha256 ?? null, written?.signature ?? null, row.chain_id)
        return
      }
      const current = this.#chainRow(row.chain_id)
      if (current?.restart_at_ms != null) {
        // Log files recorded while stopped (between stop and restart) never get a digest.
        this.#db.prepare('DELETE FROM digest_pending_logs WHERE chain_id = ? AND recorded_ms < ?').run(row.chain_id, current.restart_at_ms)
        this.#db
          .prepare(
            `UPDATE digest_chains SET interval_start_ms = ?, prev_bucket = NULL, prev_key = NULL, prev_sha256 = NULL,
               prev_signature = NULL, stop_at_ms = NULL, restart_at_ms = NULL WHERE chain_id = ?`,
          )
          .run(current.restart_at_ms, row.chain_id)
      } else {
        this.#db.prepare('DELETE FROM digest_pending_logs WHERE chain_id = ?').run(row.chain_id)
        this.#db.prepare('DELETE FROM digest_chains WHERE chain_id = ?').run(row.chain_id)
      }
    })()
  }

  #chainRow(chainId: string): ChainRow | undefined {
    return this.#db.prepare('SELECT * FROM digest_chains WHERE chain_id = ?').get(chainId) as ChainRow | undefined
  }
}

/** Whether a log file recorded at `atMs` belongs to the chain (before its stop, or after its restart). */
function acceptsAt(row: ChainRow, atMs: number): boolean {
  if (row.stop_at_ms === null || atMs <= row.stop_at_ms) return true
  return row.restart_at_ms !== null && atMs >= row.restart_at_ms
}
