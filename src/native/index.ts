/**
 * @module native
 * The optional native addon (native/log-hash.c: libdeflate and OpenSSL on libuv's thread
 * pool), when it was built at install and libdeflate is on the machine. Its callers fall
 * back to zlib without it. zlib inflates CloudTrail JSON at a fifth of libdeflate's speed
 * (validate-logs spends nearly all its time inflating) and deflates it at two thirds
 * (trails gzip every record they deliver).
 */
import { createRequire } from 'node:module'

interface NativeAddon {
  /** SHA-256 of a plain single-member gzip file, or null for anything else (the caller then uses zlib). */
  sha256OfGzip(gz: Uint8Array): Promise<string | null>
  /** The same for the file at `path`, read by the addon; null also when it does not read. */
  sha256OfGzipFile(path: string): Promise<string | null>
  /** Null when usable, else why not. */
  unavailableReason(): string | null
  /** A gzip file of `bytes` at `level` (0-12; 6 writes what zlib's 6 does, in size), deterministic. */
  gzip(bytes: Uint8Array, level: number): Promise<Buffer>
  gzipUnavailableReason(): string | null
}

export type NativeLogHash = Pick<NativeAddon, 'sha256OfGzip' | 'sha256OfGzipFile'>
export type NativeGzip = (bytes: Uint8Array, level: number) => Promise<Buffer>

/** Where `npm install` builds the addon, from src/native (tests) and dist/src/native (the build). */
const CANDIDATES = ['../../native/build/Release/log_hash.node', '../../../native/build/Release/log_hash.node']
const NOT_BUILT = 'the native addon was not built (npm install builds it with node-gyp)'

let loaded: NativeAddon | null | undefined

function addon(): NativeAddon | null {
  if (loaded !== undefined) return loaded
  const require = createRequire(import.meta.url)
  loaded = null
  for (const path of CANDIDATES) {
    try {
      loaded = require(path) as NativeAddon
      break
    } catch {
      continue
    }
  }
  return loaded
}

/** The fast log file hash, or undefined with `nativeLogHashUnavailable()` saying why. */
export function nativeLogHash(): NativeLogHash | undefined {
  const a = addon()
  return a && a.unavailableReason() === null ? a : undefined
}

export function nativeLogHashUnavailable(): string | undefined {
  const a = addon()
  return a ? (a.unavailableReason() ?? undefined) : NOT_BUILT
}

/** libdeflate's gzip, or undefined with `nativeGzipUnavailable()` saying why (older builds of the addon lack it). */
export function nativeGzip(): NativeGzip | undefined {
  const a = addon()
  return a && typeof a.gzip === 'function' && a.gzipUnavailableReason() === null ? (bytes, level) => a.gzip(bytes, level) : undefined
}

export function nativeGzipUnavailable(): string | undefined {
  const a = addon()
  if (!a) return NOT_BUILT
  return typeof a.gzip === 'function' ? (a.gzipUnavailableReason() ?? undefined) : 'the native addon was built before it had gzip (npm install rebuilds it)'
}
