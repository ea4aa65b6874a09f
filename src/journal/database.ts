/** Opens the embedded SQLite database with the settings the journal's durability relies on. */
import Database from 'better-sqlite3'

export function openDatabase(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // FULL: the WAL is synced at every commit, so what was answered survives power loss, not only a crash.
  // The journal's appends get the same through an fsync off the event loop (wal-sync.ts).
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  // 64 MiB of page cache (SQLite's default is 2 MiB): a batch of the Event History index
  // dirties pages all over its posting lists; with the small cache they spilled and were
  // read again, and its commits took a fifth of the event loop once 200,000 events were in.
  db.pragma('cache_size = -65536')
  // Checkpoint at 32 MiB of WAL instead of 4 MiB: pages written again and again by index
  // batches are copied into the database once per checkpoint, not once per few commits.
  db.pragma('wal_autocheckpoint = 8192')
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
