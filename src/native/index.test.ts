import { describe, expect, it } from 'vitest'
import { gunzipSync, gzipSync } from 'node:zlib'
import { nativeGzip, nativeGzipUnavailable } from './index.js'

// CI builds the addon (npm ci) on a machine with libdeflate: there trails must gzip with it,
// or they would silently run at zlib's speed. Elsewhere its absence is only reported.
describe.skipIf(!nativeGzip() && !process.env.CI)('native gzip', () => {
  it('is available', () => {
    expect(nativeGzipUnavailable()).toBeUndefined()
  })

  it('writes gzip that zlib reads back, the same bytes each time, as small as zlib at the same level', async () => {
    const gzip = nativeGzip()!
    const records = Array.from({ length: 3000 }, (_, i) => `{"eventName":"Op${i % 40}","eventID":"${i}","userName":"Ünïcode ✓"}`)
    const json = Buffer.from(`{"Records":[${records.join(',')}]}`)
    const [first, again] = await Promise.all([gzip(json, 6), gzip(json, 6)])
    expect(gunzipSync(first!).equals(json)).toBe(true)
    expect(first!.equals(again!)).toBe(true)
    expect(first!.length).toBeLessThanOrEqual(gzipSync(json, { level: 6 }).length * 1.02)
    // Empty and one-byte inputs are files too.
    expect(gunzipSync(await gzip(new Uint8Array(0), 6)).length).toBe(0)
    expect(gunzipSync(await gzip(Buffer.from('x'), 1)).toString()).toBe('x')
  })

  it('refuses what is not a Uint8Array and levels out of range', () => {
    const gzip = nativeGzip()!
    expect(() => gzip('json' as unknown as Uint8Array, 6)).toThrow(TypeError)
    expect(() => gzip(Buffer.from('x'), 13)).toThrow(TypeError)
    expect(() => gzip(Buffer.from('x'), -1)).toThrow(TypeError)
  })
})
if (!nativeGzip() && !process.env.CI) console.warn(`native gzip tests skipped: ${nativeGzipUnavailable()}`)
