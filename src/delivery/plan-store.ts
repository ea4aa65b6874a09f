/**
 * Durable delivery state in SQLite, per trail: the cursor (last journal seq the trail is done
 * with), the seq at which logging was last seen to stop, and at most one pending delivery plan.
 *
 * A plan is written before any object, and completing it (cursor to the plan's last seq, plan
 * gone) is one transaction, after the objects are durable. A crash in between leaves the plan,
 * and the next start executes the very same plan again: same keys, same bytes.
 */
import type Database from 'better-sqlite3'

/** Version of the rows in `trail_delivery_state` and of the plan JSON. */
export const DELIVERY_STATE_VERSION = 1

export interface PlannedFile {
  accountId: string
  region: string
  key: string
  /** Journal seqs of the file's records, in order. */
  seqs: number[]
  /**
   * Epoch ms of the oldest and newest eventTime among the records, found while planning so
   * that writing the file needs only the records' stored text. Absent in plans written by
   * earlier versions: then they are read from the records.
   */
  eventTimes?: EventTimeRange
}

/** Oldest and newest eventTime of a log file's records, epoch ms (0 when none is readable). */
export interface EventTimeRange {
  oldestMs: number
  newestMs: number
}

export interface DeliveryPlan {
  version: typeof DELIVERY_STATE_VERSION
  trailArn: string
  /** The plan covers journal seqs firstSeq..lastSeq (inclusive); the cursor becomes lastSeq. */
  firstSeq: number
  lastSeq: number
  /** Names the files (date folders, timestamp); decided once, when planning. */
  deliveryTime: string
  files: PlannedFile[]
}

/** Journal seqs a logging session covered: events in (from, to] were logged. */
export interface LoggedRange {
  from: number
  to: number
}

export interface TrailCursorState {
  cursor: number
  /** Head of the journal when the trail was last seen to stop logging; unset while logging. */
  stoppedAtSeq?: number
  /**
   * Stopped logging sessions whose events are not all delivered yet, oldest first. They are
   * delivered before anything else, even when logging has started again since.
   */
  stoppedSessions: LoggedRange[]
}

export class DeliveryPlanStore {
  readonly #db: Database.Database
  readonly #stmts

  constructor(db: Database.Database) {
    this.#db = db
    db.exec(`
      CREATE TABLE IF NOT EXISTS trail_delivery_state (
        trail_arn TEXT PRIMARY KEY,
        cursor INTEGER NOT NULL,
        stopped_at_seq INTEGER,
        version INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS trail_delivery_plans (
        trail_arn TEXT PRIMARY KEY,
        plan TEXT NOT NULL,
        version INTEGER NOT NULL
      );
    `)
    // Added after the first release of this table.
    const columns = db.prepare('PRAGMA table_info(trail_delivery_state)').all() as { name: string }[]
    if (!columns.some((c) => c.name === 'stopped_sessions')) db.exec('ALTER TABLE trail_delivery_state ADD COLUMN stopped_sessions TEXT')
    this.#stmts = {
      getState: db.prepare('SELECT cursor, stopped_at_seq AS stoppedAtSeq, stopped_sessions AS stoppedSessions FROM trail_delivery_state WHERE trail_arn = ?'),
      setStoppedSessions: db.prepare('UPDATE trail_delivery_state SET stopped_sessions = ? WHERE trail_arn = ?'),
      initState: db.prepare(
        `INSERT OR IGNORE INTO trail_delivery_state (trail_arn, cursor, stopped_at_seq, version) VALUES (?, ?, ?, ${DELIVERY_STATE_VERSION})`,
      ),
      setCursor: db.prepare('UPDATE trail_delivery_state SET cursor = MAX(cursor, ?) WHERE trail_arn = ?'),
      setStoppedAt: db.prepare('UPDATE trail_delivery_state SET stopped_at_seq = ? WHERE trail_arn = ?'),
      getPlan: db.prepare('SELECT plan, version FROM trail_delivery_plans WHERE trail_arn = ?'),
      savePlan: db.prepare(`INSERT INTO trail_delivery_plans (trail_arn, plan, version) VALUES (?, ?, ${DELIVERY_STATE_VERSION})`),
      deletePlan: db.prepare('DELETE FROM trail_delivery_plans WHERE trail_arn = ?'),
      deleteState: db.prepare('DELETE FROM trail_delivery_state WHERE trail_arn = ?'),
      listArns: db.prepare('SELECT trail_arn AS arn FROM trail_delivery_state'),
    }
  }

  getState(trailArn: string): TrailCursorState | undefined {
    const row = this.#stmts.getState.get(trailArn) as { cursor: number; stoppedAtSeq: number | null; stoppedSessions: string | null } | undefined
    if (!row) return undefined
    const stoppedSessions = row.stoppedSessions === null ? [] : (JSON.parse(row.stoppedSessions) as LoggedRange[])
    return { cursor: row.cursor, ...(row.stoppedAtSeq !== null && { stoppedAtSeq: row.stoppedAtSeq }), stoppedSessions }
  }

  /** Creates the trail's row unless it exists; returns the state in force. */
  initState(trailArn: string, initial: Pick<TrailCursorState, 'cursor' | 'stoppedAtSeq'>): TrailCursorState {
    this.#stmts.initState.run(trailArn, initial.cursor, initial.stoppedAtSeq ?? null)
    return this.getState(trailArn)!
  }

  /** Moves the cursor forward (never back) without delivering: events skipped while stopped. */
  skipTo(trailArn: string, seq: number): void {
    this.#stmts.setCursor.run(seq, trailArn)
  }

  setStoppedAt(trailArn: string, seq: number | undefined): void {
    this.#stmts.setStoppedAt.run(seq ?? null, trailArn)
  }

  /** A stopping session's range is kept until delivered; ranges the cursor has passed are dropped. */
  setStoppedSessions(trailArn: string, sessions: LoggedRange[]): void {
    this.#stmts.setStoppedSessions.run(sessions.length ? JSON.stringify(sessions) : null, trailArn)
  }

  getPlan(trailArn: string): DeliveryPlan | undefined {
    const row = this.#stmts.getPlan.get(trailArn) as { plan: string; version: number } | undefined
    if (!row) return undefined
    if (row.version !== DELIVERY_STATE_VERSION) {
      throw new RangeError(`delivery plan of ${trailArn} has version ${row.version}; this build reads ${DELIVERY_STATE_VERSION}`)
    }
    return JSON.parse(row.plan) as DeliveryPlan
  }

  /** Persists a plan; there is at most one per trail, so an existing plan must be completed first. */
  savePlan(plan: DeliveryPlan): void {
    this.#stmts.savePlan.run(plan.trailArn, JSON.stringify(plan))
  }

  /** After the plan's objects are durable: cursor to its last seq and plan gone, in one transaction. */
  completePlan(plan: DeliveryPlan): void {
    this.#db.transaction(() => {
      this.#stmts.setCursor.run(plan.lastSeq, plan.trailArn)
      this.#stmts.deletePlan.run(plan.trailArn)
    })()
  }

  /** A deleted trail's rows go with it. */
  remove(trailArn: string): void {
    this.#db.transaction(() => {
      this.#stmts.deletePlan.run(trailArn)
      this.#stmts.deleteState.run(trailArn)
    })()
  }

  listTrailArns(): string[] {
    return (this.#stmts.listArns.all() as { arn: string }[]).map((r) => r.arn)
  }
}
