/**
 * Walks a bucket folder in S3 key order without reading the whole tree: entries of each folder
 * are sorted by their key text (folders as `name/`), which yields keys in UTF-8 byte order, and
 * folders that cannot hold a wanted key (outside the prefix, or all before `after`) are skipped.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { TEMP_FILE_PREFIX, isErrnoCode } from './durable-write.js'
import { METADATA_FOLDER, compareKeys } from './file-layout.js'
import type { ObjectSummary } from './types.js'

export interface WalkOptions {
  prefix: string
  /** Yield only keys strictly after this one. */
  after?: string
}

export function walkKeys(bucketDir: string, options: WalkOptions): AsyncGenerator<ObjectSummary> {
  return walkFolder(bucketDir, '', options)
}

async function* walkFolder(dir: string, keyPrefix: string, options: WalkOptions): AsyncGenerator<ObjectSummary> {
  const { prefix, after } = options
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    // A sub-folder removed while we walk simply holds no keys; the bucket folder itself must exist.
    if (keyPrefix !== '' && isErrnoCode(error, 'ENOENT', 'ENOTDIR')) return
    throw error
  }
  const candidates = entries
    .filter((entry) => !(keyPrefix === '' && entry.name === METADATA_FOLDER))
    .filter((entry) => !entry.name.startsWith(TEMP_FILE_PREFIX))
    .filter((entry) => entry.isFile() || entry.isDirectory())
    .map((entry) => ({
      name: entry.name,
      isFolder: entry.isDirectory(),
      sortKey: keyPrefix + entry.name + (entry.isDirectory() ? '/' : ''),
    }))
    .sort((a, b) => compareKeys(a.sortKey, b.sortKey))

  for (const candidate of candidates) {
    const { sortKey } = candidate
    const inPrefix = sortKey.startsWith(prefix)
    const holdsPrefix = candidate.isFolder && prefix.startsWith(sortKey)
    if (!inPrefix && !holdsPrefix) {
      // Keys with the prefix form one contiguous range; once past it, nothing later matches.
      if (compareKeys(sortKey, prefix) > 0) return
      continue
    }
    if (candidate.isFolder) {
      // Every key in this folder starts with `sortKey`; skip it when all of them sort before `after`.
      if (after !== undefined && !after.startsWith(sortKey) && compareKeys(sortKey, after) < 0) continue
      yield* walkFolder(join(dir, candidate.name), sortKey, options)
      continue
    }
    if (after !== undefined && compareKeys(sortKey, after) <= 0) continue
    let stats
    try {
      stats = await stat(join(dir, candidate.name))
    } catch (error) {
      if (isErrnoCode(error, 'ENOENT')) continue // deleted since readdir
      throw error
    }
    yield { key: sortKey, size: stats.size, lastModified: stats.mtime }
  }
}
