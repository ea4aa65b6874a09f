/**
 * Public-key encodings as CloudTrail uses them. Fingerprint = lower-hex MD5 of the PKCS#1
 * RSAPublicKey DER: checked against the AWS CLI's documented ListPublicKeys sample
 * (Value `MIIBCgKCAQEAlSS3…` → Fingerprint `7f3f401420072e50a65a141430817ab3`).
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto'
import { PublicKeyFormatError } from './errors.js'

/** Lower-hex MD5 of the DER bytes (32 chars), as CloudTrail's `digestPublicKeyFingerprint`. */
export function fingerprintOf(publicKeyDer: Buffer): string {
  return createHash('md5').update(publicKeyDer).digest('hex')
}

/** PKCS#1 RSAPublicKey DER: what ListPublicKeys serves, since the AWS CLI loads it with `load_pkcs1`. */
export function pkcs1Der(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs1' })
}

/**
 * Loads a DER public key in either encoding: the API reference documents PKCS#1, yet one
 * CloudTrail doc sample is X.509 SPKI, so a verifier accepts both.
 */
export function publicKeyFromDer(der: Buffer): KeyObject {
  let lastError: unknown
  for (const type of ['pkcs1', 'spki'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type })
    } catch (error) {
      lastError = error // try the other encoding; failing both is reported below
    }
  }
  throw new PublicKeyFormatError({ cause: lastError })
}
