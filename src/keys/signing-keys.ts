/**
 * Per-Region RSA-2048 signing keys for digest files, kept in SQLite.
 *
 * - One key pair per Region, generated on first use and rotated once it is older than
 *   `rotationDays`. Private keys are stored encrypted (AES-256-GCM under a 32-byte master
 *   key, authenticated with the fingerprint and Region so a row cannot be swapped).
 * - Validity ranges: a key is valid from its creation to creation + rotation period, as in
 *   CloudTrail's ListPublicKeys sample (exactly 30 days). The range is fixed when the key is
 *   made and never edited, so ListPublicKeys answers stay stable. Rotation is lazy (on the
 *   first `currentKey` call at or past the end), so ranges may leave a gap while the service
 *   is idle; no digest is signed in such a gap, because signing always asks `currentKey`.
 *   When the clock is behind the newest key's start, the newest key is still used.
 */
import { createCipheriv, createDecipheriv, generateKeyPairSync, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto'
import type Database from 'better-sqlite3'
import { InvalidMasterKeyError, SigningKeyDecryptError } from './errors.js'
import { fingerprintOf, pkcs1Der } from './public-key.js'

/** Default rotation period: CloudTrail's public keys are valid for 30 days. */
export const DEFAULT_ROTATION_DAYS = 30

/** Version of the row format (encryption layout) written to `signing_keys`. */
const ROW_FORMAT_VERSION = 1
const DAY_MS = 86_400_000

/** The key that signs digests now. */
export interface SigningKey {
  region: string
  /** Lower-hex MD5 of `publicKeyDer`; goes into `digestPublicKeyFingerprint`. */
  fingerprint: string
  privateKey: KeyObject
  /** PKCS#1 RSAPublicKey DER. */
  publicKeyDer: Buffer
  validityStart: Date
  validityEnd: Date
}

/** One ListPublicKeys entry (`Value` is raw DER; the API layer base64-encodes it). */
export interface PublicKeyEntry {
  Value: Buffer
  ValidityStartTime: Date
  ValidityEndTime: Date
  Fingerprint: string
}

export interface SigningKeyStoreOptions {
  /** Age after which a Region's key is replaced (days, may be fractional; default 30). */
  rotationDays?: number
}

interface KeyRow {
  fingerprint: string
  region: string
  validity_start_ms: number
  validity_end_ms: number
  public_key_der: Buffer
  private_key_iv: Buffer
  private_key_tag: Buffer
  private_key_ct: Buffer
}

export class SigningKeyStore {
  readonly #db: Database.Database
  readonly #masterKey: Buffer
  readonly #rotationMs: number
  /** Decrypted private keys by fingerprint: decrypting on every digest would be wasted work. */
  readonly #privateKeys = new Map<string, KeyObject>()

  constructor(db: Database.Database, masterKey: Buffer, options: SigningKeyStoreOptions = {}) {
    if (masterKey.length !== 32) throw new InvalidMasterKeyError(masterKey.length)
    const rotationDays = options.rotationDays ?? DEFAULT_ROTATION_DAYS
    if (!(rotationDays > 0)) throw new RangeError(`rotationDays must be positive, got ${rotationDays}`)
    this.#db = db
    this.#masterKey = Buffer.from(masterKey)
    this.#rotationMs = Math.round(rotationDays * DAY_MS)
    db.exec(`CREATE TABLE IF NOT EXISTS signing_keys (
      fingerprint TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      validity_start_ms INTEGER NOT NULL,
      validity_end_ms INTEGER NOT NULL,
      public_key_der BLOB NOT NULL,
      private_key_iv BLOB NOT NULL,
      private_key_tag BLOB NOT NULL,
      private_key_ct BLOB NOT NULL,
      format_version INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS signing_keys_region_start ON signing_keys (region, validity_start_ms)`)
  }

  /** The Region's signing key at `now`, generating or rotating it first when due. */
  currentKey(region: string, now: Date = new Date()): SigningKey {
    // IMMEDIATE: two processes sharing the database must not both generate a key.
    const row = this.#db.transaction((): KeyRow => {
      const newest = this.#newestRow(region)
      if (newest && now.getTime() < newest.validity_end_ms) return newest
      return this.#insertNewKey(region, now)
    }).immediate()
    return this.#toSigningKey(row)
  }

  /** Public keys of `region` whose validity range overlaps [start, end], oldest first. */
  listPublicKeys(region: string, start: Date, end: Date): PublicKeyEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT fingerprint, validity_start_ms, validity_end_ms, public_key_der FROM signing_keys
         WHERE region = ? AND validity_start_ms <= ? AND validity_end_ms >= ?
         ORDER BY validity_start_ms`,
      )
      .all(region, end.getTime(), start.getTime()) as Pick<KeyRow, 'fingerprint' | 'validity_start_ms' | 'validity_end_ms' | 'public_key_der'>[]
    return rows.map((row) => ({
      Value: row.public_key_der,
      ValidityStartTime: new Date(row.validity_start_ms),
      ValidityEndTime: new Date(row.validity_end_ms),
      Fingerprint: row.fingerprint,
    }))
  }

  #newestRow(region: string): KeyRow | undefined {
    return this.#db
      .prepare('SELECT * FROM signing_keys WHERE region = ? ORDER BY validity_start_ms DESC LIMIT 1')
      .get(region) as KeyRow | undefined
  }

  #insertNewKey(region: string, now: Date): KeyRow {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
    const publicKeyDer = pkcs1Der(publicKey)
    const fingerprint = fingerprintOf(publicKeyDer)
    // Whole seconds: ListPublicKeys reports times in seconds.
    const startMs = Math.floor(now.getTime() / 1000) * 1000
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#masterKey, iv)
    cipher.setAAD(additionalData(fingerprint, region))
    const ct = Buffer.concat([cipher.update(privateKey.export({ format: 'der', type: 'pkcs8' })), cipher.final()])
    const row: KeyRow = {
      fingerprint,
      region,
      validity_start_ms: startMs,
      validity_end_ms: startMs + this.#rotationMs,
      public_key_der: publicKeyDer,
      private_key_iv: iv,
      private_key_tag: cipher.getAuthTag(),
      private_key_ct: ct,
    }
    this.#db
      .prepare(
        `INSERT INTO signing_keys (fingerprint, region, validity_start_ms, validity_end_ms, public_key_der,
           private_key_iv, private_key_tag, private_key_ct, format_version)
         VALUES (@fingerprint, @region, @validity_start_ms, @validity_end_ms, @public_key_der,
           @private_key_iv, @private_key_tag, @private_key_ct, ${ROW_FORMAT_VERSION})`,
      )
      .run(row)
    this.#privateKeys.set(fingerprint, privateKey)
    return row
  }

  #toSigningKey(row: KeyRow): SigningKey {
    return {
      region: row.region,
      fingerprint: row.fingerprint,
      privateKey: this.#privateKey(row),
      publicKeyDer: row.public_key_der,
      validityStart: new Date(row.validity_start_ms),
      validityEnd: new Date(row.validity_end_ms),
    }
  }

  #privateKey(row: KeyRow): KeyObject {
    const cached = this.#privateKeys.get(row.fingerprint)
    if (cached) return cached
    let der: Buffer
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#masterKey, row.private_key_iv)
      decipher.setAAD(additionalData(row.fingerprint, row.region))
      decipher.setAuthTag(row.private_key_tag)
      der = Buffer.concat([decipher.update(row.private_key_ct), decipher.final()])
    } catch (error) {
      throw new SigningKeyDecryptError(row.fingerprint, row.region, { cause: error })
    }
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    this.#privateKeys.set(row.fingerprint, key)
    return key
  }
}

function additionalData(fingerprint: string, region: string): Buffer {
  return Buffer.from(`opentrail-signing-key/v${ROW_FORMAT_VERSION}/${region}/${fingerprint}`, 'utf8')
}
