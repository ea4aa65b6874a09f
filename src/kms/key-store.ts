/**
 * A KMS-like key service in the installation's SQLite database. Each key has numbered versions
 * of 32-byte key material, sealed with the installation master key; rotation adds a version
 * and keeps the old ones, so data keys wrapped before a rotation still decrypt.
 *
 * Data keys (envelope encryption): `generateDataKey` returns a fresh 32-byte key in the clear
 * for the caller to encrypt with, and the same key wrapped (AES-256-GCM) under the key's
 * current version, authenticated together with the key ARN and the encryption context.
 * Wrapped form: format (1 byte, 1) | key version (uint32 BE) | iv (12) | tag (16) | ciphertext (32).
 *
 * Nothing is cached: a rotation or a disable done by another process (the CLI) applies at once.
 */
import type Database from 'better-sqlite3'
import { randomBytes, randomUUID } from 'node:crypto'
import { open, seal } from '../accounts/index.js'
import {
  KmsAliasExistsError,
  KmsInvalidCiphertextError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
} from './errors.js'
import { canonicalContext, keyArn, normalizeAliasName, parseKeyRef } from './key-names.js'

export interface KmsKey {
  keyId: string
  arn: string
  accountId: string
  region: string
  description: string
  /** Alias names (`alias/...`) pointing at this key. */
  aliases: string[]
  enabled: boolean
  /** The version new data keys are wrapped under; starts at 1, +1 per rotation. */
  currentVersion: number
  createdAt: Date
}

export interface DataKey {
  /** The data key in the clear: use it, then drop it. */
  plaintext: Buffer
  /** The data key wrapped under the KMS key; store it beside the data. */
  wrapped: Buffer
  /** The key version that wrapped it. */
  keyVersion: number
}

export type EncryptionContext = Readonly<Record<string, string>>

/** Account and Region that scope key ids and alias names. */
export interface KeyScope {
  accountId: string
  region: string
}

const WRAP_FORMAT = 1
const HEADER_BYTES = 5
export const DATA_KEY_BYTES = 32

interface KeyRow {
  key_id: string
  arn: string
  account_id: string
  region: string
  description: string
  enabled: number
  current_version: number
  created_at: number
}

export class KmsKeyStore {
  readonly #db: Database.Database
  readonly #masterKey: Buffer

  constructor(db: Database.Database, masterKey: Buffer) {
    this.#db = db
    this.#masterKey = masterKey
    db.exec(`
      CREATE TABLE IF NOT EXISTS kms_keys (
        key_id TEXT PRIMARY KEY, arn TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, region TEXT NOT NULL,
        description TEXT NOT NULL, enabled INTEGER NOT NULL, current_version INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS kms_key_versions (
        key_id TEXT NOT NULL REFERENCES kms_keys(key_id), version INTEGER NOT NULL,
        material BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (key_id, version));
      CREATE TABLE IF NOT EXISTS kms_aliases (
        account_id TEXT NOT NULL, region TEXT NOT NULL, alias_name TEXT NOT NULL,
        key_id TEXT NOT NULL REFERENCES kms_keys(key_id), PRIMARY KEY (account_id, region, alias_name));
    `)
  }

  /** Creates a key with its first version of key material; throws KmsAliasExistsError for a taken alias. */
  createKey(accountId: string, region: string, options: { description?: string; alias?: string } = {}): KmsKey {
    const aliasName = options.alias === undefined ? undefined : normalizeAliasName(options.alias)
    const keyId = randomUUID()
    const arn = keyArn(region, accountId, keyId)
    const now = Date.now()
    this.#db.transaction(() => {
      if (aliasName !== undefined && this.#aliasTarget(accountId, region, aliasName) !== undefined) {
        throw new KmsAliasExistsError(aliasName)
      }
      this.#db
        .prepare('INSERT INTO kms_keys (key_id, arn, account_id, region, description, enabled, current_version, created_at) VALUES (?, ?, ?, ?, ?, 1, 1, ?)')
        .run(keyId, arn, accountId, region, options.description ?? '', now)
      this.#insertVersion(keyId, arn, 1, now)
      if (aliasName !== undefined) {
        this.#db.prepare('INSERT INTO kms_aliases (account_id, region, alias_name, key_id) VALUES (?, ?, ?, ?)').run(accountId, region, aliasName, keyId)
      }
    })()
    return this.#describe(keyId)!
  }

  /** Points a new alias at a key of the same account and Region. */
  createAlias(aliasName: string, keyRef: string, scope?: KeyScope): void {
    const name = normalizeAliasName(aliasName)
    const key = this.#require(keyRef, scope)
    this.#db.transaction(() => {
      if (this.#aliasTarget(key.account_id, key.region, name) !== undefined) throw new KmsAliasExistsError(name)
      this.#db.prepare('INSERT INTO kms_aliases (account_id, region, alias_name, key_id) VALUES (?, ?, ?, ?)').run(key.account_id, key.region, name, key.key_id)
    })()
  }

  listKeys(accountId?: string): KmsKey[] {
    const rows = (accountId === undefined
      ? this.#db.prepare('SELECT * FROM kms_keys ORDER BY created_at, key_id').all()
      : this.#db.prepare('SELECT * FROM kms_keys WHERE account_id = ? ORDER BY created_at, key_id').all(accountId)) as KeyRow[]
    return rows.map((row) => this.#toKey(row))
  }

  /** The key a reference names, or undefined. See `resolve` for the reference forms. */
  describeKey(keyRef: string, scope?: KeyScope): KmsKey | undefined {
    const row = this.#find(keyRef, scope)
    return row === undefined ? undefined : this.#toKey(row)
  }

  /**
   * The key ARN for a key id, key ARN, `alias/name` or alias ARN, as CloudTrail resolves a
   * trail's KmsKeyId; undefined when no such key exists in that account. Key ids and alias
   * names are looked up in the given account and Region; ARNs must belong to the account.
   */
  resolve(keyRef: string, accountId: string, region: string): string | undefined {
    const row = this.#find(keyRef, { accountId, region })
    return row !== undefined && row.account_id === accountId ? row.arn : undefined
  }

  /** Adds a new version of key material and makes it current; returns the new version number. */
  rotate(keyRef: string, scope?: KeyScope): number {
    const key = this.#require(keyRef, scope)
    return this.#db.transaction(() => {
      // Re-read inside the transaction: another process may have rotated meanwhile.
      const { current_version: current } = this.#db.prepare('SELECT current_version FROM kms_keys WHERE key_id = ?').get(key.key_id) as KeyRow
      const next = current + 1
      this.#insertVersion(key.key_id, key.arn, next, Date.now())
      this.#db.prepare('UPDATE kms_keys SET current_version = ? WHERE key_id = ?').run(next, key.key_id)
      return next
    })()
  }

  /** A disabled key neither generates nor decrypts data keys (as KMS's DisableKey). */
  setEnabled(keyRef: string, enabled: boolean, scope?: KeyScope): void {
    const key = this.#require(keyRef, scope)
    this.#db.prepare('UPDATE kms_keys SET enabled = ? WHERE key_id = ?').run(enabled ? 1 : 0, key.key_id)
  }

  /** A fresh data key, in the clear and wrapped under the key's current version. */
  generateDataKey(keyRef: string, context: EncryptionContext): DataKey & { keyArn: string } {
    const key = this.#usable(keyRef)
    const version = key.current_version
    const material = this.#material(key, version)
    const plaintext = randomBytes(DATA_KEY_BYTES)
    const header = Buffer.alloc(HEADER_BYTES)
    header.writeUInt8(WRAP_FORMAT, 0)
    header.writeUInt32BE(version, 1)
    const wrapped = Buffer.concat([header, seal(material, plaintext, wrapAad(header, key.arn, context))])
    return { plaintext, wrapped, keyVersion: version, keyArn: key.arn }
  }

  /** Unwraps a data key; throws KmsInvalidCiphertextError unless key, context and bytes all match. */
  decryptDataKey(keyRef: string, wrapped: Buffer, context: EncryptionContext): Buffer {
    const key = this.#usable(keyRef)
    if (wrapped.length < HEADER_BYTES || wrapped.readUInt8(0) !== WRAP_FORMAT) throw new KmsInvalidCiphertextError(key.arn)
    const header = wrapped.subarray(0, HEADER_BYTES)
    const material = this.#material(key, header.readUInt32BE(1), true)
    try {
      return open(material, wrapped.subarray(HEADER_BYTES), wrapAad(header, key.arn, context))
    } catch (error) {
      throw new KmsInvalidCiphertextError(key.arn, { cause: error })
    }
  }

  #insertVersion(keyId: string, arn: string, version: number, now: number): void {
    const material = seal(this.#masterKey, randomBytes(32), materialContext(arn, version))
    this.#db.prepare('INSERT INTO kms_key_versions (key_id, version, material, created_at) VALUES (?, ?, ?, ?)').run(keyId, version, material, now)
  }

  #material(key: KeyRow, version: number, forDecrypt = false): Buffer {
    const row = this.#db.prepare('SELECT material FROM kms_key_versions WHERE key_id = ? AND version = ?').get(key.key_id, version) as
      | { material: Buffer }
      | undefined
    if (row === undefined) {
      // Only a forged or foreign header names a version we never made.
      if (forDecrypt) throw new KmsInvalidCiphertextError(key.arn)
      throw new KmsKeyNotFoundError(`${key.arn} version ${version}`)
    }
    return open(this.#masterKey, row.material, materialContext(key.arn, version))
  }

  /** Keys given by ARN or key id need no scope; alias names do. */
  #usable(keyRef: string): KeyRow {
    const key = this.#require(keyRef)
    if (key.enabled !== 1) throw new KmsKeyDisabledError(key.arn)
    return key
  }

  #require(keyRef: string, scope?: KeyScope): KeyRow {
    const row = this.#find(keyRef, scope)
    if (row === undefined) throw new KmsKeyNotFoundError(keyRef)
    return row
  }

  #find(keyRef: string, scope?: KeyScope): KeyRow | undefined {
    const ref = parseKeyRef(keyRef)
    switch (ref.type) {
      case 'keyArn':
        return this.#db.prepare('SELECT * FROM kms_keys WHERE arn = ?').get(keyArn(ref.region, ref.accountId, ref.keyId)) as KeyRow | undefined
      case 'keyId': {
        const row = this.#db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(ref.keyId) as KeyRow | undefined
        // A bare key id means a key of the caller's own account and Region, as in KMS.
        if (row !== undefined && scope !== undefined && (row.account_id !== scope.accountId || row.region !== scope.region)) return undefined
        return row
      }
      case 'alias': {
        if (scope === undefined) return undefined
        const keyId = this.#aliasTarget(scope.accountId, scope.region, ref.aliasName)
        return keyId === undefined ? undefined : (this.#db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as KeyRow)
      }
      case 'aliasArn': {
        const keyId = this.#aliasTarget(ref.accountId, ref.region, ref.aliasName)
        return keyId === undefined ? undefined : (this.#db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as KeyRow)
      }
    }
  }

  #aliasTarget(accountId: string, region: string, aliasName: string): string | undefined {
    const row = this.#db.prepare('SELECT key_id FROM kms_aliases WHERE account_id = ? AND region = ? AND alias_name = ?').get(accountId, region, aliasName) as
      | { key_id: string }
      | undefined
    return row?.key_id
  }

  #describe(keyId: string): KmsKey | undefined {
    const row = this.#db.prepare('SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as KeyRow | undefined
    return row === undefined ? undefined : this.#toKey(row)
  }

  #toKey(row: KeyRow): KmsKey {
    const aliases = (this.#db.prepare('SELECT alias_name FROM kms_aliases WHERE key_id = ? ORDER BY alias_name').all(row.key_id) as { alias_name: string }[]).map(
      (a) => a.alias_name,
    )
    return {
      keyId: row.key_id,
      arn: row.arn,
      accountId: row.account_id,
      region: row.region,
      description: row.description,
      aliases,
      enabled: row.enabled === 1,
      currentVersion: row.current_version,
      createdAt: new Date(row.created_at),
    }
  }
}

/** Binds sealed key material to its row: a version cannot be copied onto another key or number. */
function materialContext(arn: string, version: number): string {
  return `kms-key-material\n${arn}\n${version}`
}

function wrapAad(header: Buffer, arn: string, context: EncryptionContext): string {
  return `kms-data-key\n${header.toString('hex')}\n${arn}\n${canonicalContext(context)}`
}
