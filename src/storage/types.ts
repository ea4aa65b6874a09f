/**
 * Object stores: where trails deliver log files and digests. Two implementations behind
 * one interface: a local folder (`file://`, the default) and any S3-compatible store
 * (`s3://`). Objects carry user metadata, as S3 objects do (digest signatures live there).
 */

export interface PutObjectOptions {
  contentType?: string
  contentEncoding?: string
  /** User metadata, keys without the `x-amz-meta-` prefix (e.g. `signature`). */
  metadata?: Record<string, string>
  /** Server-side encryption to ask of an S3 store (ignored by the folder store). */
  serverSideEncryption?: { type: 'aws:kms'; kmsKeyId: string } | { type: 'AES256' }
}

export interface StoredObject {
  body: Buffer
  metadata: Record<string, string>
  contentType?: string
  lastModified?: Date
}

export interface ObjectSummary {
  key: string
  size: number
  lastModified?: Date
}

export interface ListObjectsOptions {
  prefix?: string
  /** Only keys after this one (S3's StartAfter / Marker). */
  startAfter?: string
  /** At most this many keys per page (default 1000). */
  maxKeys?: number
  continuationToken?: string
}

export interface ListObjectsPage {
  objects: ObjectSummary[]
  nextContinuationToken?: string
}

export interface ObjectStore {
  /** `file` or `s3`: how the store is reached. */
  readonly kind: 'file' | 's3'
  bucketExists(bucket: string): Promise<boolean>
  createBucket(bucket: string): Promise<void>
  /** Writes an object; resolves once it is durable (the folder store fsyncs file and directory). */
  putObject(bucket: string, key: string, body: Buffer, options?: PutObjectOptions): Promise<void>
  /** Throws ObjectNotFoundError when absent. */
  getObject(bucket: string, key: string): Promise<StoredObject>
  /** Metadata only; undefined when absent. */
  headObject(bucket: string, key: string): Promise<{ metadata: Record<string, string>; size: number } | undefined>
  /** Keys in lexicographic (UTF-8 byte) order, as S3 lists them. */
  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage>
  deleteObject(bucket: string, key: string): Promise<void>
}
