/**
 * Envelope encryption at rest for the folder store, as S3 does SSE-KMS: a put asking for
 * `serverSideEncryption: {type: 'aws:kms', kmsKeyId}` gets a fresh data key from the key
 * service, the body is encrypted with it (AES-256-GCM) and only ciphertext reaches the
 * disk; the wrapped data key, IV and tag go into the object's metadata. A get decrypts
 * transparently, so readers (validation, `opentrail cat`) see the plaintext bytes and the
 * size a head reports is the plaintext size, as with S3.
 *
 * Encryption context: the object's ARN, `{"aws:s3:arn": "arn:aws:s3:::<bucket>/<key>"}`
 * (S3's own default for SSE-KMS). The store interface carries no trail ARN, so the data key
 * is bound to where the object lives: a file moved to another key (with its sidecar) no
 * longer decrypts.
 *
 * Metadata written in the sidecar (S3 answers the first two as `x-amz-server-side-encryption`
 * and `x-amz-server-side-encryption-aws-kms-key-id` headers, never as user metadata):
 *   opentrail-sse               `aws:kms`
 *   opentrail-sse-kms-key-id    the key ARN
 *   opentrail-sse-wrapped-key   base64 of the wrapped data key (names its key version)
 *   opentrail-sse-iv            base64, 12 bytes
 *   opentrail-sse-tag           base64, 16 bytes (GCM tag)
 * Gets and heads leave all of them out of the metadata they return, as S3 keeps them out of
 * user metadata; `inner.headObject` shows them. `AES256` (SSE-S3) asks nothing of the folder
 * store and passes through unencrypted, like every put without `serverSideEncryption`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { StorageError } from '../storage/index.js'
import type { ListObjectsOptions, ListObjectsPage, ObjectStore, PutObjectOptions, StorageOperation, StoredObject } from '../storage/index.js'
import { KmsError } from './errors.js'
import type { EncryptionContext, KmsKeyStore } from './key-store.js'

export const SSE_METADATA = {
  algorithm: 'opentrail-sse',
  keyId: 'opentrail-sse-kms-key-id',
  wrappedKey: 'opentrail-sse-wrapped-key',
  iv: 'opentrail-sse-iv',
  tag: 'opentrail-sse-tag',
} as const

const RESERVED_PREFIX = 'opentrail-sse'

/** The part of the key service the store needs. */
export type DataKeyService = Pick<KmsKeyStore, 'generateDataKey' | 'decryptDataKey'>

export class EncryptingObjectStore implements ObjectStore {
  readonly #inner: ObjectStore
  readonly #kms: DataKeyService

  constructor(inner: ObjectStore, kms: DataKeyService) {
    this.#inner = inner
    this.#kms = kms
  }

  get kind(): 'file' | 's3' {
    return this.#inner.kind
  }

  /** The store underneath, which holds the ciphertext. */
  get inner(): ObjectStore {
    return this.#inner
  }

  bucketExists(bucket: string): Promise<boolean> {
    return this.#inner.bucketExists(bucket)
  }

  createBucket(bucket: string): Promise<void> {
    return this.#inner.createBucket(bucket)
  }

  async putObject(bucket: string, key: string, body: Buffer, options: PutObjectOptions = {}): Promise<void> {
    const metadata = options.metadata ?? {}
    if (Object.keys(metadata).some((name) => name.toLowerCase().startsWith(RESERVED_PREFIX))) {
      // Our own names in user metadata would make a plaintext object look encrypted.
      throw new StorageError({ operation: 'putObject', bucket, key, code: 'InvalidArgument', retryable: false })
    }
    const sse = options.serverSideEncryption
    if (sse?.type !== 'aws:kms') return this.#inner.putObject(bucket, key, body, options)

    const dataKey = kmsCall('putObject', bucket, key, () => this.#kms.generateDataKey(sse.kmsKeyId, objectContext(bucket, key)))
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv)
    const ciphertext = Buffer.concat([cipher.update(body), cipher.final()])
    dataKey.plaintext.fill(0)
    await this.#inner.putObject(bucket, key, ciphertext, {
      ...options,
      metadata: {
        ...metadata,
        [SSE_METADATA.algorithm]: 'aws:kms',
        [SSE_METADATA.keyId]: dataKey.keyArn,
        [SSE_METADATA.wrappedKey]: dataKey.wrapped.toString('base64'),
        [SSE_METADATA.iv]: iv.toString('base64'),
        [SSE_METADATA.tag]: cipher.getAuthTag().toString('base64'),
      },
    })
  }

  async getObject(bucket: string, key: string): Promise<StoredObject> {
    const stored = await this.#inner.getObject(bucket, key)
    const { metadata } = stored
    if (metadata[SSE_METADATA.algorithm] !== 'aws:kms') return stored
    const keyArn = metadata[SSE_METADATA.keyId]
    const wrapped = metadata[SSE_METADATA.wrappedKey]
    const iv = metadata[SSE_METADATA.iv]
    const tag = metadata[SSE_METADATA.tag]
    if (keyArn === undefined || wrapped === undefined || iv === undefined || tag === undefined) {
      throw new StorageError({ operation: 'getObject', bucket, key, code: 'KMS.InvalidCiphertextException', retryable: false })
    }
    const dataKey = kmsCall('getObject', bucket, key, () =>
      this.#kms.decryptDataKey(keyArn, Buffer.from(wrapped, 'base64'), objectContext(bucket, key)),
    )
    let body: Buffer
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(iv, 'base64'))
      decipher.setAuthTag(Buffer.from(tag, 'base64'))
      body = Buffer.concat([decipher.update(stored.body), decipher.final()])
    } catch (error) {
      // The bytes on disk were changed (or truncated) after they were written.
      throw new StorageError({ operation: 'getObject', bucket, key, code: 'KMS.InvalidCiphertextException', retryable: false, cause: error })
    } finally {
      dataKey.fill(0)
    }
    return { ...stored, body, metadata: visibleMetadata(metadata) }
  }

  async headObject(bucket: string, key: string): Promise<{ metadata: Record<string, string>; size: number } | undefined> {
    const head = await this.#inner.headObject(bucket, key)
    return head === undefined ? undefined : { ...head, metadata: visibleMetadata(head.metadata) }
  }

  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage> {
    return this.#inner.listObjects(bucket, options)
  }

  deleteObject(bucket: string, key: string): Promise<void> {
    return this.#inner.deleteObject(bucket, key)
  }
}

/**
 * The store to deliver through: folder stores get envelope encryption by the local key
 * service; S3 stores are returned as they are, since S3 does SSE-KMS itself.
 *
 * @example
 * const store = withEncryption(openObjectStore(config), new KmsKeyStore(db, masterKey))
 */
export function withEncryption(store: ObjectStore, kms: DataKeyService): ObjectStore {
  return store.kind === 'file' ? new EncryptingObjectStore(store, kms) : store
}

/** The encryption context of an object: its S3 ARN, as S3 sets for SSE-KMS. */
export function objectContext(bucket: string, key: string): EncryptionContext {
  return { 'aws:s3:arn': `arn:aws:s3:::${bucket}/${key}` }
}

function visibleMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([name]) => !name.startsWith(RESERVED_PREFIX)))
}

/** Runs a key-service call, reporting its failure as a store failure with S3's `KMS.` code. */
function kmsCall<T>(operation: StorageOperation, bucket: string, key: string, call: () => T): T {
  try {
    return call()
  } catch (error) {
    if (error instanceof KmsError) {
      throw new StorageError({ operation, bucket, key, code: `KMS.${error.code}`, retryable: false, cause: error })
    }
    throw error
  }
}
