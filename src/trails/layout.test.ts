import { readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  digestFileKey,
  digestFilePrefix,
  logFileKey,
  logFileName,
  logFilePrefix,
  parseDigestFileKey,
  parseLogFileKey,
  parseLogFileName,
  uniqueSuffix,
} from './layout.js'

const TESTDATA = '/work/shared/testdata'
const INVICTUS_DIR = `${TESTDATA}/invictus-ir-aws-dataset/CloudTrail`

interface DocDigest {
  digest: {
    awsAccountId: string
    digestEndTime: string
    digestS3Object: string
    previousDigestS3Object: string | null
    logFiles: { s3Object: string }[]
  }
}

function docDigests(): DocDigest[] {
  return readFileSync(`${TESTDATA}/awsdocs-cloudtrail-user-guide/doc_example_digests.jsonl`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DocDigest)
}

describe('logFileKey', () => {
  it('builds the documented example name and key', () => {
    const input = {
      accountId: '111122223333',
      region: 'us-east-2',
      deliveryTime: new Date(Date.UTC(2015, 7, 1, 2, 10, 42)),
      unique: 'Mu0KsOhtH1ar15ZZ',
    }
    expect(logFileName(input)).toBe('111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz')
    expect(logFileKey(input)).toBe(
      'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz',
    )
    expect(logFileKey({ ...input, prefix: 'audit/prod' })).toBe(
      'audit/prod/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz',
    )
  })

  it('builds the real Insights key', () => {
    const key =
      'AWSLogs/123456789015/CloudTrail-Insight/ca-central-1/2020/09/23/123456789015_CloudTrail-Insight_ca-central-1_20200923T0516Z_KL5e9VCV2SS7IqzB.json.gz'
    const parsed = parseLogFileKey(key)
    expect(parsed).toEqual({
      accountId: '123456789015',
      region: 'ca-central-1',
      kind: 'CloudTrail-Insight',
      deliveryTime: new Date('2020-09-23T05:16:00Z'),
      unique: 'KL5e9VCV2SS7IqzB',
    })
    expect(logFileKey(parsed!)).toBe(key)
  })

  it('uses UTC for folders and name, whatever the hour', () => {
    // 23:59 UTC on New Year's Eve stays in 2023/12/31 regardless of the process time zone.
    const key = logFileKey({
      accountId: '111122223333', region: 'eu-west-1', deliveryTime: new Date('2023-12-31T23:59:59.999Z'), unique: 'A'.repeat(16),
    })
    expect(key).toContain('/2023/12/31/111122223333_CloudTrail_eu-west-1_20231231T2359Z_')
  })

  it('inserts the organization id for organization trails', () => {
    const key = logFileKey({
      organizationId: 'o-exampleorgid', accountId: '111122223333', region: 'us-east-1',
      deliveryTime: new Date('2024-05-14T09:20:00Z'), unique: 'abcdefghijklmnop',
    })
    expect(key.startsWith('AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-1/2024/05/14/')).toBe(true)
    expect(parseLogFileKey(key)?.organizationId).toBe('o-exampleorgid')
  })

  it('refuses a unique part that is not 16 alphanumerics, and invalid dates', () => {
    const base = { accountId: '111122223333', region: 'us-east-1', deliveryTime: new Date('2024-01-01T00:00:00Z') }
    expect(() => logFileKey({ ...base, unique: 'short' })).toThrow(RangeError)
    expect(() => logFileKey({ ...base, unique: 'has_underscore_x' })).toThrow(RangeError)
    expect(() => logFileKey({ ...base, unique: 'A'.repeat(16), deliveryTime: new Date('nope') })).toThrow(RangeError)
  })
})

describe('parseLogFileKey', () => {
  const deliveryTime = new Date('2024-02-29T13:05:00Z')

  it.each([undefined, 'p', 'a/b/c', 'weird/AWSLogs/999999999999/CloudTrail', 'with spaces and_underscores'])(
    'round-trips with prefix %s',
    (prefix) => {
      for (const kind of ['CloudTrail', 'CloudTrail-Insight'] as const) {
        const input = {
          ...(prefix !== undefined && { prefix }),
          accountId: '123456789012', region: 'ap-southeast-2', deliveryTime, unique: uniqueSuffix(`seed-${prefix}`), kind,
        }
        expect(parseLogFileKey(logFileKey(input))).toEqual(input)
      }
    },
  )

  it('rejects keys whose parts disagree or are malformed', () => {
    const good = logFileKey({ accountId: '123456789012', region: 'us-east-1', deliveryTime, unique: 'ABCDEFGHIJKLMNOP' })
    expect(parseLogFileKey(good)).toBeDefined()
    expect(parseLogFileKey(good.replace('/2024/02/29/', '/2024/02/28/'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('CloudTrail/us-east-1', 'CloudTrail/us-west-2'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('AWSLogs/123456789012', 'AWSLogs/210987654321'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('.json.gz', '.json'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('ABCDEFGHIJKLMNOP', 'ABCDEFGHIJKLMNO'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('CloudTrail/', 'CloudTrail-Insight/'))).toBeUndefined()
    // 2023 had no Feb 29: the timestamp must be a real instant.
    expect(parseLogFileKey(good.replaceAll('2024', '2023'))).toBeUndefined()
    expect(parseLogFileKey(good.replace('T1305Z', 'T2505Z'))).toBeUndefined()
    expect(parseLogFileKey('AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/02/29/x.json.gz')).toBeUndefined()
  })

  it('parses the log keys listed in the documented digests', () => {
    const keys = docDigests().flatMap((d) => d.digest.logFiles.map((f) => f.s3Object))
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) {
      const parsed = parseLogFileKey(key)
      expect(parsed, key).toBeDefined()
      expect(logFileKey(parsed!)).toBe(key)
    }
  })
})

describe('real log file names (invictus-ir dataset)', () => {
  const names = readdirSync(INVICTUS_DIR).filter((n) => n.endsWith('.json.gz'))

  it('parses and rebuilds every name', () => {
    expect(names.length).toBeGreaterThan(50)
    for (const name of names) {
      const parsed = parseLogFileName(name)
      expect(parsed, name).toBeDefined()
      expect(logFileName(parsed!)).toBe(name)
    }
  })

  it('names each file after a delivery minute no earlier than its events', () => {
    for (const name of names) {
      const { deliveryTime } = parseLogFileName(name)!
      const { Records } = JSON.parse(gunzipSync(readFileSync(`${INVICTUS_DIR}/${name}`)).toString('utf8')) as {
        Records: { eventTime: string }[]
      }
      for (const record of Records) {
        // The name has minute precision: events can be up to 59 s into the named minute.
        expect(Date.parse(record.eventTime), name).toBeLessThan(deliveryTime.getTime() + 60_000)
      }
    }
  })
})

describe('uniqueSuffix', () => {
  it('is 16 alphanumerics and the same for the same seed', () => {
    const seed = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/main:us-east-1:1-500'
    expect(uniqueSuffix(seed)).toMatch(/^[A-Za-z0-9]{16}$/)
    expect(uniqueSuffix(seed)).toBe(uniqueSuffix(seed))
  })

  it('differs between seeds and uses the whole alphabet', () => {
    const suffixes = new Set<string>()
    const chars = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const s = uniqueSuffix(`trail:${i}-${i + 99}`)
      suffixes.add(s)
      for (const c of s) chars.add(c)
    }
    expect(suffixes.size).toBe(2000)
    expect(chars.size).toBe(62)
  })

  it('is accepted as the unique part of a log file key', () => {
    const unique = uniqueSuffix('x')
    const key = logFileKey({ accountId: '111122223333', region: 'us-east-1', deliveryTime: new Date(0), unique })
    expect(parseLogFileKey(key)?.unique).toBe(unique)
  })
})

describe('digestFileKey', () => {
  it('reproduces the documented digest keys, and the previous-digest links', () => {
    const digests = docDigests()
    expect(digests.length).toBeGreaterThan(0)
    for (const { digest } of digests) {
      const parsed = parseDigestFileKey(digest.digestS3Object)
      expect(parsed, digest.digestS3Object).toBeDefined()
      expect(parsed!.accountId).toBe(digest.awsAccountId)
      expect(parsed!.digestEndTime.toISOString().replace('.000', '')).toBe(digest.digestEndTime)
      expect(parsed!.backfill).toBe(false)
      expect(digestFileKey(parsed!)).toBe(digest.digestS3Object)
      if (digest.previousDigestS3Object) {
        const previous = parseDigestFileKey(digest.previousDigestS3Object)!
        expect(previous.trailName).toBe(parsed!.trailName)
        // Hourly digests: the previous one ends an hour earlier.
        expect(parsed!.digestEndTime.getTime() - previous.digestEndTime.getTime()).toBe(3_600_000)
      }
    }
  })

  it('builds the documented example from its parts', () => {
    expect(
      digestFileKey({
        accountId: '111122223333', region: 'us-east-2', trailName: 'your-trail-name', homeRegion: 'us-east-2',
        digestEndTime: new Date('2015-08-17T15:01:31Z'),
      }),
    ).toBe(
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz',
    )
  })

  it('round-trips trail names with underscores, prefixes, org ids and backfill', () => {
    const input = {
      prefix: 'ct/prefix_1', organizationId: 'o-a1b2c3d4e5', accountId: '123456789012', region: 'eu-central-1',
      trailName: 'org_trail_name', homeRegion: 'us-east-1', digestEndTime: new Date('2025-01-02T03:04:05Z'), backfill: true,
    }
    const key = digestFileKey(input)
    expect(key.endsWith('_org_trail_name_us-east-1_20250102T030405Z_backfill.json.gz')).toBe(true)
    expect(parseDigestFileKey(key)).toEqual(input)
    expect(parseDigestFileKey(digestFileKey({ ...input, backfill: false }))).toEqual({ ...input, backfill: false })
  })

  it('rejects digest keys whose folder and name disagree', () => {
    const key = digestFileKey({
      accountId: '123456789012', region: 'us-east-1', trailName: 't1', homeRegion: 'us-east-1',
      digestEndTime: new Date('2025-01-02T03:04:05Z'),
    })
    expect(parseDigestFileKey(key.replace('/2025/01/02/', '/2025/01/03/'))).toBeUndefined()
    expect(parseDigestFileKey(key.replace('CloudTrail-Digest/us-east-1', 'CloudTrail-Digest/us-east-2'))).toBeUndefined()
    expect(parseDigestFileKey(key.replace('Digest_us-east-1_t1', 'Digest_us-east-1'))).toBeUndefined()
  })
})

describe('listing prefixes', () => {
  const deliveryTime = new Date('2024-05-14T09:20:00Z')

  it('contain every key they list', () => {
    const logKey = logFileKey({ prefix: 'p', accountId: '111122223333', region: 'us-east-1', deliveryTime, unique: uniqueSuffix('a') })
    expect(logFilePrefix({ prefix: 'p', accountId: '111122223333', region: 'us-east-1' })).toBe('p/AWSLogs/111122223333/CloudTrail/us-east-1/')
    expect(logKey.startsWith(logFilePrefix({ prefix: 'p', accountId: '111122223333', region: 'us-east-1', day: deliveryTime }))).toBe(true)
    expect(logKey.startsWith(logFilePrefix({ prefix: 'p', accountId: '111122223333', region: 'us-east-2' }))).toBe(false)

    const digestKey = digestFileKey({
      accountId: '111122223333', region: 'us-east-1', trailName: 'main', homeRegion: 'us-east-1', digestEndTime: deliveryTime,
    })
    expect(digestFilePrefix({ accountId: '111122223333', region: 'us-east-1' })).toBe('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/')
    expect(digestKey.startsWith(digestFilePrefix({ accountId: '111122223333', region: 'us-east-1', day: deliveryTime }))).toBe(true)
    expect(digestFilePrefix({ accountId: '111122223333', region: 'us-east-1', day: deliveryTime }).endsWith('/2024/05/14/')).toBe(true)
  })

  it('list Insights files apart from log files', () => {
    expect(logFilePrefix({ accountId: '111122223333', region: 'us-east-1', kind: 'CloudTrail-Insight' })).toBe(
      'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/',
    )
  })
})
