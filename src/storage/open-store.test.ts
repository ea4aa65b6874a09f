/** Choosing a store from configuration and from the environment. */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StorageConfigError } from './errors.js'
import { FileObjectStore } from './file-store.js'
import { objectStoreConfigFromEnv, openObjectStore } from './open-store.js'
import { S3ObjectStore } from './s3-store.js'

describe('objectStoreConfigFromEnv', () => {
  it('chooses folders under <dataDir>/buckets without an S3 endpoint', () => {
    expect(objectStoreConfigFromEnv({}, '/var/lib/opentrail')).toEqual({ type: 'file', root: '/var/lib/opentrail/buckets' })
    expect(objectStoreConfigFromEnv({ OPENTRAIL_S3_ENDPOINT: '' }, '/d')).toEqual({ type: 'file', root: '/d/buckets' })
  })

  it('chooses S3 when OPENTRAIL_S3_ENDPOINT is set, with credentials and Region from AWS_*', () => {
    const config = objectStoreConfigFromEnv(
      {
        OPENTRAIL_S3_ENDPOINT: 'http://minio:9000',
        OPENTRAIL_S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'AKID',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_DEFAULT_REGION: 'eu-west-1',
      },
      '/d',
    )
    expect(config).toEqual({
      type: 's3',
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      accessKeyId: 'AKID',
      secretAccessKey: 'secret',
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('prefers AWS_REGION and reads path style from "1", "true" only', () => {
    const base = { OPENTRAIL_S3_ENDPOINT: 'http://s3', AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-west-1' }
    expect(objectStoreConfigFromEnv(base, '/d')).toMatchObject({ region: 'ap-south-1', forcePathStyle: false })
    expect(objectStoreConfigFromEnv({ ...base, OPENTRAIL_S3_FORCE_PATH_STYLE: '1' }, '/d')).toMatchObject({ forcePathStyle: true })
    expect(objectStoreConfigFromEnv({ ...base, OPENTRAIL_S3_FORCE_PATH_STYLE: 'no' }, '/d')).toMatchObject({ forcePathStyle: false })
  })
})

describe('openObjectStore', () => {
  it('opens a folder store that writes under its root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'opentrail-open-'))
    try {
      const store = openObjectStore({ type: 'file', root })
      expect(store).toBeInstanceOf(FileObjectStore)
      expect(store.kind).toBe('file')
      await store.createBucket('trail-logs')
      expect((await stat(join(root, 'trail-logs'))).isDirectory()).toBe(true)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('opens an S3 store', () => {
    const store = openObjectStore({ type: 's3', endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', accessKeyId: 'a', secretAccessKey: 'b' })
    expect(store).toBeInstanceOf(S3ObjectStore)
    expect(store.kind).toBe('s3')
    expect((store as S3ObjectStore).region).toBe('eu-west-1')
    ;(store as S3ObjectStore).destroy()
  })

  it('refuses an access key id without its secret', () => {
    expect(() => openObjectStore({ type: 's3', accessKeyId: 'a' })).toThrow(StorageConfigError)
  })
})
