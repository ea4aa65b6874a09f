/**
 * The folder store: buckets are sub-folders of a root folder and objects are plain files, so
 * `ls`, `cp` and `aws s3 sync` work on delivered trails. User metadata and content type live
 * in a hidden sidecar tree (`<bucket>/.metadata/<key>.json`) that listings leave out.
 * See README.md for the life of an object.
 */
import { readFile, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { resolve } from 'node:path'
import { errnoCode, isErrnoCode, makeDirectoryDurably, removeFileDurably, writeFileDurably } from './durable-write.js'
import { BucketNotFoundError, ObjectNotFoundError, StorageError, type StorageOperation } from './errors.js'
import { bucketPath, checkKey, objectPath, sidecarPath } from './file-layout.js'
import { walkKeys } from './file-listing.js'
import type { ListObjectsOptions, ListObjectsPage, ObjectStore, PutObjectOptions, StoredObject } from './types.js'

/** Keys per listing page when the caller does not say, and the most S3 returns. */
export const DEFAULT_MAX_KEYS = 1000

/** Version of the sidecar format, so a later layout can still read today's files. */
const SIDECAR_VERSION = 1

interface Sidecar {
  version: number
  metadata: Record<string, string>
  contentType?: string
  contentEncoding?: string
}

// System errors that may clear up by themselves; a full disk counts, as an outage that ends
// once space is freed (delivery then resumes, as CloudTrail's does after a bucket outage).
const TRANSIENT_ERRNO = new Set(['EAGAIN', 'EBUSY', 'EINTR', 'EMFILE', 'ENFILE', 'ENOSPC', 'ETIMEDOUT'])

export class FileObjectStore implements ObjectStore {
  readonly kind = 'file'
  readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  async bucketExists(bucket: string): Promise<boolean> {
    let dir: string
    try {
      dir = bucketPath(this.root, bucket, 'bucketExists')
    } catch {
      return false // an invalid name cannot name an existing bucket
    }
    return this.#guard('bucketExists', bucket, undefined, () => isFolder(dir))
  }

  async createBucket(bucket: string): Promise<void> {
    const dir = bucketPath(this.root, bucket, 'createBucket')
    await this.#guard('createBucket', bucket, undefined, () => makeDirectoryDurably(dir))
  }

  async putObject(bucket: string, key: string, body: Buffer, options: PutObjectOptions = {}): Promise<void> {
    const dir = await this.#existingBucket('putObject', bucket, key)
    const sidecar: Sidecar = {
      version: SIDECAR_VERSION,
      metadata: lowerCaseKeys(options.metadata ?? {}),
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
    }
    await this.#guard('putObject', bucket, key, async () => {
      try {
        // Sidecar first: once the object is visible its metadata (a digest's signature) is durable.
        await writeFileDurably(sidecarPath(dir, key), JSON.stringify(sidecar))
        await writeFileDurably(objectPath(dir, key), body)
      } catch (error) {
        // `a/b` while `a` is a file, or `a` while `a/` is a folder: fine in S3, impossible in folders.
        if (isErrnoCode(error, 'EEXIST', 'ENOTDIR', 'EISDIR')) {
          throw new StorageError({ operation: 'putObject', bucket, key, code: 'UnsupportedKey', retryable: false, cause: error })
        }
        throw error
      }
    })
  }

  async getObject(bucket: string, key: string): Promise<StoredObject> {
    const dir = bucketPath(this.root, bucket, 'getObject')
    checkKey('getObject', bucket, key)
    return this.#guard('getObject', bucket, key, async () => {
      // The object, its sidecar and its times are read side by side (validate-logs reads
      // thousands of small files); the bucket is checked only when the object is absent.
      const path = objectPath(dir, key)
      let read: [Buffer, Sidecar, Stats]
      try {
        read = await Promise.all([readFile(path), readSidecar(sidecarPath(dir, key)), stat(path)])
      } catch (error) {
        if (!isAbsence(error) && errnoCode(error) !== 'EISDIR') throw error
        if (!(await isFolder(dir))) throw new BucketNotFoundError(bucket, { operation: 'getObject', key })
        throw new ObjectNotFoundError(bucket, key, { operation: 'getObject', cause: error })
      }
      const [body, sidecar, stats] = read
      return { body, metadata: sidecar.metadata, contentType: sidecar.contentType, lastModified: stats.mtime }
    })
  }

  /**
   * The file holding the object's bytes as stored, for a reader that reads them itself
   * (validate-logs' native hashing). The file may be absent: reading it tells.
   */
  async objectFile(bucket: string, key: string): Promise<string> {
    checkKey('getObject', bucket, key)
    return objectPath(bucketPath(this.root, bucket, 'getObject'), key)
  }

  async headObject(bucket: string, key: string): Promise<{ metadata: Record<string, string>; size: number } | undefined> {
    let dir: string
    try {
      dir = await this.#existingBucket('headObject', bucket, key)
    } catch (error) {
      // S3 answers HEAD without a body, so a missing bucket looks like a missing object there too.
      if (error instanceof BucketNotFoundError) return undefined
      throw error
    }
    return this.#guard('headObject', bucket, key, async () => {
      let stats
      try {
        stats = await stat(objectPath(dir, key))
      } catch (error) {
        if (isAbsence(error)) return undefined
        throw error
      }
      if (!stats.isFile()) return undefined
      const sidecar = await readSidecar(sidecarPath(dir, key))
      return { metadata: sidecar.metadata, size: stats.size }
    })
  }

  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
    const dir = await this.#existingBucket('listObjects', bucket)
    const maxKeys = Math.min(options.maxKeys ?? DEFAULT_MAX_KEYS, DEFAULT_MAX_KEYS)
    const after = options.continuationToken !== undefined ? decodeToken(options.continuationToken) : options.startAfter
    if (maxKeys <= 0) return { objects: [] }
    return this.#guard('listObjects', bucket, undefined, async () => {
      const page: ListObjectsPage = { objects: [] }
      for await (const summary of walkKeys(dir, { prefix: options.prefix ?? '', after })) {
        if (page.objects.length === maxKeys) {
          page.nextContinuationToken = encodeToken(page.objects[maxKeys - 1].key)
          break
        }
        page.objects.push(summary)
      }
      return page
    })
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const dir = await this.#existingBucket('deleteObject', bucket, key)
    await this.#guard('deleteObject', bucket, key, async () => {
      // Object first, so no reader ever sees it without its metadata.
      await removeFileDurably(objectPath(dir, key))
      await removeFileDurably(sidecarPath(dir, key))
    })
  }

  /** Checks names and that the bucket folder exists; returns the bucket folder. */
  async #existingBucket(operation: StorageOperation, bucket: string, key?: string): Promise<string> {
    const dir = bucketPath(this.root, bucket, operation)
    if (key !== undefined) checkKey(operation, bucket, key)
    const exists = await this.#guard(operation, bucket, key, () => isFolder(dir))
    if (!exists) throw new BucketNotFoundError(bucket, { operation, key })
    return dir
  }

  /** Runs file work, turning system errors into StorageError with the errno code. */
  async #guard<T>(operation: StorageOperation, bucket: string, key: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (error instanceof StorageError) throw error
      const code = errnoCode(error) ?? 'InternalError'
      throw new StorageError({ operation, bucket, key, code, retryable: TRANSIENT_ERRNO.has(code), cause: error })
    }
  }
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch (error) {
    if (isAbsence(error)) return false
    throw error
  }
}

/** ENOTDIR too: for key `a/b` while `a` is a file, the object is simply absent. */
function isAbsence(error: unknown): boolean {
  return isErrnoCode(error, 'ENOENT', 'ENOTDIR')
}

async function readSidecar(path: string): Promise<Sidecar> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    // Objects copied in by other tools have no sidecar: no metadata, like an S3 upload without any.
    if (isAbsence(error)) return { version: SIDECAR_VERSION, metadata: {} }
    throw error
  }
  const parsed: unknown = JSON.parse(text)
  if (!isSidecar(parsed)) throw new SyntaxError(`not a metadata sidecar: ${path}`)
  return parsed
}

function isSidecar(value: unknown): value is Sidecar {
  if (typeof value !== 'object' || value === null) return false
  const record = value as Record<string, unknown>
  const metadata = record.metadata
  return (
    typeof record.version === 'number' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    Object.values(metadata).every((entry) => typeof entry === 'string') &&
    (record.contentType === undefined || typeof record.contentType === 'string')
  )
}

/** S3 lower-cases user metadata names (they travel as HTTP headers); the folder store does too. */
function lowerCaseKeys(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name.toLowerCase(), value]))
}

function encodeToken(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url')
}

function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8')
}
