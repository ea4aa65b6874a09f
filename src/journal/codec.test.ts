import { describe, expect, it } from 'vitest'
import { deflateRawSync } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'
import { RecordCodec, TRAINED_DICTIONARY_BYTES, trainDictionary } from './codec.js'

function record(i: number): CloudTrailRecord {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: `AIDA${i}`, arn: `arn:aws:iam::111122223333:user/user-${i % 7}`, accountId: '111122223333' },
    eventTime: '2024-05-01T12:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: i % 2 ? 'GetObject' : 'PutObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: `10.0.0.${i % 250}`,
    userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1',
    requestParameters: { bucketName: 'logs', key: `k/${i}` },
    responseElements: null,
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: i % 2 === 1,
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111122223333',
    eventCategory: 'Data',
  } as CloudTrailRecord
}

describe('RecordCodec', () => {
  it('round-trips a record with the built-in dictionary, then with a trained one', () => {
    const codec = new RecordCodec()
    const r = record(1)
    const builtin = codec.encode(r)
    expect(builtin[0]).toBe(3)
    expect(builtin.readUInt32BE(1)).toBe(0)
    expect(codec.decode(builtin)).toEqual(r)

    codec.addDictionary(1, trainDictionary(Array.from({ length: 64 }, (_, i) => JSON.stringify(record(i + 100)))))
    const trained = codec.encode(r)
    expect(trained.readUInt32BE(1)).toBe(1)
    expect(codec.decodeJson(trained)).toBe(JSON.stringify(r))
    expect(trained.length).toBeLessThan(builtin.length)
    // Rows written before the new dictionary stay readable.
    expect(codec.decode(builtin)).toEqual(r)
  })

  it('stores the JSON text it is given, byte for byte', () => {
    const codec = new RecordCodec()
    const text = '{"eventVersion":"1.08","eventName":"Ünïcode ✓","extra":{"b":1,"a":2}}'
    expect(codec.decodeJson(codec.encodeJson(text))).toBe(text)
  })

  it('encodes texts of any size and script one after another (its input buffer is reused and grows)', () => {
    const codec = new RecordCodec()
    const texts = [
      JSON.stringify({ eventName: '✓'.repeat(30_000) }), // 90,000 UTF-8 bytes: past the first buffer
      '{"eventName":"a"}',
      JSON.stringify({ eventName: '𝄞 Ünïcode '.repeat(5_000), n: 1 }),
      '{"eventName":"b"}',
    ]
    const encoded = texts.map((t) => codec.encodeJson(t))
    expect(encoded.map((e) => codec.decodeJson(e))).toEqual(texts)
  })

  it('reads rows written with deflate by earlier versions (formats 1 and 2)', () => {
    const codec = new RecordCodec()
    const r = record(2)
    const dictionary = trainDictionary([record(3), record(4)].map((r) => JSON.stringify(r)))
    codec.addDictionary(7, dictionary)
    const trained = deflateRawSync(Buffer.from(JSON.stringify(r)), { dictionary })
    const format2 = Buffer.concat([Buffer.from([2, 0, 0, 0, 7]), trained])
    expect(codec.decode(format2)).toEqual(r)
    expect(() => codec.decode(Buffer.from([9, 1, 2]))).toThrow(/unknown stored record format 9/)
  })

  it('loads a dictionary it has not seen (trained by another process) when a row needs it', () => {
    const dictionary = trainDictionary([record(5), record(6)].map((r) => JSON.stringify(r)))
    const writer = new RecordCodec()
    writer.addDictionary(3, dictionary)
    const stored = writer.encode(record(8))
    const asked: number[] = []
    const reader = new RecordCodec((id) => (asked.push(id), id === 3 ? dictionary : undefined))
    expect(reader.decode(stored)).toEqual(record(8))
    expect(asked).toEqual([3])
    const unknown = Buffer.from(stored)
    unknown.writeUInt32BE(4, 1)
    expect(() => reader.decode(unknown)).toThrow(/dictionary 4/)
  })

  it('cuts a trained dictionary to its size limit, keeping the newest samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => record(i))
    const dictionary = trainDictionary(samples.map((r) => JSON.stringify(r)))
    expect(dictionary.length).toBe(TRAINED_DICTIONARY_BYTES)
    expect(dictionary.toString().endsWith(JSON.stringify(samples.at(-1)))).toBe(true)
  })
})
