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
