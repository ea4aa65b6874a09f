import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { buildLogFile, serializedRecordBytes } from './log-file.js'
import { record } from './test-support.js'

describe('buildLogFile', () => {
  it('gzips {"Records":[...]} with each record serialised as stored, and hashes the uncompressed bytes', () => {
    const records = [record({ eventTime: '2024-05-01T12:00:05Z' }), record({ eventTime: '2024-04-30T23:59:59Z' })]
    const file = buildLogFile(records)
    const json = gunzipSync(file.body)
    expect(json.toString('utf8')).toBe(`{"Records":[${JSON.stringify(records[0])},${JSON.stringify(records[1])}]}`)
    expect(JSON.parse(json.toString('utf8'))).toEqual({ Records: records })
    expect(file.sha256).toBe(createHash('sha256').update(json).digest('hex'))
    expect(file.uncompressedBytes).toBe(json.length)
    expect(file.oldestEventTime).toBe('2024-04-30T23:59:59Z')
    expect(file.newestEventTime).toBe('2024-05-01T12:00:05Z')
  })

  it('gives identical bytes for the same records (a replay rewrites the same object)', () => {
    const records = [record(), record({ region: 'eu-west-1' })]
    expect(buildLogFile(records).body.equals(buildLogFile(structuredClone(records)).body)).toBe(true)
  })

  it('counts a record as its JSON plus a separator', () => {
    const r = record()
    expect(serializedRecordBytes(r)).toBe(Buffer.byteLength(JSON.stringify(r)) + 1)
    expect(() => buildLogFile([])).toThrow(RangeError)
  })
})
