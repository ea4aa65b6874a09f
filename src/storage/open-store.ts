/**
 * Picks an object store from configuration: a folder (`type: 'file'`, the default) or an
 * S3-compatible service (`type: 's3'`). The environment helper is a pure parse; opening
 * does no I/O either (buckets are created or checked by whoever uses the store).
 */
import { join } from 'node:path'
import { StorageConfigError } from './errors.js'
import { FileObjectStore } from './file-store.js'
import { S3ObjectStore } from './s3-store.js'
import type { ObjectStore } from './types.js'

export interface FileStoreConfig {
  type: 'file'
  /** The folder holding one sub-folder per bucket. */
  root: string
}

export interface S3StoreConfig {
  type: 's3'
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  /** Give both or neither; without them the SDK's default credential chain applies. */
  accessKeyId?: string
  secretAccessKey?: string
}

export type ObjectStoreConfig = FileStoreConfig | S3StoreConfig

/** Folder, under the data folder, of the default store's buckets. */
export const DEFAULT_BUCKETS_FOLDER = 'buckets'

/**
 * @example
 * const store = openObjectStore(objectStoreConfigFromEnv(process.env, '/var/lib/opentrail'))
 */
export function openObjectStore(config: ObjectStoreConfig): ObjectStore {
  if (config.type === 'file') return new FileObjectStore(config.root)
  const { accessKeyId, secretAccessKey } = config
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new StorageConfigError('accessKeyId', 'accessKeyId and secretAccessKey go together')
  }
  return new S3ObjectStore({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : undefined,
  })
}

/**
 * S3 when OPENTRAIL_S3_ENDPOINT is set (path style with OPENTRAIL_S3_FORCE_PATH_STYLE=true|1,
 * credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, Region from AWS_REGION or
 * AWS_DEFAULT_REGION); otherwise folders under `<dataDir>/buckets`.
 */
export function objectStoreConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
): Readonly<ObjectStoreConfig> {
  const endpoint = nonEmpty(env.OPENTRAIL_S3_ENDPOINT)
  if (endpoint === undefined) return Object.freeze({ type: 'file', root: join(dataDir, DEFAULT_BUCKETS_FOLDER) })
  const pathStyle = nonEmpty(env.OPENTRAIL_S3_FORCE_PATH_STYLE)?.toLowerCase()
  return Object.freeze({
    type: 's3',
    endpoint,
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    forcePathStyle: pathStyle === 'true' || pathStyle === '1',
    accessKeyId: nonEmpty(env.AWS_ACCESS_KEY_ID),
    secretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
  })
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
