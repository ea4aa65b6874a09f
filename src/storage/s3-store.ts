/**
 * The S3 store: any S3-compatible service (AWS, MinIO, Ceph, moto) through @aws-sdk/client-s3.
 * A write is durable once S3 answers PutObject. Failures become StorageError subclasses
 * carrying S3's own error code, which trail status reports as `LatestDeliveryError`.
 */
import { createRequire } from 'node:module'
import type { BucketLocationConstraint, PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3'
import { BucketNotFoundError, ObjectNotFoundError, StorageError, type StorageOperation } from './errors.js'
import type { ListObjectsOptions, ListObjectsPage, ObjectStore, PutObjectOptions, StoredObject } from './types.js'

/**
 * The S3 SDK takes about half a second to load; it is loaded when the first S3 store is
 * made, so an installation on the folder store (and every CLI command there) never pays it.
 */
type S3Sdk = typeof import('@aws-sdk/client-s3')
let sdk: S3Sdk | undefined
function s3Sdk(): S3Sdk {
  sdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as S3Sdk
  return sdk
}

/** The Region used when neither the options nor AWS_REGION name one. */
export const DEFAULT_S3_REGION = 'us-east-1'

export interface S3ObjectStoreOptions {
  /** e.g. `http://127.0.0.1:9000` for MinIO or moto; AWS's own endpoint when absent. */
  endpoint?: string
  /** Defaults to AWS_REGION, then `us-east-1`. */
  region?: string
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted stores need it. */
  forcePathStyle?: boolean
  /** Static credentials; the SDK's default chain (env, profile, instance role) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Attempts per call including SDK retries (SDK default 3). */
  maxAttempts?: number
}

// S3 codes that mean "try again later" rather than "something is misconfigured".
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3'
  readonly region: string
  readonly #client: S3Client

  constructor(options: S3ObjectStoreOptions = {}) {
    this.region = options.region ?? process.env.AWS_REGION ?? DEFAULT_S3_REGION
    this.#client = new (s3Sdk().S3Client)({
      endpoint: options.endpoint,
      region: this.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts,
      // Checksums only where S3 demands them: many S3-compatible stores reject the newer defaults.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.#client.send(new (s3Sdk().HeadBucketCommand)({ Bucket: bucket }))
      return true
    } catch (error) {
      if (httpStatus(error) === 404) return false
      throw toStorageError(error, 'bucketExists', bucket)
    }
  }

  /** Creates the bucket; succeeds when it already exists and is ours. */
  async createBucket(bucket: string): Promise<void> {
    const location =
      this.region === DEFAULT_S3_REGION
        ? undefined // us-east-1 rejects an explicit LocationConstraint
        : { LocationConstraint: this.region as BucketLocationConstraint }
    try {
      await this.#client.send(new (s3Sdk().CreateBucketCommand)({ Bucket: bucket, CreateBucketConfiguration: location }))
    } catch (error) {
      const code = errorCode(error)
      if (code === 'BucketAlreadyOwnedByYou') return
      // Some stores (moto among them) say AlreadyExists for a bucket we own; ours if we can reach it.
      if (code === 'BucketAlreadyExists' && (await this.bucketExists(bucket))) return
      throw toStorageError(error, 'createBucket', bucket)
    }
  }

  async putObject(bucket: string, key: string, body: Buffer, options: PutObjectOptions = {}): Promise<void> {
    const input: PutObjectCommandInput = {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: options.contentType,
      ContentEncoding: options.contentEncoding,
      Metadata: options.metadata,
    }
    const encryption = options.serverSideEncryption
    if (encryption?.type === 'aws:kms') {
      input.ServerSideEncryption = 'aws:kms'
      input.SSEKMSKeyId = encryption.kmsKeyId
    } else if (encryption?.type === 'AES256') {
      input.ServerSideEncryption = 'AES256'
    }
    try {
      await this.#client.send(new (s3Sdk().PutObjectCommand)(input))
    } catch (error) {
      throw toStorageError(error, 'putObject', bucket, key)
    }
  }

  async getObject(bucket: string, key: string): Promise<StoredObject> {
    try {
      const response = await this.#client.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }))
      const bytes = response.Body === undefined ? new Uint8Array() : await response.Body.transformToByteArray()
      return {
        body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        metadata: response.Metadata ?? {},
        contentType: response.ContentType,
        lastModified: response.LastModified,
      }
    } catch (error) {
      throw toStorageError(error, 'getObject', bucket, key)
    }
  }

  async headObject(bucket: string, key: string): Promise<{ metadata: Record<string, string>; size: number } | undefined> {
    try {
      const response = await this.#client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: bucket, Key: key }))
      return { metadata: response.Metadata ?? {}, size: response.ContentLength ?? 0 }
    } catch (error) {
      // HEAD answers carry no body, so a missing bucket and a missing key both read as 404.
      if (httpStatus(error) === 404) return undefined
      throw toStorageError(error, 'headObject', bucket, key)
    }
  }

  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsPage> {
    try {
      const response = await this.#client.send(
        new (s3Sdk().ListObjectsV2Command)({
          Bucket: bucket,
          Prefix: options.prefix,
          StartAfter: options.startAfter,
          MaxKeys: options.maxKeys,
          ContinuationToken: options.continuationToken,
        }),
      )
      const objects = (response.Contents ?? []).map((entry) => ({
        key: entry.Key ?? '',
        size: entry.Size ?? 0,
        lastModified: entry.LastModified,
      }))
      const nextContinuationToken = response.IsTruncated ? response.NextContinuationToken : undefined
      return nextContinuationToken === undefined ? { objects } : { objects, nextContinuationToken }
    } catch (error) {
      throw toStorageError(error, 'listObjects', bucket)
    }
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    try {
      await this.#client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: bucket, Key: key }))
    } catch (error) {
      throw toStorageError(error, 'deleteObject', bucket, key)
    }
  }

  /** Closes the SDK's pooled connections. */
  destroy(): void {
    this.#client.destroy()
  }
}

/** Maps an SDK or network failure to our classes, keeping S3's code (or the system one). */
function toStorageError(error: unknown, operation: StorageOperation, bucket: string, key?: string): StorageError {
  if (error instanceof StorageError) return error
  const code = errorCode(error)
  if (code === 'NoSuchBucket') return new BucketNotFoundError(bucket, { operation, key, cause: error })
  if (code === 'NoSuchKey' && key !== undefined) return new ObjectNotFoundError(bucket, key, { operation, cause: error })
  const status = httpStatus(error)
  const retryable =
    RETRYABLE_CODES.has(code) || (status !== undefined && (status >= 500 || status === 429)) || sdkSaysRetryable(error)
  return new StorageError({ operation, bucket, key, code, retryable, cause: error })
}

/**
 * S3's error code: the SDK names service errors after it (`NoSuchBucket`, `AccessDenied`);
 * network failures carry a system code (`ECONNREFUSED`), sometimes inside an AggregateError.
 */
function errorCode(error: unknown): string {
  if (!isObject(error)) return 'UnknownError'
  // System errors first: the SDK attaches `$metadata` to those too, but only they carry `code`.
  if (typeof error.code === 'string') return error.code
  const status = httpStatus(error)
  if (status !== undefined) {
    const name = typeof error.Code === 'string' ? error.Code : typeof error.name === 'string' ? error.name : undefined
    if (name !== undefined && !['Unknown', 'UnknownError', 'Error'].includes(name)) return name
    return `HTTP${status}`
  }
  if (Array.isArray(error.errors) && isObject(error.errors[0]) && typeof error.errors[0].code === 'string') {
    return error.errors[0].code
  }
  return typeof error.name === 'string' && error.name !== 'Error' ? error.name : 'UnknownError'
}

function httpStatus(error: unknown): number | undefined {
  if (!isObject(error) || !isObject(error.$metadata)) return undefined
  const status = error.$metadata.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

function sdkSaysRetryable(error: unknown): boolean {
  return isObject(error) && isObject(error.$retryable)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
