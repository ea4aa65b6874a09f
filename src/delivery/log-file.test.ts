import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { buildLogFile, serializedRecordBytes, widenEventTimes } from './log-file.js'
import { record } from './test-support.js'

describe('buildLogFile', () => {
  it('gzips {"Records":[...]} of the stored texts, hashes the uncompressed bytes, and carries the time range', async () => {
    const records = [record({ eventTime: '2024-05-01T12:00:05Z' }), record({ eventTime: '2024-04-30T23:59:59Z' })]
    const times = records.reduce(widenEventTimes, undefined)
    const file = await buildLogFile(records.map((r) => JSON.stringify(r)), times)
    const json = gunzipSync(file.body)
    expect(json.toString('utf8')).toBe(`{"Records":[${JSON.stringify(records[0])},${JSON.stringify(records[1])}]}`)
    expect(JSON.parse(json.toString('utf8'))).toEqual({ Records: records })
    expect(file.sha256).toBe(createHash('sha256').update(json).digest('hex'))
    expect(file.uncompressedBytes).toBe(json.length)
    expect(file.oldestEventTime).toBe('2024-04-30T23:59:59Z')
    expect(file.newestEventTime).toBe('2024-05-01T12:00:05Z')
  })

  it('gives identical bytes for the same records (a replay rewrites the same object)', async () => {
    const texts = [record(), record({ region: 'eu-west-1' })].map((r) => JSON.stringify(r))
    const first = await buildLogFile(texts, { oldestMs: 0, newestMs: 1000 })
    const again = await buildLogFile([...texts], { oldestMs: 0, newestMs: 1000 })
    expect(first.body.equals(again.body)).toBe(true)
  })

  it('spans epoch 0 when no record has a readable time, and refuses an empty file', async () => {
    const unreadable = record({ eventTime: 'not a time' })
    expect(widenEventTimes(undefined, unreadable)).toBeUndefined()
    const file = await buildLogFile([JSON.stringify(unreadable)], undefined)
    expect([file.oldestEventTime, file.newestEventTime]).toEqual(['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'])
    await expect(buildLogFile([], undefined)).rejects.toThrow(RangeError)
  })

  it('writes each file exactly, whatever file was built before it (buffers are reused)', async () => {
    const big = Array.from({ length: 3000 }, (_, i) => JSON.stringify(record({ eventName: `Big${i}${'x'.repeat(3000)}` })))
    const small = [JSON.stringify(record({ eventName: 'Ünïcode ✓' }))]
    for (const texts of [big, small, big, small]) {
      const file = await buildLogFile(texts, undefined)
      const json = gunzipSync(file.body)
      expect(json.equals(Buffer.from(`{"Records":[${texts.join(',')}]}`, 'utf8'))).toBe(true)
      expect(file.uncompressedBytes).toBe(json.length)
      expect(file.sha256).toBe(createHash('sha256').update(json).digest('hex'))
    }
  })

  it('counts a record as its UTF-8 JSON plus a separator', () => {
    const json = JSON.stringify(record({ eventName: 'Ünïcode' }))
    expect(serializedRecordBytes(json)).toBe(Buffer.byteLength(json) + 1)
  })
})
