/**
 * The history index's tables, beside the journal in the same SQLite database.
 *
 * Sized for small disk: every repeated string is an integer id (history_strings), the
 * (account, Region, category) triple is one small id (history_scopes), and both lookup
 * tables are WITHOUT ROWID, so a row is its key and nothing else.
 *
 * - history_events: one row per indexed event, keyed (scope, ro, time, seq). It drives
 *   lookups without an attribute (or with ReadOnly only) and holds the attribute ids an
 *   event was posted under, so retention can delete its postings exactly.
 * - history_postings: one row per (event, attribute value), keyed
 *   (scope, attr, value, time, seq): a lookup by an attribute is one range scan, newest
 *   first, LIMIT maxResults+1.
 * `time` is eventTime in whole seconds since the epoch: CloudTrail's eventTime has no
 * fraction, and seconds fit 4 bytes where milliseconds need 6 in every row.
 * EventId is not posted: the journal's unique index on event_id already answers it.
 * Only management and Insights events are indexed; Event History shows nothing else.
 */
import type Database from 'better-sqlite3'

/** Posting attribute codes; stored, so never renumbered. */
export const ATTR = {
  EventName: 1,
  EventSource: 2,
  Username: 3,
  AccessKeyId: 4,
  ResourceType: 5,
  ResourceName: 6,
} as const
export type PostedAttribute = keyof typeof ATTR

/** Scope category codes; stored. */
export const CATEGORY = { management: 1, insight: 2 } as const

/** history_events.ro: readOnly false, true, or absent from the record. */
export const RO = { false: 0, true: 1, unknown: 2 } as const
export const RO_VALUES = [RO.false, RO.true, RO.unknown] as const

export const SCHEMA_VERSION = 1

const TABLES = ['history_postings', 'history_events', 'history_scopes', 'history_strings', 'history_meta']

/**
 * Drops Event History's tables from a database that is no longer the index's: the journal's,
 * where versions before the index had its own file kept it. True when there were any; the
 * index is then rebuilt from the journal (its cursor is set back to what the new file holds).
 */
export function dropHistoryTables(db: Database.Database): boolean {
  const present = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (${TABLES.map(() => '?').join(', ')})`).get(...TABLES) as { n: number }
  if (present.n === 0) return false
  db.transaction(() => {
    for (const table of TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`)
  })()
  return true
}

export function createHistorySchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS history_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS history_strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS history_scopes (
      id INTEGER PRIMARY KEY,
      account TEXT NOT NULL,
      region TEXT NOT NULL,
      category INTEGER NOT NULL,
      UNIQUE (account, region, category)
    );
    CREATE TABLE IF NOT EXISTS history_events (
      scope INTEGER NOT NULL,
      ro INTEGER NOT NULL,
      time INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      name INTEGER,
      source INTEGER,
      user INTEGER,
      akey INTEGER,
      res TEXT,
      PRIMARY KEY (scope, ro, time, seq)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS history_postings (
      scope INTEGER NOT NULL,
      attr INTEGER NOT NULL,
      value INTEGER NOT NULL,
      time INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (scope, attr, value, time, seq)
    ) WITHOUT ROWID;
  `)
  // OR IGNORE: the index's writer thread may create the schema on its own connection at the same time.
  db.prepare("INSERT OR IGNORE INTO history_meta (key, value) VALUES ('schema', ?)").run(SCHEMA_VERSION)
  const version = (db.prepare("SELECT value FROM history_meta WHERE key = 'schema'").get() as { value: number }).value
  if (version !== SCHEMA_VERSION) throw new Error(`history index schema version ${version} is not supported (expected ${SCHEMA_VERSION})`)
}
