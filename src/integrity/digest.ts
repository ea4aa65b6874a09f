/**
 * Builds one signed digest file, byte-compatible with CloudTrail's: same field names and
 * order (see the User Guide's digest examples), compact JSON, gzip, and an
 * RSASSA-PKCS1-v1_5/SHA-256 signature over the CLI's string to sign. Pure: no I/O.
 */
import { createHash, sign, type KeyObject } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { formatEventTime } from '../record/index.js'

export const SIGNATURE_ALGORITHM = 'SHA256withRSA'
export const HASH_ALGORITHM = 'SHA-256'

/** One delivered log file as a digest lists it. */
export interface DigestLogFile {
  bucket: string
  key: string
  /** Lower-hex SHA-256 of the uncompressed log file. */
  sha256: string
  newestEventTime: Date
  oldestEventTime: Date
}

/** The digest this one chains to. */
export interface PreviousDigest {
  bucket: string
  key: string
  /** Lower-hex SHA-256 of the previous digest's uncompressed bytes. */
  sha256: string
  /** Hex signature of the previous digest. */
  signature: string
}

export interface DigestInput {
  accountId: string
  /** Where the digest will be stored: written into the digest and covered by the signature. */
  bucket: string
  key: string
  startTime: Date
  endTime: Date
  signingKey: { fingerprint: string; privateKey: KeyObject }
  /** null at a chain start: all five previousDigest* fields become null. */
  previous: PreviousDigest | null
  logFiles: readonly DigestLogFile[]
}

export interface BuiltDigest {
  /** The uncompressed digest (UTF-8 JSON). */
  json: string
  /** gzip of `json`: the object body. */
  gz: Buffer
  /** Lower-hex SHA-256 of `json`: the next digest's previousDigestHashValue. */
  sha256: string
  /** Lower-hex signature. */
  signature: string
  stringToSign: string
  /** S3 user metadata to store with the object (keys without `x-amz-meta-`). */
  metadata: { signature: string; 'signature-algorithm': typeof SIGNATURE_ALGORITHM }
}

/**
 * CloudTrail's string to sign (§3.2, the CLI's `_create_string_to_sign`):
 * digestEndTime, bucket/key, hex SHA-256 of the uncompressed digest, previous signature or "null".
 */
export function digestStringToSign(endTime: string, bucket: string, key: string, digestSha256: string, previousSignature: string | null): string {
  return `${endTime}\n${bucket}/${key}\n${digestSha256}\n${previousSignature ?? 'null'}`
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

export function buildDigest(input: DigestInput): BuiltDigest {
  // A loop rather than Math.max(...spread): an hour may list more files than the call stack allows arguments.
  let newest: number | undefined
  let oldest: number | undefined
  for (const f of input.logFiles) {
    const n = f.newestEventTime.getTime()
    const o = f.oldestEventTime.getTime()
    if (newest === undefined || n > newest) newest = n
    if (oldest === undefined || o < oldest) oldest = o
  }
  const prev = input.previous
  const endTime = formatEventTime(input.endTime)
  // Insertion order is serialization order: it mirrors CloudTrail's field order.
  const document = {
    awsAccountId: input.accountId,
    digestStartTime: formatEventTime(input.startTime),
    digestEndTime: endTime,
    digestS3Bucket: input.bucket,
    digestS3Object: input.key,
    digestPublicKeyFingerprint: input.signingKey.fingerprint,
    digestSignatureAlgorithm: SIGNATURE_ALGORITHM,
    newestEventTime: newest === undefined ? null : formatEventTime(new Date(newest)),
    oldestEventTime: oldest === undefined ? null : formatEventTime(new Date(oldest)),
    previousDigestS3Bucket: prev ? prev.bucket : null,
    previousDigestS3Object: prev ? prev.key : null,
    previousDigestHashValue: prev ? prev.sha256 : null,
    previousDigestHashAlgorithm: prev ? HASH_ALGORITHM : null,
    previousDigestSignature: prev ? prev.signature : null,
    logFiles: input.logFiles.map((f) => ({
      s3Bucket: f.bucket,
      s3Object: f.key,
      hashValue: f.sha256,
      hashAlgorithm: HASH_ALGORITHM,
      newestEventTime: formatEventTime(f.newestEventTime),
      oldestEventTime: formatEventTime(f.oldestEventTime),
    })),
  }
  const json = JSON.stringify(document)
  const digestSha256 = sha256Hex(json)
  const stringToSign = digestStringToSign(endTime, input.bucket, input.key, digestSha256, prev ? prev.signature : null)
  // PKCS#1 v1.5 is deterministic: the same input and key always give the same signature bytes.
  const signature = sign('sha256', Buffer.from(stringToSign, 'utf8'), input.signingKey.privateKey).toString('hex')
  return {
    json,
    gz: gzipSync(json),
    sha256: digestSha256,
    signature,
    stringToSign,
    metadata: { signature, 'signature-algorithm': SIGNATURE_ALGORITHM },
  }
}
