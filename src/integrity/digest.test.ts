import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { fingerprintOf } from '../keys/index.js'
import { buildDigest, digestFileKey, type DigestInput } from './index.js'
import { awsCliAvailable, runOracle, verifyCase, type OracleCase } from './testing/aws-cli-oracle.js'
import { createMemoryStore } from './testing/memory-store.js'

interface DocDigest {
  digest: Record<string, unknown> & { logFiles: Record<string, unknown>[] }
}
const docExamples = readFileSync('/work/shared/testdata/awsdocs-cloudtrail-user-guide/doc_example_digests.jsonl', 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as DocDigest)

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const publicKeyDer = publicKey.export({ format: 'der', type: 'pkcs1' })
const signingKey = { fingerprint: fingerprintOf(publicKeyDer), privateKey }
const location = { accountId: '111122223333', region: 'us-east-2', trailName: 'your-trail-name', homeRegion: 'us-east-2' }

function input(overrides: Partial<DigestInput> = {}): DigestInput {
  const endTime = new Date('2015-08-17T15:01:31Z')
  return {
    accountId: '111122223333',
    bucket: 'S3-bucket-name',
    key: digestFileKey(location, endTime),
    startTime: new Date('2015-08-17T14:01:31Z'),
    endTime,
    signingKey,
    previous: {
      bucket: 'S3-bucket-name',
      key: digestFileKey(location, new Date('2015-08-17T14:01:31Z')),
      sha256: '97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d',
      signature: '50887ccffad4c002',
    },
    logFiles: [
      {
        bucket: 'S3-bucket-name',
        key: 'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz',
        sha256: '9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6',
        newestEventTime: new Date('2015-08-17T14:52:27Z'),
        oldestEventTime: new Date('2015-08-17T14:42:27Z'),
      },
    ],
    ...overrides,
  }
}

describe('buildDigest', () => {
  it('writes the fields of the User Guide examples, in the same order', () => {
    const built = JSON.parse(buildDigest(input()).json) as DocDigest['digest']
    expect(docExamples.length).toBeGreaterThan(0)
    for (const example of docExamples) {
      expect(Object.keys(built)).toEqual(Object.keys(example.digest))
      for (const [i, log] of example.digest.logFiles.entries()) expect(Object.keys(built.logFiles[i] ?? built.logFiles[0])).toEqual(Object.keys(log))
    }
  })

  it('reproduces the first User Guide example field for field (except the fingerprint)', () => {
    const example = docExamples[0].digest
    const built = JSON.parse(buildDigest(input({ previous: { ...input().previous!, signature: String(example.previousDigestSignature) } })).json) as Record<string, unknown>
    expect({ ...built, digestPublicKeyFingerprint: example.digestPublicKeyFingerprint }).toEqual(example)
  })

  it('gzips compact JSON, hashes the uncompressed bytes and signs the CLI string to sign', () => {
    const digest = buildDigest(input())
    expect(gunzipSync(digest.gz).toString('utf8')).toBe(digest.json)
    expect(digest.json).not.toMatch(/\n|": /)
    expect(digest.sha256).toBe(createHash('sha256').update(digest.json).digest('hex'))
    expect(digest.stringToSign).toBe(`2015-08-17T15:01:31Z\nS3-bucket-name/${input().key}\n${digest.sha256}\n50887ccffad4c002`)
    expect(verify('sha256', Buffer.from(digest.stringToSign), createPublicKey({ key: publicKeyDer, format: 'der', type: 'pkcs1' }), Buffer.from(digest.signature, 'hex'))).toBe(true)
    expect(digest.signature).toMatch(/^[0-9a-f]{512}$/)
    expect(digest.metadata).toEqual({ signature: digest.signature, 'signature-algorithm': 'SHA256withRSA' })
    // Deterministic: the same input signs to the same bytes (what makes rewrites after a crash identical).
    expect(buildDigest(input()).signature).toBe(digest.signature)
  })

  it('starts a chain with null previous fields, "null" in the string to sign, and null event times when no logs', () => {
    const digest = buildDigest(input({ previous: null, logFiles: [] }))
    const doc = JSON.parse(digest.json) as Record<string, unknown>
    for (const field of ['previousDigestS3Bucket', 'previousDigestS3Object', 'previousDigestHashValue', 'previousDigestHashAlgorithm', 'previousDigestSignature', 'newestEventTime', 'oldestEventTime']) {
      expect(doc[field]).toBeNull()
    }
    expect(doc.logFiles).toEqual([])
    expect(digest.stringToSign.endsWith('\nnull')).toBe(true)
  })

  it('takes newest and oldest event times over all log files', () => {
    const base = input().logFiles[0]
    const doc = JSON.parse(
      buildDigest(
        input({
          logFiles: [
            { ...base, newestEventTime: new Date('2015-08-17T14:50:00Z'), oldestEventTime: new Date('2015-08-17T14:40:00Z') },
            { ...base, key: 'b', newestEventTime: new Date('2015-08-17T14:55:00Z'), oldestEventTime: new Date('2015-08-17T13:10:00.900Z') },
          ],
        }),
      ).json,
    ) as Record<string, unknown>
    expect(doc.newestEventTime).toBe('2015-08-17T14:55:00Z')
    expect(doc.oldestEventTime).toBe('2015-08-17T13:10:00Z')
  })

  it.skipIf(!awsCliAvailable)('is accepted by the AWS CLI validator (python rsa, PKCS#1 key as ListPublicKeys serves it)', async () => {
    const cases: OracleCase[] = []
    for (const variant of [input(), input({ previous: null, logFiles: [] })]) {
      const store = createMemoryStore()
      const digest = buildDigest(variant)
      await store.putObject(variant.bucket, variant.key, digest.gz, { metadata: digest.metadata })
      cases.push(verifyCase(store, variant.bucket, variant.key, publicKeyDer))
    }
    // And the CLI rejects it under another key: the check is real.
    const store = createMemoryStore()
    const digest = buildDigest(input())
    await store.putObject(input().bucket, input().key, digest.gz, { metadata: digest.metadata })
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'pkcs1' })
    cases.push(verifyCase(store, input().bucket, input().key, other))
    const [chained, chainStart, otherKey] = runOracle(cases)
    expect(chained).toEqual({ valid: true })
    expect(chainStart).toEqual({ valid: true })
    expect(otherKey.valid).toBe(false)
    expect(otherKey.message).toBe(`Digest file\ts3://S3-bucket-name/${input().key}\tINVALID: signature verification failed`)
  })
})
