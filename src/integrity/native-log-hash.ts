/**
 * The native fast path of a log file's hash (native/log-hash.c: libdeflate + OpenSSL on
 * libuv's thread pool), when it was built at install and libdeflate is on the machine.
 * zlib inflates CloudTrail JSON at a fifth of libdeflate's speed, and validate-logs spends
 * nearly all its time inflating.
 */
import { createRequire } from 'node:module'

interface NativeLogHash {
  /** SHA-256 of a plain single-member gzip file, or null for anything else (the caller then uses zlib). */
  sha256OfGzip(gz: Uint8Array): Promise<string | null>
  /** The same for the file at `path`, read by the addon; null also when it does not read. */
  sha256OfGzipFile(path: string): Promise<string | null>
  /** Null when usable, else why not. */
  unavailableReason(): string | null
}

/** Where `npm install` builds the addon, from src/integrity (tests) and dist/src/integrity (the build). */
const CANDIDATES = ['../../native/build/Release/log_hash.node', '../../../native/build/Release/log_hash.node']

let loaded: { addon?: NativeLogHash; reason: string } | undefined

function load(): { addon?: NativeLogHash; reason: string } {
  if (loaded) return loaded
  const require = createRequire(import.meta.url)
  const reason = 'the native addon was not built (npm install builds it with node-gyp)'
  for (const path of CANDIDATES) {
    let addon: NativeLogHash
    try {
      addon = require(path) as NativeLogHash
    } catch {
      continue
    }
    const why = addon.unavailableReason()
    loaded = why === null ? { addon, reason: '' } : { reason: why }
    return loaded
  }
  loaded = { reason }
  return loaded
}

/** The fast path, or undefined with `nativeLogHashUnavailable()` saying why. */
export function nativeLogHash(): NativeLogHash | undefined {
  return load().addon
}

export function nativeLogHashUnavailable(): string | undefined {
  return load().addon ? undefined : load().reason
}
