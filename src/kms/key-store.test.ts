/** The key service on a real SQLite file: keys, aliases, rotation, data keys and their binding. */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../journal/index.js'
import {
  KmsAliasExistsError,
  KmsInvalidAliasError,
  KmsInvalidCiphertextError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
} from './errors.js'
import { KmsKeyStore } from './key-store.js'

const ACCOUNT = '111122223333'
const OTHER = '444455556666'
const REGION = 'us-east-1'
const CONTEXT = { 'aws:cloudtrail:arn': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/t` }

let dir: string
let db: Database.Database
let masterKey: Buffer
let kms: KmsKeyStore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opentrail-kms-'))
  db = openDatabase(join(dir, 'test.db'))
  masterKey = randomBytes(32)
  kms = new KmsKeyStore(db, masterKey)
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('keys and aliases', () => {
  it('creates keys with KMS-shaped ARNs and lists them per account', () => {
    const key = kms.createKey(ACCOUNT, REGION, { description: 'trail logs', alias: 'trails' })
    expect(key.arn).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:key/${key.keyId}`)
    expect(key.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(key).toMatchObject({ aliases: ['alias/trails'], enabled: true, currentVersion: 1, description: 'trail logs' })
    const other = kms.createKey(OTHER, 'eu-west-1')
    expect(kms.listKeys(ACCOUNT).map((k) => k.arn)).toEqual([key.arn])
    expect(kms.listKeys().map((k) => k.arn).sort()).toEqual([key.arn, other.arn].sort())
  })

  it('resolves key id, key ARN, alias name and alias ARN to the key ARN, within the account', () => {
    const key = kms.createKey(ACCOUNT, REGION, { alias: 'alias/logs' })
    for (const ref of [key.keyId, key.arn, 'alias/logs', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/logs`]) {
      expect(kms.resolve(ref, ACCOUNT, REGION), ref).toBe(key.arn)
    }
    // Another tenant cannot name this key, by any form.
    for (const ref of [key.keyId, key.arn, 'alias/logs', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/logs`]) {
      expect(kms.resolve(ref, OTHER, REGION), ref).toBeUndefined()
    }
    // Aliases and bare key ids are per Region; an ARN names its own Region.
    expect(kms.resolve('alias/logs', ACCOUNT, 'eu-west-1')).toBeUndefined()
    expect(kms.resolve(key.keyId, ACCOUNT, 'eu-west-1')).toBeUndefined()
    expect(kms.resolve(key.arn, ACCOUNT, 'eu-west-1')).toBe(key.arn)
    expect(kms.resolve('alias/nope', ACCOUNT, REGION)).toBeUndefined()
    expect(kms.resolve('not-a-key', ACCOUNT, REGION)).toBeUndefined()
  })

  it('refuses a taken alias and malformed or reserved alias names, creating nothing', () => {
    kms.createKey(ACCOUNT, REGION, { alias: 'logs' })
    expect(() => kms.createKey(ACCOUNT, REGION, { alias: 'alias/logs' })).toThrow(KmsAliasExistsError)
    expect(() => kms.createKey(ACCOUNT, REGION, { alias: 'alias/aws/cloudtrail' })).toThrow(KmsInvalidAliasError)
    expect(() => kms.createKey(ACCOUNT, REGION, { alias: 'has space' })).toThrow(KmsInvalidAliasError)
    expect(kms.listKeys(ACCOUNT)).toHaveLength(1)
    // The same alias name is free in another account or Region.
    expect(kms.createKey(OTHER, REGION, { alias: 'logs' }).aliases).toEqual(['alias/logs'])
    expect(kms.createKey(ACCOUNT, 'eu-west-1', { alias: 'logs' }).aliases).toEqual(['alias/logs'])
  })

  it('adds aliases to existing keys', () => {
    const key = kms.createKey(ACCOUNT, REGION)
    kms.createAlias('second', key.arn)
    expect(kms.describeKey(key.keyId)?.aliases).toEqual(['alias/second'])
    expect(() => kms.createAlias('second', key.arn)).toThrow(KmsAliasExistsError)
  })
})

describe('data keys', () => {
  it('generates 32-byte data keys that unwrap under the same key and context only', () => {
    const key = kms.createKey(ACCOUNT, REGION)
    const other = kms.createKey(ACCOUNT, REGION)
    const dataKey = kms.generateDataKey(key.arn, CONTEXT)
    expect(dataKey.plaintext).toHaveLength(32)
    expect(dataKey.keyVersion).toBe(1)
    expect(dataKey.keyArn).toBe(key.arn)
    expect(dataKey.wrapped.includes(dataKey.plaintext)).toBe(false)
    expect(kms.decryptDataKey(key.arn, dataKey.wrapped, CONTEXT).equals(dataKey.plaintext)).toBe(true)
    // Context order does not matter; its content does.
    const two = { b: '2', a: '1' }
    const wrappedTwo = kms.generateDataKey(key.keyId, two)
    expect(kms.decryptDataKey(key.keyId, wrappedTwo.wrapped, { a: '1', b: '2' }).equals(wrappedTwo.plaintext)).toBe(true)

    expect(() => kms.decryptDataKey(key.arn, dataKey.wrapped, { 'aws:cloudtrail:arn': 'another' })).toThrow(KmsInvalidCiphertextError)
    expect(() => kms.decryptDataKey(key.arn, dataKey.wrapped, {})).toThrow(KmsInvalidCiphertextError)
    expect(() => kms.decryptDataKey(other.arn, dataKey.wrapped, CONTEXT)).toThrow(KmsInvalidCiphertextError)
    const tampered = Buffer.from(dataKey.wrapped)
    tampered[tampered.length - 1] ^= 1
    expect(() => kms.decryptDataKey(key.arn, tampered, CONTEXT)).toThrow(KmsInvalidCiphertextError)
    expect(() => kms.decryptDataKey(key.arn, Buffer.alloc(3), CONTEXT)).toThrow(KmsInvalidCiphertextError)
  })

  it('gives each call a fresh data key', () => {
    const key = kms.createKey(ACCOUNT, REGION)
    const a = kms.generateDataKey(key.arn, CONTEXT)
    const b = kms.generateDataKey(key.arn, CONTEXT)
    expect(a.plaintext.equals(b.plaintext)).toBe(false)
  })

  it('rotates: new data keys use the new version, old wrapped keys still decrypt', () => {
    const key = kms.createKey(ACCOUNT, REGION, { alias: 'rot' })
    const before = kms.generateDataKey(key.arn, CONTEXT)
    expect(kms.rotate('alias/rot', { accountId: ACCOUNT, region: REGION })).toBe(2)
    expect(kms.rotate(key.arn)).toBe(3)
    const after = kms.generateDataKey(key.arn, CONTEXT)
    expect(after.keyVersion).toBe(3)
    expect(kms.describeKey(key.arn)?.currentVersion).toBe(3)
    expect(kms.decryptDataKey(key.arn, before.wrapped, CONTEXT).equals(before.plaintext)).toBe(true)
    expect(kms.decryptDataKey(key.arn, after.wrapped, CONTEXT).equals(after.plaintext)).toBe(true)
  })

  it('a disabled key neither generates nor decrypts until enabled again', () => {
    const key = kms.createKey(ACCOUNT, REGION)
    const dataKey = kms.generateDataKey(key.arn, CONTEXT)
    kms.setEnabled(key.arn, false)
    expect(kms.describeKey(key.arn)?.enabled).toBe(false)
    expect(() => kms.generateDataKey(key.arn, CONTEXT)).toThrow(KmsKeyDisabledError)
    expect(() => kms.decryptDataKey(key.arn, dataKey.wrapped, CONTEXT)).toThrow(KmsKeyDisabledError)
    kms.setEnabled(key.arn, true)
    expect(kms.decryptDataKey(key.arn, dataKey.wrapped, CONTEXT).equals(dataKey.plaintext)).toBe(true)
  })

  it('throws KmsKeyNotFoundError for unknown keys, and for alias names without a scope', () => {
    kms.createKey(ACCOUNT, REGION, { alias: 'a' })
    expect(() => kms.generateDataKey(`arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`, CONTEXT)).toThrow(KmsKeyNotFoundError)
    expect(() => kms.generateDataKey('alias/a', CONTEXT)).toThrow(KmsKeyNotFoundError)
    expect(() => kms.rotate('nope')).toThrow(KmsKeyNotFoundError)
  })

  it('keeps key material sealed with the master key: another master key cannot use it', () => {
    const key = kms.createKey(ACCOUNT, REGION)
    const dataKey = kms.generateDataKey(key.arn, CONTEXT)
    const rows = db.prepare('SELECT material FROM kms_key_versions').all() as { material: Buffer }[]
    expect(rows).toHaveLength(1)
    expect(rows[0].material.length).toBe(12 + 16 + 32)
    const wrongMaster = new KmsKeyStore(db, randomBytes(32))
    expect(() => wrongMaster.decryptDataKey(key.arn, dataKey.wrapped, CONTEXT)).toThrow()
    // The same master key, reopened (as after a restart), works.
    const reopened = new KmsKeyStore(db, masterKey)
    expect(reopened.decryptDataKey(key.arn, dataKey.wrapped, CONTEXT).equals(dataKey.plaintext)).toBe(true)
  })
})
