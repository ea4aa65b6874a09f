/**
 * Tamper suite: a trail's digests and logs in an in-memory store, one tampering per case.
 * Each case is checked on its own terms and, where python's awscli is installed, against
 * the AWS CLI's own validate-logs code run over the same bytes: stdout/stderr must match.
 */
import { generateKeyPairSync } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { StorageError } from '../storage/index.js'
import { buildDigest, formatReport, validateLogs, type ValidationResult } from './index.js'
import { awsCliAvailable, runOracle, validateCase, type OracleCase, type OracleResult } from './testing/aws-cli-oracle.js'
import { ACCOUNT, BUCKET, PREFIX, REGION, TRAIL_ARN, at, createScenario, logFileKey, type Scenario } from './testing/scenario.js'

// hashThreads: 0 below: vitest runs the TypeScript sources, which have no compiled hash-worker.js.
const START = at(0)
const END = at(310)
const NOW = at(310 + 7200)

/** Five 60 s digests from at(5): logs in intervals 1, 2, 4, 5; interval 3 empty. */
async function baseScenario(): Promise<Scenario & { digestKeys: string[] }> {
  const s = createScenario()
  s.chain.startChain(s.config, at(5))
  for (const t of [10, 40, 70, 190, 200, 250, 280]) await s.deliverLog(at(t))
  const written = await s.chain.writeDueDigests(at(310), s.store)
  return { ...s, digestKeys: written.map((d) => d.key) }
}

function digestObject(s: Scenario, key: string): { doc: Record<string, unknown>; metadata: Record<string, string> } {
  const o = s.store.objects.get(BUCKET)!.get(key)!
  return { doc: JSON.parse(gunzipSync(o.body).toString('utf8')) as Record<string, unknown>, metadata: o.metadata }
}

interface Case {
  name: string
  verbose?: boolean
  tamper(s: Awaited<ReturnType<typeof baseScenario>>): Promise<void> | void
  check(result: ValidationResult, s: Awaited<ReturnType<typeof baseScenario>>): void
}

const cases: Case[] = [
  {
    name: 'untouched: every digest and log file valid',
    tamper() {},
    check(r) {
      expect(r.digests).toEqual({ valid: 5, invalid: 0 })
      expect(r.logs).toEqual({ valid: 7, invalid: 0 })
      expect(r.unreferencedLogs).toBe(0)
      expect(r.exitCode).toBe(0)
      expect(r.foundStart).toEqual(at(5))
      expect(r.foundEnd).toEqual(at(305))
    },
  },
  {
    name: 'untouched, not verbose',
    verbose: false,
    tamper() {},
    check(r) {
      expect(r.exitCode).toBe(0)
      expect(formatReport(r).stdout).toBe(
        `Validating log files for trail ${TRAIL_ARN} between 2024-05-01T10:00:00Z and 2024-05-01T10:05:10Z\n\n` +
          'Results requested for 2024-05-01T10:00:00Z to 2024-05-01T10:05:10Z\n' +
          'Results found for 2024-05-01T10:00:05Z to 2024-05-01T10:05:05Z:\n\n5/5 digest files valid\n7/7 log files valid\n',
      )
    },
  },
  {
    name: 'one byte of a log file changed',
    async tamper(s) {
      const o = s.store.objects.get(BUCKET)!.get(s.logKeys[2])!
      const text = gunzipSync(o.body)
      text[20] ^= 1
      o.body = gzipSync(text)
    },
    check(r, s) {
      expect(r.logs).toEqual({ valid: 6, invalid: 1 })
      const bad = r.events.find((e) => e.type === 'log' && !e.valid)
      expect(bad).toMatchObject({ key: s.logKeys[2], reason: 'hash mismatch' })
      expect(bad?.message).toBe(`Log file\ts3://${BUCKET}/${s.logKeys[2]}\tINVALID: hash value doesn't match`)
      expect(r.exitCode).toBe(1)
    },
  },
  {
    name: 'one byte of a compressed log file flipped (corrupt gzip)',
    verbose: false,
    async tamper(s) {
      const o = s.store.objects.get(BUCKET)!.get(s.logKeys[0])!
      o.body[o.body.length - 6] ^= 0xff // inside the CRC-32 trailer
    },
    check(r, s) {
      expect(r.events.find((e) => e.type === 'log' && !e.valid)).toMatchObject({ key: s.logKeys[0], reason: 'invalid format' })
    },
  },
  {
    name: 'a log file deleted',
    async tamper(s) {
      await s.store.deleteObject(BUCKET, s.logKeys[4])
    },
    check(r, s) {
      expect(r.logs).toEqual({ valid: 6, invalid: 1 })
      expect(r.events.find((e) => e.type === 'log' && !e.valid)).toMatchObject({ key: s.logKeys[4], reason: 'not found' })
    },
  },
  {
    name: 'a digest deleted (middle of the chain)',
    async tamper(s) {
      await s.store.deleteObject(BUCKET, s.digestKeys[2])
    },
    check(r, s) {
      expect(r.digests).toEqual({ valid: 4, invalid: 1 })
      const missing = r.events.find((e) => e.type === 'digest' && !e.valid)
      expect(missing).toMatchObject({ key: s.digestKeys[2], reason: 'not found' })
      expect(r.logs).toEqual({ valid: 7, invalid: 0 }) // the deleted digest listed none
    },
  },
  {
    name: 'a digest with log files deleted: its logs become unreferenced',
    async tamper(s) {
      await s.store.deleteObject(BUCKET, s.digestKeys[1])
    },
    check(r, s) {
      expect(r.digests).toEqual({ valid: 4, invalid: 1 })
      expect(r.events.filter((e) => e.type === 'unreferenced').map((e) => e.type === 'unreferenced' && e.key)).toEqual([s.logKeys[2]])
    },
  },
  {
    name: 'an unreferenced log file added',
    async tamper(s) {
      const key = logFileKey(at(130), 'Xx0000000000000A')
      await s.store.putObject(BUCKET, key, gzipSync('{"Records":[]}'))
    },
    check(r) {
      expect(r.digests.invalid + r.logs.invalid).toBe(0)
      expect(r.unreferencedLogs).toBe(1)
      const ext = r.events.find((e) => e.type === 'unreferenced')
      expect(ext?.message).toBe(`Log file\ts3://${BUCKET}/${logFileKey(at(130), 'Xx0000000000000A')}\tUNREFERENCED: not listed in any digest file`)
      expect(r.exitCode).toBe(1)
      expect(formatReport(r).stdout).toContain('\n1 log files not listed in any digest file\n')
    },
  },
  {
    name: 'a digest forged without the key (log entry removed, old signature kept)',
    async tamper(s) {
      const { doc, metadata } = digestObject(s, s.digestKeys[3])
      ;(doc.logFiles as unknown[]).pop()
      await s.store.putObject(BUCKET, s.digestKeys[3], gzipSync(JSON.stringify(doc)), { metadata })
    },
    check(r, s) {
      expect(r.events.find((e) => e.type === 'digest' && !e.valid)).toMatchObject({ key: s.digestKeys[3], reason: 'signature verification failed' })
      expect(r.digests).toEqual({ valid: 4, invalid: 1 })
      expect(r.unreferencedLogs).toBe(1)
    },
  },
  {
    name: 're-signed with another key under the real fingerprint',
    async tamper(s) {
      const { doc } = digestObject(s, s.digestKeys[4])
      const fingerprint = String(doc.digestPublicKeyFingerprint)
      const forged = buildDigest({
        accountId: ACCOUNT,
        bucket: BUCKET,
        key: s.digestKeys[4],
        startTime: new Date(String(doc.digestStartTime)),
        endTime: new Date(String(doc.digestEndTime)),
        signingKey: { fingerprint, privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey },
        previous: { bucket: BUCKET, key: String(doc.previousDigestS3Object), sha256: String(doc.previousDigestHashValue), signature: String(doc.previousDigestSignature) },
        logFiles: [],
      })
      await s.store.putObject(BUCKET, s.digestKeys[4], forged.gz, { metadata: forged.metadata })
    },
    check(r, s) {
      expect(r.events.find((e) => e.type === 'digest' && !e.valid)).toMatchObject({ key: s.digestKeys[4], reason: 'signature verification failed' })
      // The newest digest is invalid, so the walk goes on with the next older listed one.
      expect(r.digests).toEqual({ valid: 4, invalid: 1 })
      expect(r.unreferencedLogs).toBe(2)
    },
  },
  {
    name: 'chain truncated at the newest digest: the CLI sees nothing, unreferenced logs show it',
    async tamper(s) {
      await s.store.deleteObject(BUCKET, s.digestKeys[4])
    },
    check(r, s) {
      expect(r.digests).toEqual({ valid: 4, invalid: 0 })
      expect(r.logs).toEqual({ valid: 5, invalid: 0 })
      expect(r.events.filter((e) => e.type === 'unreferenced').map((e) => e.type === 'unreferenced' && e.key)).toEqual(s.logKeys.slice(5))
      expect(r.exitCode).toBe(1)
    },
  },
  {
    name: 'a digest moved from its original location',
    async tamper(s) {
      const o = s.store.objects.get(BUCKET)!.get(s.digestKeys[1])!
      // Put digest 2's bytes where digest 3 was.
      s.store.objects.get(BUCKET)!.set(s.digestKeys[2], o)
    },
    check(r, s) {
      expect(r.events.find((e) => e.type === 'digest' && !e.valid)).toMatchObject({ key: s.digestKeys[2], reason: 'moved' })
    },
  },
  {
    name: 'digest signature metadata stripped',
    async tamper(s) {
      s.store.objects.get(BUCKET)!.get(s.digestKeys[3])!.metadata = {}
    },
    check(r, s) {
      expect(r.events.find((e) => e.type === 'digest' && !e.valid)).toMatchObject({ key: s.digestKeys[3], reason: 'signature verification failed' })
    },
  },
  {
    name: 'chain broken by StopLogging and restarted: a gap is reported, both chains valid',
    async tamper(s) {
      await s.chain.breakChain(s.config, at(320), s.store)
      await s.deliverLog(at(330)) // while stopped (as with validation off): never digested
      s.chain.startChain(s.config, at(400))
      expect(s.chain.isActive(s.config, at(401))).toBe(true)
      await s.deliverLog(at(410))
      await s.chain.writeDueDigests(at(470), s.store)
    },
    check(r, s) {
      const gap = r.events.find((e) => e.type === 'gap')
      expect(gap?.message).toBe('No log files were delivered by CloudTrail between 2024-05-01T10:05:20Z and 2024-05-01T10:06:40Z')
      expect(r.digests).toEqual({ valid: 7, invalid: 0 })
      expect(r.logs).toEqual({ valid: 8, invalid: 0 })
      // The CLI is silent about the file delivered while stopped; OpenTrail names it.
      expect(r.events.filter((e) => e.type === 'unreferenced').map((e) => e.type === 'unreferenced' && e.key)).toEqual([s.logKeys[7]])
      expect(r.exitCode).toBe(1)
    },
  },
]

function rangeFor(c: Case): { start: Date; end: Date } {
  return c.name.startsWith('chain broken') ? { start: START, end: at(470) } : { start: START, end: END }
}

describe('validateLogs tamper suite', () => {
  const runs: { result: ValidationResult; scenario: Awaited<ReturnType<typeof baseScenario>> }[] = []
  let oracle: OracleResult[] = []

  beforeAll(async () => {
    const oracleCases: OracleCase[] = []
    for (const c of cases) {
      const s = await baseScenario()
      await c.tamper(s)
      const { start, end } = rangeFor(c)
      const result = await validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: start, endTime: end, now: NOW, publicKeys: s.publicKeys, hashThreads: 0 })
      runs.push({ result, scenario: s })
      oracleCases.push(validateCase(s.store, { trailArn: TRAIL_ARN, bucket: BUCKET, prefix: PREFIX, region: REGION, startTime: start, endTime: end, verbose: c.verbose ?? true, publicKeys: s.allPublicKeys() }))
    }
    if (awsCliAvailable) oracle = runOracle(oracleCases)
  })

  for (const [i, c] of cases.entries()) {
    it(c.name, () => {
      c.check(runs[i].result, runs[i].scenario)
    })

    it.skipIf(!awsCliAvailable)(`${c.name} — same output as the AWS CLI`, () => {
      const { result } = runs[i]
      const expected = oracle[i]
      expect(expected.error).toBeUndefined()
      const ours = formatReport(result, { verbose: c.verbose ?? true, cliCompatible: true })
      expect(ours.chunks.map((ch) => [ch.stream, ch.text])).toEqual(expected.chunks)
      const cliExit = result.digests.invalid + result.backfillDigests.invalid + result.logs.invalid > 0 ? 1 : 0
      expect(cliExit).toBe(expected.exitCode)
    })
  }
})

describe('validateLogs edge cases', () => {
  it('fails like the CLI when ListPublicKeys returns nothing', async () => {
    const s = await baseScenario()
    await expect(
      validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: START, endTime: END, publicKeys: async () => [], hashThreads: 0 }),
    ).rejects.toMatchObject({ name: 'NoPublicKeysError', message: 'No public keys found between 2024-05-01T10:00:00Z and 2024-05-01T12:05:10Z' })
  })

  it('reports "No digests found" for an empty range and checks only files due for a digest', async () => {
    const s = await baseScenario()
    const r = await validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: at(-7200), endTime: at(-3700), now: NOW, publicKeys: s.publicKeys, hashThreads: 0 })
    expect(formatReport(r).stdout.endsWith('Results requested for 2024-05-01T08:00:00Z to 2024-05-01T08:58:20Z\nNo digests found\n')).toBe(true)
    // Files delivered less than the grace period before `now` are not yet expected in a digest.
    const fresh = createScenario()
    fresh.chain.startChain(fresh.config, at(5))
    await fresh.deliverLog(at(10))
    const pending = await validateLogs({ store: fresh.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: START, endTime: END, now: at(600), publicKeys: async () => [{ Fingerprint: 'x', Value: Buffer.alloc(0) }], hashThreads: 0 })
    expect(pending.unreferencedLogs).toBe(0)
  })

  it('reports an encrypted log file whose bytes no longer decrypt as invalid, and still fails on a failing store', async () => {
    const s = await baseScenario()
    const [tampered, broken] = [...s.store.objects.get(BUCKET)!.keys()].filter((k) => k.includes('/CloudTrail/'))
    const failing = (code: string) => ({
      ...s.store,
      getObject: async (bucket: string, key: string) => {
        // What the folder store's decrypting layer throws (src/kms/encrypting-store.ts).
        if (key === tampered || (code !== 'KMS.InvalidCiphertextException' && key === broken)) {
          throw new StorageError({ operation: 'getObject', bucket, key, code, retryable: false })
        }
        return s.store.getObject(bucket, key)
      },
    })
    const options = { bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: START, endTime: END, now: NOW, publicKeys: s.publicKeys, hashThreads: 0 }
    const r = await validateLogs({ ...options, store: failing('KMS.InvalidCiphertextException') })
    expect(r.logs).toEqual({ valid: 6, invalid: 1 })
    const report = formatReport(r, { verbose: true })
    expect(report.stdout + report.stderr).toContain(`Log file\ts3://${BUCKET}/${tampered}\tINVALID: invalid format`)
    expect(r.exitCode).not.toBe(0)
    await expect(validateLogs({ ...options, store: failing('KMS.DisabledException') })).rejects.toMatchObject({ code: 'KMS.DisabledException' })
  })

  it('reports progress as it goes', async () => {
    const s = await baseScenario()
    const seen: string[] = []
    await validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: START, endTime: END, now: NOW, publicKeys: s.publicKeys, onProgress: (e) => seen.push(e.type), hashThreads: 0 })
    expect(seen.filter((t) => t === 'digest')).toHaveLength(5)
    expect(seen.filter((t) => t === 'log')).toHaveLength(7)
  })
})
