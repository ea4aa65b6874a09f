/** Test double: an in-memory ObjectStore over a Map, listing keys in byte order as S3 does. */
import type { ListObjectsOptions, ListObjectsPage, ObjectStore, PutObjectOptions, StoredObject } from '../../storage/types.js'

export class MemoryObjectNotFound extends Error {
  override readonly name = 'MemoryObjectNotFound'
  constructor(readonly bucket: string, readonly key: string) {
    super(`no such key s3://${bucket}/${key}`)
  }
}

export interface MemoryStore extends ObjectStore {
  /** bucket → key → object; tests tamper with it directly. */
  readonly objects: Map<string, Map<string, StoredObject>>
}

export function createMemoryStore(): MemoryStore {
  const objects = new Map<string, Map<string, StoredObject>>()
  const bucketOf = (bucket: string): Map<string, StoredObject> => {
    let b = objects.get(bucket)
    if (!b) objects.set(bucket, (b = new Map()))
    return b
  }
  const store = {
    kind: 'file' as const,
    objects,
    async bucketExists(bucket: string) {
      return objects.has(bucket)
    },
    async createBucket(bucket: string) {
      bucketOf(bucket)
    },
    async putObject(bucket: string, key: string, body: Buffer, options?: PutObjectOptions) {
      bucketOf(bucket).set(key, { body: Buffer.from(body), metadata: { ...(options?.metadata ?? {}) }, contentType: options?.contentType, lastModified: new Date() })
    },
    async getObject(bucket: string, key: string) {
      const o = objects.get(bucket)?.get(key)
      if (!o) throw new MemoryObjectNotFound(bucket, key)
      return { ...o, body: Buffer.from(o.body), metadata: { ...o.metadata } }
    },
    async headObject(bucket: string, key: string) {
      const o = objects.get(bucket)?.get(key)
      return o ? { metadata: { ...o.metadata }, size: o.body.length } : undefined
    },
    async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
      const max = options.maxKeys ?? 1000
      const after = options.continuationToken ?? options.startAfter
      const keys = [...(objects.get(bucket)?.keys() ?? [])]
        .filter((k) => k.startsWith(options.prefix ?? '') && (after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      const page = keys.slice(0, max)
      return {
        objects: page.map((key) => ({ key, size: objects.get(bucket)!.get(key)!.body.length })),
        nextContinuationToken: keys.length > max ? page[page.length - 1] : undefined,
      }
    },
    async deleteObject(bucket: string, key: string) {
      objects.get(bucket)?.delete(key)
    },
  } satisfies MemoryStore
  return store
}
