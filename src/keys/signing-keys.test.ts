import { createHash, createPublicKey, sign, verify } from 'node:crypto'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { InvalidMasterKeyError, PublicKeyFormatError, SigningKeyDecryptError, SigningKeyStore, fingerprintOf, publicKeyFromDer } from './index.js'

const MASTER = Buffer.alloc(32, 7)
const DAY = 86_400_000
const T0 = new Date('2024-05-01T10:00:00.250Z')

/** ListPublicKeys sample from the AWS CLI's own docs (examples/cloudtrail/list-public-keys.rst). */
const CLI_SAMPLE = {
  Value:
    'MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB',
  Fingerprint: '7f3f401420072e50a65a141430817ab3',
}

describe('fingerprints and public key encodings', () => {
  it('derives CloudTrail fingerprints as MD5 of the PKCS#1 DER (matches the CLI doc sample)', () => {
    expect(fingerprintOf(Buffer.from(CLI_SAMPLE.Value, 'base64'))).toBe(CLI_SAMPLE.Fingerprint)
  })

  it('loads PKCS#1 and SPKI DER alike and rejects other bytes', () => {
    const pkcs1 = Buffer.from(CLI_SAMPLE.Value, 'base64')
    const spki = publicKeyFromDer(pkcs1).export({ format: 'der', type: 'spki' })
    expect(publicKeyFromDer(spki).export({ format: 'der', type: 'pkcs1' })).toEqual(pkcs1)
    expect(() => publicKeyFromDer(Buffer.from('not a key'))).toThrow(PublicKeyFormatError)
  })
})

describe('SigningKeyStore', () => {
  it('generates one RSA-2048 key per Region on first use and keeps using it', () => {
    const keys = new SigningKeyStore(new Database(':memory:'), MASTER)
    const a = keys.currentKey('us-east-1', T0)
    const b = keys.currentKey('eu-west-1', T0)
    expect(a.fingerprint).not.toBe(b.fingerprint)
    expect(keys.currentKey('us-east-1', new Date(T0.getTime() + DAY)).fingerprint).toBe(a.fingerprint)
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/)
    expect(a.fingerprint).toBe(createHash('md5').update(a.publicKeyDer).digest('hex'))
    const pub = createPublicKey({ key: a.publicKeyDer, format: 'der', type: 'pkcs1' })
    expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048)
    const sig = sign('sha256', Buffer.from('x'), a.privateKey)
    expect(verify('sha256', Buffer.from('x'), pub, sig)).toBe(true)
    // Validity: whole seconds, start + 30 days (as CloudTrail's sample).
    expect(a.validityStart.toISOString()).toBe('2024-05-01T10:00:00.000Z')
    expect(a.validityEnd.getTime() - a.validityStart.getTime()).toBe(30 * DAY)
  })

  it('rotates when the key is older than rotationDays and keeps earlier ranges', () => {
    const keys = new SigningKeyStore(new Database(':memory:'), MASTER, { rotationDays: 2 })
    const first = keys.currentKey('us-east-1', T0)
    const stillFirst = keys.currentKey('us-east-1', new Date(T0.getTime() + 2 * DAY - 1000))
    expect(stillFirst.fingerprint).toBe(first.fingerprint)
    const second = keys.currentKey('us-east-1', new Date(T0.getTime() + 2 * DAY + 5000))
    expect(second.fingerprint).not.toBe(first.fingerprint)
    const third = keys.currentKey('us-east-1', new Date(T0.getTime() + 5 * DAY))
    expect(new Set([first.fingerprint, second.fingerprint, third.fingerprint]).size).toBe(3)

    const all = keys.listPublicKeys('us-east-1', new Date(T0.getTime() - DAY), new Date(T0.getTime() + 10 * DAY))
    expect(all.map((k) => k.Fingerprint)).toEqual([first.fingerprint, second.fingerprint, third.fingerprint])
    expect(all[0].ValidityStartTime).toEqual(first.validityStart)
    expect(all[0].ValidityEndTime).toEqual(new Date(first.validityStart.getTime() + 2 * DAY))
    expect(all[1].ValidityStartTime).toEqual(second.validityStart)
    expect(all[1].Value).toEqual(second.publicKeyDer)
    expect(fingerprintOf(all[2].Value)).toBe(third.fingerprint)

    // Overlap selection: a range inside the first key's validity returns only it.
    const inFirst = keys.listPublicKeys('us-east-1', new Date(T0.getTime() + DAY), new Date(T0.getTime() + DAY + 1000))
    expect(inFirst.map((k) => k.Fingerprint)).toEqual([first.fingerprint])
    // A range touching the end of the second and the start of the third returns both.
    const around = keys.listPublicKeys('us-east-1', second.validityEnd, third.validityStart)
    expect(around.map((k) => k.Fingerprint)).toEqual([second.fingerprint, third.fingerprint])
    expect(keys.listPublicKeys('eu-west-1', T0, new Date(T0.getTime() + DAY))).toEqual([])
  })

  it('persists keys encrypted: another store on the same database signs with them, a wrong master key cannot', () => {
    const db = new Database(':memory:')
    const first = new SigningKeyStore(db, MASTER).currentKey('us-east-1', T0)
    const again = new SigningKeyStore(db, MASTER).currentKey('us-east-1', T0)
    expect(again.fingerprint).toBe(first.fingerprint)
    const sig = sign('sha256', Buffer.from('y'), again.privateKey)
    expect(verify('sha256', Buffer.from('y'), createPublicKey({ key: first.publicKeyDer, format: 'der', type: 'pkcs1' }), sig)).toBe(true)

    const row = db.prepare('SELECT private_key_ct FROM signing_keys').get() as { private_key_ct: Buffer }
    const plain = first.privateKey.export({ format: 'der', type: 'pkcs8' })
    expect(row.private_key_ct.equals(plain)).toBe(false)
    expect(row.private_key_ct.includes(plain.subarray(40, 80))).toBe(false)

    expect(() => new SigningKeyStore(db, Buffer.alloc(32, 9)).currentKey('us-east-1', T0)).toThrow(SigningKeyDecryptError)
  })

  it('rejects a master key that is not 32 bytes', () => {
    expect(() => new SigningKeyStore(new Database(':memory:'), Buffer.alloc(16))).toThrow(InvalidMasterKeyError)
  })
})
