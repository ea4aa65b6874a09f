/** Real records from /work/shared/testdata, for tests in this folder and in import/. */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

export const TESTDATA = process.env.OPENTRAIL_TESTDATA ?? join(import.meta.dirname, '../../../shared/testdata')
export const INVICTUS_DIR = join(TESTDATA, 'invictus-ir-aws-dataset/CloudTrail')
export const STRATUS_DIR = join(TESTDATA, 'stratus-red-team-detonation-logs/detonation-logs')
export const OTRF_FILE = join(TESTDATA, 'otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl')

type Raw = Record<string, unknown>

export function invictusRecords(): Raw[] {
  return readdirSync(INVICTUS_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(INVICTUS_DIR, f))).toString('utf8')) as { Records: Raw[] }).Records)
}

export function stratusRecords(): Raw[] {
  return readdirSync(STRATUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(join(STRATUS_DIR, f), 'utf8')) as Raw[])
}

export function otrfRecords(): Raw[] {
  return readFileSync(OTRF_FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Raw)
}
