/**
 * The two forms of a log file's hash (streaming on the event loop, synchronous on the hashing
 * threads) agree on every kind of input, corrupt and truncated files included; the hash pool
 * keeps those semantics. Real worker threads run in the built CLI (test/e2e); here the pool
 * runs in-thread, as vitest runs the TypeScript sources.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { GunzipError, HashPool } from './hash-pool.js'
import { sha256OfGunzipped, sha256OfGunzippedSync } from './log-hash.js'
import { nativeLogHash, nativeLogHashUnavailable } from '../native/index.js'

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

/** A log file body big enough for several inflate chunks of either form. */
const text = JSON.stringify({ Records: Array.from({ length: 30_000 }, (_, i) => ({ eventID: `e-${i}`, eventName: `Call${i % 97}` })) })
const gz = gzipSync(text)

function withByte(buf: Buffer, index: number, xor: number): Buffer {
  const copy = Buffer.from(buf)
  copy[index] ^= xor
  return copy
}

function withTrailerSize(buf: Buffer, isize: number): Buffer {
  const copy = Buffer.from(buf)
  copy.writeUInt32LE(isize, copy.length - 4)
  return copy
}

const valid: [string, Buffer, string][] = [
  ['a whole file', gz, sha256(text)],
  ['an empty file', Buffer.alloc(0), sha256('')],
  ['two gzip members', Buffer.concat([gz, gzipSync('{"more":1}')]), sha256(text + '{"more":1}')],
  ['zero padding after the member', Buffer.concat([gz, Buffer.alloc(16)]), sha256(text)],
  ['a file cut after its data (no trailer)', gz.subarray(0, gz.length - 8), sha256(text)],
]
const truncated: [string, Buffer][] = [
  ['a file cut in the header', gz.subarray(0, 10)],
  ['a file cut halfway', gz.subarray(0, gz.length >> 1)],
]
// zlib checks the trailer's size (ISIZE) too: a file whose ISIZE lies, which the synchronous
// form sizes its output buffer by, fails like any other corruption.
const corrupt: [string, Buffer][] = [
  ['a byte of the CRC-32 trailer flipped', withByte(gz, gz.length - 6, 0xff)],
  ['a byte of the deflate data flipped', withByte(gz, gz.length >> 1, 0x55)],
  ['garbage after the member', Buffer.concat([gz, Buffer.from('garbage!')])],
  ['not gzip at all', Buffer.from('{"Records":[]}')],
  ['a trailer size too small', withTrailerSize(gz, 10)],
  ['a trailer size of 4 GiB - 1', withTrailerSize(gz, 0xffffffff)],
]

describe('sha256OfGunzipped and sha256OfGunzippedSync', () => {
  it.each(valid)('hash the uncompressed bytes of %s', async (_, input, expected) => {
    expect(await sha256OfGunzipped(input)).toBe(expected)
    expect(sha256OfGunzippedSync(input)).toBe(expected)
  })

  it.each(truncated)('hash what inflates from %s, alike', async (_, input) => {
    const streamed = await sha256OfGunzipped(input)
    expect(sha256OfGunzippedSync(input)).toBe(streamed)
    expect(streamed).not.toBe(sha256(text))
  })

  it.each(corrupt)('fail on %s, alike', async (_, input) => {
    await expect(sha256OfGunzipped(input)).rejects.toThrow()
    expect(() => sha256OfGunzippedSync(input)).toThrow()
  })

  it('hash a view into a larger buffer by its own bytes', () => {
    const padded = Buffer.concat([Buffer.from('xxxx'), gz, Buffer.from('yyyy')])
    expect(sha256OfGunzippedSync(padded.subarray(4, 4 + gz.length))).toBe(sha256(text))
  })
})

describe.each([
  ['native', true],
  ['zlib', false],
])('HashPool (%s), in-thread', (_, native) => {
  it('hashes as sha256OfGunzipped does, several files at once, and leaves the input as it was', async () => {
    const pool = new HashPool({ threads: 0, native })
    const inputs = [...valid.map(([, input]) => input), ...truncated.map(([, input]) => input)]
    const before = inputs.map((b) => Buffer.from(b))
    const hashes = await Promise.all(inputs.map((input) => pool.sha256OfGunzipped(input)))
    expect(hashes).toEqual(await Promise.all(inputs.map((input) => sha256OfGunzipped(input))))
    expect(inputs.map((b, i) => b.equals(before[i]))).not.toContain(false)
    await pool.close()
  })

  it('rejects corrupt gzip data with a GunzipError, and refuses work once closed', async () => {
    const pool = new HashPool({ threads: 0, native })
    for (const [, input] of corrupt) await expect(pool.sha256OfGunzipped(input)).rejects.toBeInstanceOf(GunzipError)
    await pool.close()
    await expect(pool.sha256OfGunzipped(gz)).rejects.toThrow('closed')
  })
})

// CI builds the addon (npm ci) on a machine with libdeflate: there the fast path must be live,
// or validate-logs would silently run at zlib's speed. Elsewhere its absence is only reported.
describe.skipIf(!nativeLogHash() && !process.env.CI)('native log hash', () => {
  it('is available', () => {
    expect(nativeLogHashUnavailable()).toBeUndefined()
  })

  it('hashes a plain file itself and leaves every other kind to zlib', async () => {
    const addon = nativeLogHash()!
    expect(await addon.sha256OfGzip(gz)).toBe(sha256(text))
    const big = Buffer.alloc(3 * 1024 * 1024, 'CloudTrail ')
    expect(await addon.sha256OfGzip(gzipSync(big))).toBe(sha256(big))
    for (const [, input] of [...valid.slice(1), ...truncated, ...corrupt]) expect(await addon.sha256OfGzip(input)).toBeNull()
  })

  it('hashes a plain file read from disk, and answers null for every other kind and for what does not read', async () => {
    const addon = nativeLogHash()!
    const dir = await mkdtemp(join(tmpdir(), 'opentrail-log-hash-'))
    try {
      const big = Buffer.alloc(3 * 1024 * 1024, 'CloudTrail ')
      const files: [string, Buffer, string | null][] = [
        ['plain.json.gz', gz, sha256(text)],
        ['big.json.gz', gzipSync(big), sha256(big)],
        ...[...valid.slice(1), ...truncated, ...corrupt].map(([, input], i): [string, Buffer, null] => [`other-${i}.json.gz`, input, null]),
      ]
      for (const [name, body] of files) await writeFile(join(dir, name), body)
      // At once: the jobs share the addon's kept buffers.
      const hashes = await Promise.all(files.map(([name]) => addon.sha256OfGzipFile(join(dir, name))))
      expect(hashes).toEqual(files.map(([, , hash]) => hash))
      expect(await addon.sha256OfGzipFile(join(dir, 'absent.json.gz'))).toBeNull()
      expect(await addon.sha256OfGzipFile(dir)).toBeNull()
      const pool = new HashPool({ threads: 0 })
      expect(await pool.sha256OfGunzippedFile(join(dir, 'plain.json.gz'))).toBe(sha256(text))
      expect(await pool.sha256OfGunzippedFile(join(dir, 'absent.json.gz'))).toBeUndefined()
      await pool.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses what is not a Uint8Array or a path', () => {
    expect(() => nativeLogHash()!.sha256OfGzip('gzip' as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => nativeLogHash()!.sha256OfGzipFile(7 as unknown as string)).toThrow(TypeError)
    expect(() => nativeLogHash()!.sha256OfGzipFile('a\0b')).toThrow(TypeError)
  })
})

describe('HashPool without the native addon', () => {
  it('leaves file paths to the caller', async () => {
    const pool = new HashPool({ threads: 0, native: false })
    expect(await pool.sha256OfGunzippedFile(join(tmpdir(), 'any.json.gz'))).toBeUndefined()
    await pool.close()
  })
})
if (!nativeLogHash() && !process.env.CI) console.warn(`native log hash tests skipped: ${nativeLogHashUnavailable()}`)
