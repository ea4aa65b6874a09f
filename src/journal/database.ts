/** Opens the embedded SQLite database with the settings the journal's durability relies on. */
import Database from 'better-sqlite3'

export function openDatabase(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // FULL: the WAL is synced at every commit, so an acknowledged append survives power loss, not only a crash.
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  return db
}

/**
 * Runs `work` (one transaction) without waiting for a disk sync at its commit. For
 * projection state that a replay rebuilds (an index, a cursor): losing the last such
 * commit in a power cut only means replaying a batch. WAL frames are written in order,
 * so the next fully synced commit (the next journal append) makes it durable too.
 */
export function withoutSync<T>(db: Database.Database, work: () => T): T {
  db.pragma('synchronous = NORMAL')
  try {
    return work()
  } finally {
    db.pragma('synchronous = FULL')
  }
}
