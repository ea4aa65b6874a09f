/**
 * The built CLI on a data dir: `kms create-key|list-keys|rotate|disable`, `topics
 * create|subscribe|list`, and `cat` of log files written encrypted (SSE-KMS) through the
 * EncryptingObjectStore into the data dir's folder store. Run `npm run build` first.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateMasterKey } from '../../src/accounts/index.js'
import { openDatabase } from '../../src/journal/index.js'
import { EncryptingObjectStore, KmsKeyStore } from '../../src/kms/index.js'
import { FileObjectStore } from '../../src/storage/index.js'
import { CLI } from '../support/server.js'

interface RunResult {
  code: number
  stdout: Buffer
  stderr: string
}

function run(...args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'buffer', env: { ...process.env, OPENTRAIL_S3_ENDPOINT: '' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr: stderr.toString() })
    })
  })
}

async function runJson<T>(...args: string[]): Promise<T> {
  const result = await run(...args, '--output', 'json')
  expect(result.stderr.replace(/^new data dir .*\n/, ''), args.join(' ')).toBe('')
  expect(result.code, args.join(' ')).toBe(0)
  return JSON.parse(result.stdout.toString()) as T
}

const BUCKET = 'trail-bucket'
const KEY_V1 = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0000Z_aaaaaaaaaaaaaaaa.json.gz'
const KEY_V2 = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0005Z_bbbbbbbbbbbbbbbb.json.gz'
const RECORDS_V1 = { Records: [{ eventVersion: '1.08', eventName: 'ConsoleLogin', eventID: 'c3f0ad1e-0000-4000-8000-000000000001' }] }
const RECORDS_V2 = { Records: [{ eventVersion: '1.08', eventName: 'PutObject', eventID: 'c3f0ad1e-0000-4000-8000-000000000002' }] }

let dataDir: string
let keyArn: string

/** Writes a log file the way trail delivery does: gzip, then SSE-KMS through the encrypting store. */
async function deliverEncrypted(key: string, records: unknown): Promise<void> {
  const db = openDatabase(join(dataDir, 'opentrail.db'))
  try {
    const store = new EncryptingObjectStore(new FileObjectStore(join(dataDir, 'buckets')), new KmsKeyStore(db, loadOrCreateMasterKey(dataDir)))
    await store.createBucket(BUCKET)
    await store.putObject(BUCKET, key, gzipSync(JSON.stringify(records)), {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      serverSideEncryption: { type: 'aws:kms', kmsKeyId: keyArn },
    })
  } finally {
    db.close()
  }
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'opentrail-e2e-kms-'))
})
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

describe('opentrail kms', { timeout: 120_000 }, () => {
  it('creates, lists and rotates keys', async () => {
    const [created] = await runJson<{ KeyArn: string; Aliases: string; KeyVersion: number; Enabled: boolean }[]>('kms', 'create-key', '--alias', 'trail-logs', '--region', 'us-east-1')
    expect(created.KeyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/)
    expect(created).toMatchObject({ Aliases: 'alias/trail-logs', KeyVersion: 1, Enabled: true })
    keyArn = created.KeyArn

    const taken = await run('kms', 'create-key', '--alias', 'trail-logs')
    expect(taken.code).toBe(1)
    expect(taken.stderr).toContain('alias/trail-logs already exists')

    await deliverEncrypted(KEY_V1, RECORDS_V1)

    const rotated = await run('kms', 'rotate', 'alias/trail-logs')
    expect(rotated.code).toBe(0)
    expect(rotated.stdout.toString()).toContain(`rotated ${keyArn}: new data keys use key version 2`)
    const listed = await runJson<{ KeyArn: string; KeyVersion: number }[]>('kms', 'list-keys')
    expect(listed).toEqual([expect.objectContaining({ KeyArn: keyArn, KeyVersion: 2 })])

    await deliverEncrypted(KEY_V2, RECORDS_V2)
  })
})

describe('opentrail cat', { timeout: 120_000 }, () => {
  const pathOf = (key: string) => join(dataDir, 'buckets', BUCKET, ...key.split('/'))

  it('prints encrypted log files decrypted and gunzipped, by path, bucket/key and s3:// URL', async () => {
    for (const object of [pathOf(KEY_V1), `${BUCKET}/${KEY_V1}`, `s3://${BUCKET}/${KEY_V1}`]) {
      const result = await run('cat', object)
      expect(result.stderr, object).toBe('')
      expect(result.code, object).toBe(0)
      expect(JSON.parse(result.stdout.toString()), object).toEqual(RECORDS_V1)
    }
    // Written after the rotation, under key version 2; the first one still reads above.
    const second = await run('cat', pathOf(KEY_V2))
    expect(second.stderr).toBe('')
    expect(JSON.parse(second.stdout.toString())).toEqual(RECORDS_V2)
  })

  it('keeps only ciphertext on disk, and --raw prints the decrypted gzip bytes', async () => {
    const onDisk = readFileSync(pathOf(KEY_V1))
    expect(onDisk.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false)
    expect(() => gunzipSync(onDisk)).toThrow()
    expect(onDisk.includes('ConsoleLogin')).toBe(false)

    const raw = await run('cat', '--raw', pathOf(KEY_V1))
    expect(raw.code).toBe(0)
    expect(raw.stdout.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true)
    expect(raw.stdout.length).toBe(onDisk.length)
    expect(JSON.parse(gunzipSync(raw.stdout).toString())).toEqual(RECORDS_V1)
  })

  it('cannot read files of a disabled key until it is enabled again', async () => {
    expect((await run('kms', 'disable', keyArn)).code).toBe(0)
    const refused = await run('cat', pathOf(KEY_V1))
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('KMS.DisabledException')
    expect(refused.stdout.length).toBe(0)
    expect((await run('kms', 'enable', 'alias/trail-logs')).code).toBe(0)
    expect((await run('cat', pathOf(KEY_V1))).code).toBe(0)
  })

  it('refuses paths outside the buckets folder and missing objects', async () => {
    const outside = await run('cat', join(dataDir, 'master.key'))
    expect(outside.code).toBe(1)
    expect(outside.stderr).toContain('not a file under')
    const missing = await run('cat', `${BUCKET}/AWSLogs/absent.json.gz`)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('NoSuchKey')
  })
})

describe('opentrail topics', { timeout: 120_000 }, () => {
  it('creates topics, subscribes webhook URLs and lists them', async () => {
    const [topic] = await runJson<{ TopicArn: string; Subscribers: number }[]>('topics', 'create', 'trail-notices')
    expect(topic.TopicArn).toMatch(/^arn:aws:sns:us-east-1:\d{12}:trail-notices$/)
    expect(topic.Subscribers).toBe(0)

    const [subscription] = await runJson<{ SubscriptionArn: string; Protocol: string }[]>('topics', 'subscribe', 'trail-notices', 'https://hooks.example.invalid/ct')
    expect(subscription.SubscriptionArn).toMatch(new RegExp(`^${topic.TopicArn}:[0-9a-f-]{36}$`))
    expect(subscription.Protocol).toBe('https')
    await runJson('topics', 'subscribe', topic.TopicArn, 'http://127.0.0.1:8080/hook')

    const listed = await runJson<{ TopicArn: string; Subscribers: number; Endpoints: string }[]>('topics', 'list')
    expect(listed).toEqual([{ TopicArn: topic.TopicArn, Subscribers: 2, Endpoints: 'https://hooks.example.invalid/ct\nhttp://127.0.0.1:8080/hook' }])

    const badUrl = await run('topics', 'subscribe', 'trail-notices', 'ftp://x/y')
    expect(badUrl.code).toBe(1)
    expect(badUrl.stderr).toContain('http:// or https://')
    const unknown = await run('topics', 'subscribe', 'absent', 'http://127.0.0.1:8080/hook')
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('no topic absent')
  })

  it('has --help for every command', async () => {
    const commands = [['kms', 'create-key'], ['kms', 'list-keys'], ['kms', 'rotate'], ['topics', 'create'], ['topics', 'subscribe'], ['topics', 'list'], ['cat']]
    const helps = await Promise.all(commands.map((command) => run(...command, '--help')))
    commands.forEach((command, i) => {
      expect(helps[i].code, command.join(' ')).toBe(0)
      expect(helps[i].stdout.toString(), command.join(' ')).toContain(`Usage: opentrail ${command.join(' ')}`)
    })
  })
})
