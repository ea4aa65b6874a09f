import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'
import { buildLogFile, serializedRecordBytes } from './log-file.js'
import { record } from './test-support.js'

const entry = (r: CloudTrailRecord) => ({ record: r, json: JSON.stringify(r) })

describe('buildLogFile', () => {
  it('gzips {"Records":[...]} with each record as stored, and hashes the uncompressed bytes', async () => {
    const records = [record({ eventTime: '2024-05-01T12:00:05Z' }), record({ eventTime: '2024-04-30T23:59:59Z' })]
    const file = await buildLogFile(records.map(entry))
    const json = gunzipSync(file.body)
    expect(json.toString('utf8')).toBe(`{"Records":[${JSON.stringify(records[0])},${JSON.stringify(records[1])}]}`)
    expect(JSON.parse(json.toString('utf8'))).toEqual({ Records: records })
    expect(file.sha256).toBe(createHash('sha256').update(json).digest('hex'))
    expect(file.uncompressedBytes).toBe(json.length)
    expect(file.oldestEventTime).toBe('2024-04-30T23:59:59Z')
    expect(file.newestEventTime).toBe('2024-05-01T12:00:05Z')
  })

  it('gives identical bytes for the same records (a replay rewrites the same object)', async () => {
    const records = [record(), record({ region: 'eu-west-1' })]
    const first = await buildLogFile(records.map(entry))
    const again = await buildLogFile(structuredClone(records).map(entry))
    expect(first.body.equals(again.body)).toBe(true)
  })

  it('counts a record as its JSON plus a separator, and refuses an empty file', async () => {
    const r = record({ eventName: 'Ünïcode' })
    expect(serializedRecordBytes(entry(r))).toBe(Buffer.byteLength(JSON.stringify(r)) + 1)
    await expect(buildLogFile([])).rejects.toThrow(RangeError)
  })
})
