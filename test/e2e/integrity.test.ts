/**
 * Log file integrity end to end: the real server writes signed, chained digests for a trail
 * with validation on; `opentrail validate-logs` checks them through ListPublicKeys and the
 * real files of the folder store, and reports each kind of tampering exactly.
 *
 * Phase 1 runs with short delivery and digest intervals. Phase 2 restarts the same data dir
 * with hour-long intervals, so the bucket stays still while the tamper suite edits and
 * restores it.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash, generateKeyPairSync, sign } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  ListPublicKeysCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail'
import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { FileObjectStore, S3ObjectStore } from '../../src/storage/index.js'
import type { ObjectStore } from '../../src/storage/index.js'
import { aws, hasAwsCli } from '../support/aws-cli.js'
import { startMoto } from '../support/moto.js'
import type { MotoServer } from '../support/moto.js'
import { CLI, startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { eventually } from '../support/events.js'

const BUCKET = 'integrity-bucket'
const PREFIX = 'audit'
const TRAIL = 'integrity-trail'
const RESTART_BUCKET = 'integrity-restart'
/** A second trail whose log files are encrypted at rest under a KMS key (SSE-KMS in the folder store). */
const SECURE_TRAIL = 'integrity-secure'
const SECURE_BUCKET = 'integrity-secure-bucket'

interface Digest {
  key: string
  doc: Record<string, unknown> & { logFiles: { s3Bucket: string; s3Object: string }[]; digestStartTime: string; digestEndTime: string }
  metadata: Record<string, string>
}

let server: TestServer
let dataDir: string
/** Kept from the first start: a restarted server does not print it again. */
let accountId: string
let trailArn: string
let secureTrailArn: string
let secureEndTime: Date
let startTime: Date
let endTime: Date
const fmt = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

const store = () => new FileObjectStore(join(dataDir, 'buckets'))
const filePath = (bucket: string, key: string) => join(dataDir, 'buckets', bucket, key)

async function listKeys(bucket: string, prefix: string, objects: ObjectStore = store()): Promise<string[]> {
  const keys: string[] = []
  let continuationToken: string | undefined
  do {
    const page = await objects.listObjects(bucket, { prefix, continuationToken })
    keys.push(...page.objects.map((o) => o.key))
    continuationToken = page.nextContinuationToken
  } while (continuationToken)
  return keys
}

async function digests(bucket: string, prefix: string, objects: ObjectStore = store()): Promise<Digest[]> {
  const keys = await listKeys(bucket, `${prefix ? `${prefix}/` : ''}AWSLogs/${accountId}/CloudTrail-Digest/`, objects)
  return Promise.all(
    keys.map(async (key) => {
      const o = await objects.getObject(bucket, key)
      return { key, doc: JSON.parse(gunzipSync(o.body).toString('utf8')) as Digest['doc'], metadata: o.metadata }
    }),
  )
}

const logKeys = (bucket: string, prefix: string, objects: ObjectStore = store()) => listKeys(bucket, `${prefix ? `${prefix}/` : ''}AWSLogs/${accountId}/CloudTrail/`, objects)

/** Waits until at least `min` log files are delivered and every one of them is listed by a digest. */
async function waitForCoverage(bucket: string, prefix: string, min: number, objects: ObjectStore = store()): Promise<{ logs: string[]; digests: Digest[] }> {
  return eventually(async () => {
    const logs = await logKeys(bucket, prefix, objects)
    const ds = await digests(bucket, prefix, objects)
    const listed = new Set(ds.flatMap((d) => d.doc.logFiles.map((f) => f.s3Object)))
    return logs.length >= min && logs.every((k) => listed.has(k)) ? { logs, digests: ds } : undefined
  }, 30_000)
}

/** Runs `opentrail validate-logs` against the server and this data dir. */
function validate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'validate-logs', '--endpoint', server.endpoint, '--region', 'us-east-1', '--data-dir', dataDir, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

const validateMain = (extra: string[] = []) =>
  validate(['--trail-arn', trailArn, '--start-time', fmt(startTime), '--end-time', fmt(endTime), '--pending-grace', '0s', ...extra])

beforeAll(async () => {
  server = await startServer({ args: ['--delivery-interval', '1s', '--digest-interval', '3s'] })
  dataDir = server.dataDir
  accountId = server.accountId
  // Two minutes of room before the first delivery, for a forged log file named in the range.
  startTime = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000)
  const client = server.client()
  const created = await client.send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: BUCKET, S3KeyPrefix: PREFIX, EnableLogFileValidation: true }))
  trailArn = created.TrailARN!
  await client.send(new StartLoggingCommand({ Name: TRAIL }))
  execFileSync(process.execPath, [CLI, 'kms', 'create-key', '--alias', 'integrity-logs', '--data-dir', dataDir], { encoding: 'utf8' })
  const secure = await client.send(
    new CreateTrailCommand({ Name: SECURE_TRAIL, S3BucketName: SECURE_BUCKET, KmsKeyId: 'alias/integrity-logs', EnableLogFileValidation: true }),
  )
  secureTrailArn = secure.TrailARN!
  await client.send(new StartLoggingCommand({ Name: SECURE_TRAIL }))
}, 30_000)

afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

describe('log file integrity (phase 1: digests being written)', () => {
  it('serves the Region\'s public key through ListPublicKeys; its fingerprint is MD5 of the PKCS#1 DER', async () => {
    const client = server.client()
    const { PublicKeyList } = await client.send(new ListPublicKeysCommand({}))
    expect(PublicKeyList).toHaveLength(1)
    const key = PublicKeyList![0]!
    const der = Buffer.from(key.Value!)
    expect(der.toString('base64')).toMatch(/^MIIBCgKCAQEA/) // PKCS#1 RSAPublicKey of a 2048-bit key, as CloudTrail's samples
    expect(key.Fingerprint).toBe(createHash('md5').update(der).digest('hex'))
    expect(key.ValidityStartTime!.getTime()).toBeLessThanOrEqual(Date.now())
    expect(key.ValidityEndTime!.getTime()).toBeGreaterThan(Date.now())
    const ranged = await client.send(new ListPublicKeysCommand({ StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date() }))
    expect(ranged.PublicKeyList!.map((k) => k.Fingerprint)).toEqual([key.Fingerprint])
    // Keys are regional.
    const west = await server.client('us-west-2').send(new ListPublicKeysCommand({}))
    expect(west.PublicKeyList![0]!.Fingerprint).not.toBe(key.Fingerprint)
    await expect(client.send(new ListPublicKeysCommand({ StartTime: new Date(), EndTime: new Date(Date.now() - 60_000) }))).rejects.toMatchObject({
      name: 'InvalidTimeRangeException',
    })
  })

  it('StopLogging then StartLogging ends a chain with a final digest and starts a new one', async () => {
    const client = server.client()
    const name = 'integrity-restart'
    await client.send(new CreateTrailCommand({ Name: name, S3BucketName: RESTART_BUCKET, EnableLogFileValidation: true }))
    await client.send(new StartLoggingCommand({ Name: name }))
    await eventually(async () => ((await digests(RESTART_BUCKET, '')).length > 0 ? true : undefined), 15_000)
    await client.send(new StopLoggingCommand({ Name: name }))
    const restartedAt = Math.floor(Date.now() / 1000) * 1000
    await client.send(new StartLoggingCommand({ Name: name }))
    const all = await eventually(async () => {
      const ds = await digests(RESTART_BUCKET, '')
      // Two chain starts, and the new chain has moved on past its first digest.
      const starts = ds.filter((d) => d.doc.previousDigestSignature === null)
      return starts.length === 2 && ds.length > ds.indexOf(starts[1]!) + 1 ? ds : undefined
    }, 20_000)
    const second = all.findIndex((d, i) => i > 0 && d.doc.previousDigestSignature === null)
    const final = all[second - 1]!
    // The old chain's final digest ends where the new chain begins, at the restart.
    expect(final.doc.digestEndTime).toBe(all[second]!.doc.digestStartTime)
    expect(Date.parse(all[second]!.doc.digestStartTime)).toBeGreaterThanOrEqual(restartedAt - 1000)
    expect(all[second]!.doc.previousDigestS3Object).toBeNull()
    expect(all[second + 1]!.doc.previousDigestS3Object).toBe(all[second]!.key)

    const arn = trailArn.replace(`trail/${TRAIL}`, `trail/${name}`)
    const r = await validate(['--trail-arn', arn, '--start-time', fmt(startTime)])
    expect(r.stdout).toMatch(/\n(\d+)\/\1 digest files valid\n/)
    expect(r.stderr).toContain(`No log files were delivered by CloudTrail between ${final.doc.digestEndTime} and ${final.doc.digestEndTime}`)
    expect(r.stderr).not.toContain('INVALID')
    expect(r.code).toBe(0)
  }, 60_000)

  it('writes digests also for intervals without log files, and validate-logs finds everything valid', async () => {
    // API calls are management events: each makes the trail deliver.
    for (let i = 0; i < 3; i++) await server.client().send(new DescribeTrailsCommand({}))
    // Polling reads the folder store, not the API: once the calls' log files are listed, an
    // interval passes without calls, and its digest lists no log files (a busy machine may
    // have had no such interval yet since the server started).
    const { logs, digests: ds } = await eventually(async () => {
      const covered = await waitForCoverage(BUCKET, PREFIX, 1)
      return covered.digests.some((d) => d.doc.logFiles.length === 0) ? covered : undefined
    }, 30_000)
    // The range ends at the newest digest: every log file delivered by then is in a digest,
    // while files delivered later (the trail keeps logging these tests' own calls) are not yet.
    endTime = new Date(Math.max(...ds.map((d) => Date.parse(d.doc.digestEndTime))))
    for (const d of ds) {
      expect(d.metadata['signature-algorithm']).toBe('SHA256withRSA')
      expect(d.metadata.signature).toMatch(/^[0-9a-f]{512}$/)
      expect(d.key).toMatch(
        new RegExp(`^${PREFIX}/AWSLogs/${accountId}/CloudTrail-Digest/us-east-1/\\d{4}/\\d{2}/\\d{2}/${accountId}_CloudTrail-Digest_us-east-1_${TRAIL}_us-east-1_\\d{8}T\\d{6}Z\\.json\\.gz$`),
      )
    }

    const r = await validate(['--trail-arn', trailArn, '--start-time', fmt(startTime), '--end-time', fmt(endTime), '--verbose'])
    expect(r.stdout).toContain(`Validating log files for trail ${trailArn} between ${fmt(startTime)} and ${fmt(endTime)}`)
    for (const key of logs) expect(r.stdout).toContain(`Log file\ts3://${BUCKET}/${key}\tvalid`)
    expect(r.stdout).toMatch(/\n(\d+)\/\1 digest files valid\n(\d+)\/\2 log files valid\n$/)
    expect(r.stderr).not.toMatch(/INVALID|UNREFERENCED/)
    expect(r.code).toBe(0)
  }, 60_000)

  it('covers a trail\'s log files encrypted at rest with digests too', async () => {
    const { logs, digests: ds } = await waitForCoverage(SECURE_BUCKET, '', 1)
    secureEndTime = new Date(Math.max(...ds.map((d) => Date.parse(d.doc.digestEndTime))))
    // On disk a log file is ciphertext, not gzip; validate-logs reads it through the key.
    expect(readFileSync(filePath(SECURE_BUCKET, logs[0]!)).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false)
    const r = await validate(['--trail-arn', secureTrailArn, '--start-time', fmt(startTime), '--end-time', fmt(secureEndTime), '--pending-grace', '0s'])
    expect(r.stderr).not.toMatch(/INVALID|UNREFERENCED/)
    expect(r.code).toBe(0)
  }, 60_000)

  it('GetTrailStatus reports the latest digest delivery', async () => {
    const status = await server.client().send(new GetTrailStatusCommand({ Name: TRAIL }))
    expect(status.LatestDigestDeliveryTime!.getTime()).toBeGreaterThan(startTime.getTime())
    expect(status.LatestDigestDeliveryTime!.getTime()).toBeLessThanOrEqual(Date.now())
    expect(status.LatestDigestDeliveryError).toBeUndefined()
  })
})

describe('log file integrity (phase 2: tampering with a still bucket)', () => {
  let snapshot: string
  let chain: Digest[]
  let logs: string[]

  beforeAll(async () => {
    await server.stop()
    server = await startServer({ dataDir, args: ['--delivery-interval', '1h', '--digest-interval', '1h'], credentials: server.credentials })
    snapshot = mkdtempSync(join(tmpdir(), 'opentrail-integrity-snapshot-'))
    cpSync(join(dataDir, 'buckets', BUCKET), snapshot, { recursive: true, preserveTimestamps: true })
    chain = (await digests(BUCKET, PREFIX)).filter((d) => Date.parse(d.doc.digestEndTime) <= endTime.getTime())
    logs = chain.flatMap((d) => d.doc.logFiles.map((f) => f.s3Object))
  }, 30_000)

  afterAll(() => {
    if (snapshot) rmSync(snapshot, { recursive: true, force: true })
  })

  /** Puts the bucket back as it was before the test. */
  function restore(): void {
    rmSync(join(dataDir, 'buckets', BUCKET), { recursive: true, force: true })
    cpSync(snapshot, join(dataDir, 'buckets', BUCKET), { recursive: true, preserveTimestamps: true })
  }

  async function expectOnly(lines: string[], summary: RegExp): Promise<void> {
    const r = await validateMain()
    try {
      const reported = r.stderr.split('\n').filter((l) => /INVALID|UNREFERENCED/.test(l))
      expect(reported.sort()).toEqual([...lines].sort())
      expect(r.stdout).toMatch(summary)
      expect(r.code).toBe(1)
    } finally {
      restore()
    }
  }

  const withLogs = () => chain.filter((d) => d.doc.logFiles.length > 0)

  it('a still bucket validates', async () => {
    const r = await validateMain()
    expect(r.stderr).not.toMatch(/INVALID|UNREFERENCED/)
    expect(r.code).toBe(0)
  })

  it('one byte changed in a log file: hash value doesn\'t match', async () => {
    const key = logs[0]!
    const json = gunzipSync(readFileSync(filePath(BUCKET, key)))
    json[json.indexOf('"eventName"') + 14] ^= 0x01
    writeFileSync(filePath(BUCKET, key), gzipSync(json))
    await expectOnly([`Log file\ts3://${BUCKET}/${key}\tINVALID: hash value doesn't match`], /, 1\/\d+ log files INVALID\n$/)
  })

  it('a log file cut short: hash value doesn\'t match (what inflates is hashed, as the AWS CLI does)', async () => {
    const key = logs[0]!
    const gz = readFileSync(filePath(BUCKET, key))
    writeFileSync(filePath(BUCKET, key), gz.subarray(0, gz.length >> 1))
    await expectOnly([`Log file\ts3://${BUCKET}/${key}\tINVALID: hash value doesn't match`], /, 1\/\d+ log files INVALID\n$/)
  })

  it('a log file that is not gzip: invalid format', async () => {
    const key = logs[0]!
    writeFileSync(filePath(BUCKET, key), gunzipSync(readFileSync(filePath(BUCKET, key))))
    await expectOnly([`Log file\ts3://${BUCKET}/${key}\tINVALID: invalid format`], /, 1\/\d+ log files INVALID\n$/)
  })

  it('one byte changed in a log file encrypted at rest: invalid format (it no longer decrypts)', async () => {
    const secureChain = (await digests(SECURE_BUCKET, '')).filter((d) => Date.parse(d.doc.digestEndTime) <= secureEndTime.getTime())
    const key = secureChain.flatMap((d) => d.doc.logFiles.map((f) => f.s3Object))[0]!
    const original = readFileSync(filePath(SECURE_BUCKET, key))
    const tampered = Buffer.from(original)
    tampered[tampered.length >> 1]! ^= 0x01
    writeFileSync(filePath(SECURE_BUCKET, key), tampered)
    try {
      const r = await validate(['--trail-arn', secureTrailArn, '--start-time', fmt(startTime), '--end-time', fmt(secureEndTime), '--pending-grace', '0s'])
      expect(r.stderr.split('\n').filter((l) => /INVALID/.test(l))).toEqual([`Log file\ts3://${SECURE_BUCKET}/${key}\tINVALID: invalid format`])
      expect(r.stdout).toMatch(/, 1\/\d+ log files INVALID\n$/)
      expect(r.code).toBe(1)
    } finally {
      writeFileSync(filePath(SECURE_BUCKET, key), original)
    }
  })

  it('a log file deleted: not found', async () => {
    const key = logs[logs.length - 1]!
    rmSync(filePath(BUCKET, key))
    await expectOnly([`Log file\ts3://${BUCKET}/${key}\tINVALID: not found`], /, 1\/\d+ log files INVALID\n$/)
  })

  it('a digest deleted: not found (its log files are then listed by no digest)', async () => {
    const victim = withLogs()[0]!
    expect(chain.indexOf(victim)).toBeLessThan(chain.length - 1) // a newer digest links to it
    rmSync(filePath(BUCKET, victim.key))
    await expectOnly(
      [
        `Digest file\ts3://${BUCKET}/${victim.key}\tINVALID: not found`,
        ...victim.doc.logFiles.map((f) => `Log file\ts3://${BUCKET}/${f.s3Object}\tUNREFERENCED: not listed in any digest file`),
      ],
      /, 1\/\d+ digest files INVALID\n/,
    )
  })

  it('a forged log file added: reported as listed in no digest', async () => {
    const first = logs[0]!
    // Named and dated like a real delivery inside the range.
    const key = first.replace(/_[A-Za-z0-9]{16}\.json\.gz$/, '_FORGEDforgedFORG.json.gz')
    writeFileSync(filePath(BUCKET, key), gzipSync('{"Records":[]}'))
    const { mtime } = statSync(filePath(BUCKET, first))
    utimesSync(filePath(BUCKET, key), mtime, mtime)
    await expectOnly([`Log file\ts3://${BUCKET}/${key}\tUNREFERENCED: not listed in any digest file`], /\n1 log files not listed in any digest file\n$/)
  })

  it('a digest edited without the key: signature verification failed', async () => {
    const victim = withLogs()[0]!
    const doc = { ...victim.doc, logFiles: [] }
    writeFileSync(filePath(BUCKET, victim.key), gzipSync(JSON.stringify(doc)))
    await expectOnly(
      [
        `Digest file\ts3://${BUCKET}/${victim.key}\tINVALID: signature verification failed`,
        ...victim.doc.logFiles.map((f) => `Log file\ts3://${BUCKET}/${f.s3Object}\tUNREFERENCED: not listed in any digest file`),
      ],
      /, 1\/\d+ digest files INVALID\n/,
    )
  })

  it('a digest re-signed with another key: public key not found', async () => {
    const victim = withLogs()[0]!
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const fingerprint = createHash('md5').update(publicKey.export({ format: 'der', type: 'pkcs1' })).digest('hex')
    const json = JSON.stringify({ ...victim.doc, digestPublicKeyFingerprint: fingerprint })
    const toSign = [victim.doc.digestEndTime, `${BUCKET}/${victim.key}`, createHash('sha256').update(json).digest('hex'), String(victim.doc.previousDigestSignature)].join('\n')
    const signature = sign('sha256', Buffer.from(toSign), privateKey).toString('hex')
    await store().putObject(BUCKET, victim.key, gzipSync(json), { metadata: { signature, 'signature-algorithm': 'SHA256withRSA' } })
    // Its log files still count as listed: the digest parsed, only its signature is foreign.
    await expectOnly(
      [`Digest file\ts3://${BUCKET}/${victim.key}\tINVALID: public key not found in region us-east-1 for fingerprint ${fingerprint}`],
      /, 1\/\d+ digest files INVALID\n/,
    )
  })

  it('the chain truncated at the newest digest with log files: those log files are listed in no digest', async () => {
    // Every digest from the newest one listing log files on is removed: the AWS CLI sees a shorter, valid chain.
    const all = await digests(BUCKET, PREFIX)
    const cut = all.indexOf(all.find((d) => d.key === withLogs().at(-1)!.key)!)
    const removed = all.slice(cut)
    for (const d of removed) rmSync(filePath(BUCKET, d.key))
    const orphans = removed
      .flatMap((d) => d.doc.logFiles.map((f) => f.s3Object))
      .filter((k) => statSync(filePath(BUCKET, k)).mtime.getTime() <= endTime.getTime())
    expect(orphans.length).toBeGreaterThan(0)
    await expectOnly(
      orphans.map((k) => `Log file\ts3://${BUCKET}/${k}\tUNREFERENCED: not listed in any digest file`),
      new RegExp(`\\n${orphans.length} log files not listed in any digest file\\n$`),
    )
  })
})

const awsCli = hasAwsCli()

describe.skipIf(!awsCli)('the real `aws cloudtrail validate-logs` against OpenTrail keeping its bucket in S3 (moto)', () => {
  const MOTO_BUCKET = 'integrity-moto'
  let s3Server: TestServer | undefined
  let motoServer: MotoServer | undefined
  let s3: S3Client
  let objects: ObjectStore
  let arn: string
  let since: Date

  beforeAll(async () => {
    // Started here, not when the file loads: a run filtered to other tests never reaches this suite's afterAll.
    motoServer = await startMoto()
    if (!motoServer) return
    const credentials = { accessKeyId: 'AKIAINTEGRITYMOTO001', secretAccessKey: 'integrity-moto-secret' }
    // moto accepts any credentials: the admin key serves for OpenTrail and for moto alike.
    s3 = new S3Client({ endpoint: motoServer.endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
    objects = new S3ObjectStore({ endpoint: motoServer.endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
    await s3.send(new CreateBucketCommand({ Bucket: MOTO_BUCKET }))
    s3Server = await startServer({
      credentials,
      args: ['--delivery-interval', '1s', '--digest-interval', '3s', '--s3-endpoint', motoServer.endpoint],
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'us-east-1', OPENTRAIL_S3_FORCE_PATH_STYLE: 'true' },
    })
    since = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
    const client = s3Server.client()
    arn = (await client.send(new CreateTrailCommand({ Name: 'moto-trail', S3BucketName: MOTO_BUCKET, EnableLogFileValidation: true }))).TrailARN!
    await client.send(new StartLoggingCommand({ Name: 'moto-trail' }))
    for (let i = 0; i < 3; i++) await client.send(new DescribeTrailsCommand({}))
  }, 60_000)

  afterAll(async () => {
    await s3Server?.stop()
    s3Server?.cleanup()
    await motoServer?.stop()
  })

  const validateWithAwsCli = () =>
    aws(['cloudtrail', 'validate-logs', '--trail-arn', arn, '--start-time', fmt(since), '--verbose'], {
      endpoint: s3Server!.endpoint,
      credentials: s3Server!.credentials,
      env: { AWS_ENDPOINT_URL_S3: motoServer!.endpoint },
    })

  it('finds all digests and log files valid, then detects a log file replaced in the bucket', async (ctx) => {
    if (!motoServer || !s3Server) return ctx.skip()
    const account = arn.split(':')[4]!
    const { logs } = await eventually(async () => {
      const keys = await listKeys(MOTO_BUCKET, `AWSLogs/${account}/CloudTrail/`, objects)
      const ds = await Promise.all(
        (await listKeys(MOTO_BUCKET, `AWSLogs/${account}/CloudTrail-Digest/`, objects)).map(async (k) => JSON.parse(gunzipSync((await objects.getObject(MOTO_BUCKET, k)).body).toString('utf8')) as Digest['doc']),
      )
      const listed = new Set(ds.flatMap((d) => d.logFiles.map((f) => f.s3Object)))
      return keys.length >= 1 && keys.every((k) => listed.has(k)) ? { logs: keys } : undefined
    }, 30_000).catch((error: unknown) => {
      throw new Error(`digests did not cover the log files; server output:\n${s3Server!.output()}`, { cause: error })
    })

    const ok = await validateWithAwsCli()
    expect(ok.stdout).toContain(`Validating log files for trail ${arn} between ${fmt(since)} and `)
    for (const key of logs) expect(ok.stdout).toContain(`Log file\ts3://${MOTO_BUCKET}/${key}\tvalid`)
    expect(ok.stdout).toMatch(/\n(\d+)\/\1 digest files valid\n(\d+)\/\2 log files valid\n$/)
    expect(ok.stderr).not.toContain('INVALID')
    expect(ok.code).toBe(0)

    const victim = logs[0]!
    const json = gunzipSync((await objects.getObject(MOTO_BUCKET, victim)).body)
    json[json.indexOf('"eventName"') + 14] ^= 0x01
    await s3.send(new PutObjectCommand({ Bucket: MOTO_BUCKET, Key: victim, Body: gzipSync(json) }))
    const bad = await validateWithAwsCli()
    expect(bad.stderr).toContain(`Log file\ts3://${MOTO_BUCKET}/${victim}\tINVALID: hash value doesn't match`)
    expect(bad.stdout).toMatch(/, 1\/\d+ log files INVALID\n$/)
    expect(bad.code).not.toBe(0)
  }, 60_000)
})
