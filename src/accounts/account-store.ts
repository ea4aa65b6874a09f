/**
 * Accounts and their access keys. Each access key belongs to one account and sees and
 * writes only that account's events. Secrets are stored sealed with the master key; the
 * plaintext secret is shown once, when the key is created.
 */
import type Database from 'better-sqlite3'
import { randomAlnum } from '../record/index.js'
import { open, seal } from './secret-box.js'
import { randomBytes, randomInt } from 'node:crypto'

export interface AccessKey {
  accessKeyId: string
  accountId: string
  userName: string
  createdAt: Date
}

export interface NewAccessKey extends AccessKey {
  secretAccessKey: string
}

export class AccountStore {
  readonly #db: Database.Database
  readonly #masterKey: Buffer
  #byKeyId: Database.Statement | undefined
  #dataVersion: Database.Statement | undefined
  readonly #opened = new Map<string, { sealed: Buffer; secret: string }>()
  /** Keys looked up since the database last changed under another connection (see lookupSecret). */
  readonly #found = new Map<string, { key: AccessKey; secret: string }>()
  #foundAtVersion: unknown

  constructor(db: Database.Database, masterKey: Buffer) {
    this.#db = db
    this.#masterKey = masterKey
    db.exec(`
      CREATE TABLE IF NOT EXISTS accounts (account_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, retention_days INTEGER);
      CREATE TABLE IF NOT EXISTS access_keys (
        access_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(account_id),
        user_name TEXT NOT NULL, secret BLOB NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `)
  }

  getSetting(name: string): string | undefined {
    return (this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined)?.value
  }

  setSetting(name: string, value: string): void {
    this.#db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value)
  }

  /** Creates the account if it does not exist yet; returns true when it was created. */
  ensureAccount(accountId: string): boolean {
    if (!/^\d{12}$/.test(accountId)) throw new RangeError(`account id must be 12 digits: ${accountId}`)
    return this.#db.prepare('INSERT OR IGNORE INTO accounts (account_id, created_at) VALUES (?, ?)').run(accountId, Date.now()).changes === 1
  }

  hasAccount(accountId: string): boolean {
    return this.#db.prepare('SELECT 1 FROM accounts WHERE account_id = ?').get(accountId) !== undefined
  }

  listAccounts(): { accountId: string; retentionDays?: number }[] {
    const rows = this.#db.prepare('SELECT account_id, retention_days FROM accounts ORDER BY account_id').all() as {
      account_id: string
      retention_days: number | null
    }[]
    return rows.map((r) => ({ accountId: r.account_id, retentionDays: r.retention_days ?? undefined }))
  }

  setRetentionDays(accountId: string, days: number | undefined): void {
    this.#db.prepare('UPDATE accounts SET retention_days = ? WHERE account_id = ?').run(days ?? null, accountId)
  }

  /** A new random 12-digit account id (never starting with 0, so it survives numeric parsing). */
  static newAccountId(): string {
    return String(randomInt(1, 10)) + Array.from({ length: 11 }, () => randomInt(0, 10)).join('')
  }

  createAccessKey(accountId: string, userName: string, given?: { accessKeyId: string; secretAccessKey: string }): NewAccessKey {
    this.ensureAccount(accountId)
    const accessKeyId = given?.accessKeyId ?? 'AKIA' + randomAlnum(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')
    const secretAccessKey = given?.secretAccessKey ?? randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40)
    const createdAt = new Date()
    this.#db
      .prepare('INSERT INTO access_keys (access_key_id, account_id, user_name, secret, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(accessKeyId, accountId, userName, seal(this.#masterKey, Buffer.from(secretAccessKey), accessKeyId), createdAt.getTime())
    return { accessKeyId, accountId, userName, createdAt, secretAccessKey }
  }

  /** The key and its secret, for verifying a signature; undefined for an unknown key. */
  lookupSecret(accessKeyId: string): { key: AccessKey; secret: string } | undefined {
    // A key deleted with `opentrail keys delete` (another process) must stop working at once.
    // SQLite's data_version changes whenever another connection commits, so found keys are
    // kept until then (a point read per request cost more than the rest of authentication);
    // this store's own deletes forget them directly.
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version').pluck()
    const version: unknown = this.#dataVersion.get()
    if (version !== this.#foundAtVersion) {
      this.#found.clear()
      this.#foundAtVersion = version
    }
    const found = this.#found.get(accessKeyId)
    if (found) return found
    this.#byKeyId ??= this.#db.prepare('SELECT * FROM access_keys WHERE access_key_id = ?')
    const row = this.#byKeyId.get(accessKeyId) as KeyRow | undefined
    if (!row) return undefined
    // Decrypting is what costs; the plaintext is kept for as long as the stored ciphertext is the same.
    const opened = this.#opened.get(accessKeyId)
    const secret = opened && opened.sealed.equals(row.secret) ? opened.secret : open(this.#masterKey, row.secret, accessKeyId).toString()
    this.#opened.set(accessKeyId, { sealed: row.secret, secret })
    const result = { key: toKey(row), secret }
    this.#found.set(accessKeyId, result)
    return result
  }

  listAccessKeys(accountId?: string): AccessKey[] {
    const rows = (accountId === undefined
      ? this.#db.prepare('SELECT * FROM access_keys ORDER BY created_at').all()
      : this.#db.prepare('SELECT * FROM access_keys WHERE account_id = ? ORDER BY created_at').all(accountId)) as KeyRow[]
    return rows.map(toKey)
  }

  deleteAccessKey(accessKeyId: string): boolean {
    this.#opened.delete(accessKeyId)
    this.#found.delete(accessKeyId)
    return this.#db.prepare('DELETE FROM access_keys WHERE access_key_id = ?').run(accessKeyId).changes === 1
  }

  countAccessKeys(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM access_keys').get() as { n: number }).n
  }
}

interface KeyRow {
  access_key_id: string
  account_id: string
  user_name: string
  secret: Buffer
  created_at: number
}

function toKey(row: KeyRow): AccessKey {
  return { accessKeyId: row.access_key_id, accountId: row.account_id, userName: row.user_name, createdAt: new Date(row.created_at) }
}
