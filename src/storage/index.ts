/**
 * @module storage
 * Object stores where trails deliver log files and digests: a local folder or any
 * S3-compatible service, behind one `ObjectStore` interface.
 */
/** The interface every store implements. */
export type {
  ListObjectsOptions,
  ListObjectsPage,
  ObjectStore,
  ObjectSummary,
  PutObjectOptions,
  StoredObject,
} from './types.js'
/** Typed failures; `code` is S3's error code (or a system one such as ECONNREFUSED). */
export {
  BucketNotFoundError,
  ObjectNotFoundError,
  StorageConfigError,
  StorageError,
  errorCodeOf,
  type StorageErrorFields,
  type StorageOperation,
} from './errors.js'
/** The two implementations. */
export { FileObjectStore } from './file-store.js'
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-store.js'
/** Choosing one from configuration or the environment. */
export {
  openObjectStore,
  objectStoreConfigFromEnv,
  type ObjectStoreConfig,
  type FileStoreConfig,
  type S3StoreConfig,
} from './open-store.js'
