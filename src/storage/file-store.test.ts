/**
 * The folder store: the shared conformance suite, plus what only a folder has (the on-disk
 * layout other tools read, hidden sidecars and temp files, keys a folder cannot hold).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StorageError } from './errors.js'
import { FileObjectStore } from './file-store.js'
import { runObjectStoreSuite } from './store.case.js'

runObjectStoreSuite('file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'opentrail-store-'))
  const store = new FileObjectStore(root)
  const bucket = `bucket-${randomBytes(4).toString('hex')}`
  await store.createBucket(bucket)
  return { store, bucket, cleanup: () => rm(root, { recursive: true, force: true }) }
})

describe('FileObjectStore on disk', () => {
  let root: string
  let store: FileObjectStore
  const bucket = 'trail-bucket'

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'opentrail-store-'))
    store = new FileObjectStore(root)
    await store.createBucket(bucket)
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('keeps objects as plain files and metadata in a hidden sidecar tree', async () => {
    await store.putObject(bucket, 'AWSLogs/1/x.json.gz', Buffer.from('body'), {
      contentType: 'application/json',
      metadata: { signature: 'abc' },
    })
    expect(await readFile(join(root, bucket, 'AWSLogs', '1', 'x.json.gz'), 'utf8')).toBe('body')
    const sidecar = JSON.parse(await readFile(join(root, bucket, '.metadata', 'AWSLogs', '1', 'x.json.gz.json'), 'utf8'))
    expect(sidecar).toMatchObject({ version: 1, metadata: { signature: 'abc' }, contentType: 'application/json' })
    // No temp files are left behind next to the object.
    expect(await readdir(join(root, bucket, 'AWSLogs', '1'))).toEqual(['x.json.gz'])
  })

  it('names the file holding an object as stored, and refuses keys it refuses elsewhere', async () => {
    await store.putObject(bucket, 'AWSLogs/1/x.json.gz', Buffer.from('body'))
    expect(await readFile(await store.objectFile(bucket, 'AWSLogs/1/x.json.gz'), 'utf8')).toBe('body')
    await expect(store.objectFile(bucket, '../escape')).rejects.toThrow()
  })

  it('lists files put there by other tools, without metadata, and hides sidecars and temp files', async () => {
    await mkdir(join(root, bucket, 'copied'), { recursive: true })
    await writeFile(join(root, bucket, 'copied', 'by-hand.txt'), 'hi')
    await writeFile(join(root, bucket, 'copied', '.opentrail-tmp-crashed.1234'), 'partial')
    await store.putObject(bucket, 'own', Buffer.from('o'), { metadata: { signature: 's' } })

    const keys = (await store.listObjects(bucket)).objects.map((object) => object.key)
    expect(keys).toEqual(['copied/by-hand.txt', 'own'])
    expect(await store.getObject(bucket, 'copied/by-hand.txt')).toMatchObject({ metadata: {} })
  })

  it('refuses keys that a folder cannot hold or that would leave the bucket', async () => {
    for (const key of ['../escape', 'a//b', 'a/./b', '.metadata/x', 'trailing/', '', 'x/.opentrail-tmp-y']) {
      const error = await store.putObject(bucket, key, Buffer.from('x')).catch((caught: unknown) => caught)
      expect(error, key).toBeInstanceOf(StorageError)
      expect(error, key).toMatchObject({ code: 'UnsupportedKey', operation: 'putObject' })
    }
    const tooLong = await store.putObject(bucket, 'k'.repeat(1025), Buffer.from('x')).catch((caught: unknown) => caught)
    expect(tooLong).toMatchObject({ code: 'KeyTooLongError' })
    expect(await readdir(root)).toEqual([bucket])
  })

  it('reports a key that is also a folder as UnsupportedKey', async () => {
    await store.putObject(bucket, 'a', Buffer.from('file'))
    await expect(store.putObject(bucket, 'a/b', Buffer.from('x'))).rejects.toMatchObject({ code: 'UnsupportedKey' })
    await store.putObject(bucket, 'c/d', Buffer.from('x'))
    await expect(store.putObject(bucket, 'c', Buffer.from('x'))).rejects.toMatchObject({ code: 'UnsupportedKey' })
    expect((await store.getObject(bucket, 'a')).body.toString()).toBe('file')
  })

  it('refuses bucket names that are not S3 bucket names', async () => {
    for (const name of ['..', 'UPPER', 'a', 'has/slash', '.metadata']) {
      await expect(store.createBucket(name), name).rejects.toMatchObject({ code: 'InvalidBucketName' })
      expect(await store.bucketExists(name)).toBe(false)
    }
  })

  it('surfaces file system failures with their errno code', async () => {
    // One path segment longer than a file name may be (255 bytes), though the key is legal in S3.
    const error = await store.putObject(bucket, `long/${'n'.repeat(300)}`, Buffer.from('x')).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ operation: 'putObject', bucket, code: 'ENAMETOOLONG', retryable: false })
  })

  it('treats a bucket folder replaced by a file as a missing bucket', async () => {
    await rm(join(root, bucket), { recursive: true })
    await writeFile(join(root, bucket), 'not a folder')
    await expect(store.putObject(bucket, 'k', Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchBucket' })
  })

  it('fails loudly on a corrupt metadata sidecar instead of dropping the metadata', async () => {
    await mkdir(join(root, bucket, '.metadata'), { recursive: true })
    await writeFile(join(root, bucket, '.metadata', 'k.json'), '{not json')
    await writeFile(join(root, bucket, 'k'), 'v')
    const error = await store.getObject(bucket, 'k').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ operation: 'getObject', key: 'k', retryable: false })
  })
})
