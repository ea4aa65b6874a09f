/**
 * `opentrail cat OBJECT`: prints a delivered file as a reader sees it, decrypted (SSE-KMS by
 * the local key service) and gunzipped. OBJECT is a file under `<dataDir>/buckets/`, or
 * `s3://bucket/key` / `bucket/key` read through the configured store (the folder store, or
 * S3 when --s3-endpoint / OPENTRAIL_S3_ENDPOINT is set; S3 decrypts SSE-KMS itself).
 */
import { existsSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { withEncryption, KmsKeyStore } from '../kms/index.js'
import { FileObjectStore, objectStoreConfigFromEnv, openObjectStore } from '../storage/index.js'
import type { ObjectStore } from '../storage/index.js'
import { withDataDir } from './offline.js'

export interface CatFlags {
  dataDir?: string
  s3Endpoint?: string
  raw?: boolean
}

/** OBJECT names neither a file under the buckets folder nor `bucket/key`. */
export class ObjectArgumentError extends Error {
  override name = 'ObjectArgumentError'
  constructor(readonly object: string, readonly reason: string) {
    super(`${object}: ${reason}`)
  }
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])

export async function catObject(object: string, flags: CatFlags): Promise<void> {
  const body = await withDataDir(flags, async (services, { dataDir }) => {
    const kms = new KmsKeyStore(services.db, services.masterKey)
    const env = { ...process.env, ...(flags.s3Endpoint === undefined ? {} : { OPENTRAIL_S3_ENDPOINT: flags.s3Endpoint }) }
    const folderConfig = objectStoreConfigFromEnv({}, dataDir)
    const bucketsRoot = folderConfig.type === 'file' ? folderConfig.root : dataDir

    let store: ObjectStore
    let location: { bucket: string; key: string }
    if (!object.startsWith('s3://') && (isAbsolute(object) || existsSync(object))) {
      // A path on disk is always read from the folder store it lies in.
      location = pathLocation(object, bucketsRoot)
      store = withEncryption(new FileObjectStore(bucketsRoot), kms)
    } else {
      location = s3Location(object)
      store = withEncryption(openObjectStore(objectStoreConfigFromEnv(env, dataDir)), kms)
    }
    return (await store.getObject(location.bucket, location.key)).body
  })
  const text = !flags.raw && body.subarray(0, 2).equals(GZIP_MAGIC) ? gunzipSync(body) : body
  await new Promise<void>((resolveWrite, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolveWrite())))
}

function pathLocation(object: string, bucketsRoot: string): { bucket: string; key: string } {
  const inside = relative(bucketsRoot, resolve(object))
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new ObjectArgumentError(object, `not a file under ${bucketsRoot}`)
  }
  const [bucket, ...key] = inside.split(sep)
  if (key.length === 0) throw new ObjectArgumentError(object, 'is a bucket folder, not an object')
  return { bucket, key: key.join('/') }
}

function s3Location(object: string): { bucket: string; key: string } {
  const path = object.startsWith('s3://') ? object.slice('s3://'.length) : object
  const slash = path.indexOf('/')
  if (slash <= 0 || slash === path.length - 1) throw new ObjectArgumentError(object, 'expected s3://bucket/key, bucket/key or a file under the buckets folder')
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) }
}
