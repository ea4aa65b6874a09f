/**
 * `opentrail validate-logs`: the AWS CLI's `aws cloudtrail validate-logs`, with the same
 * arguments, messages and summary. Without --s3-bucket the running service is asked for the
 * trail's bucket (DescribeTrails); public keys always come from its ListPublicKeys. Objects
 * are read from the folder store of --data-dir, or from S3 when an S3 endpoint is given.
 * Beyond the AWS CLI: log files that no digest lists are reported, and fail the check.
 */
import { join } from 'node:path'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import type cliProgress from 'cli-progress'
import { parseConfig, parseDuration } from '../config/index.js'
// Start-up is part of this command's time (measured: a third of a run over 280 MB of logs),
// so it loads only what it runs. The validator and report come from their files, not
// integrity's index.js, which also loads the service's API and HTTP server; SSE_METADATA
// from its file, not kms' index.js, which loads the key service. The key service and the
// data dir are loaded only for a log file encrypted at rest (FolderStoreReader).
import { DEFAULT_PENDING_GRACE_SECONDS, validateLogs } from '../integrity/validate.js'
import type { LogStore, PublicKey } from '../integrity/validate.js'
import { formatReport } from '../integrity/report.js'
import type { ValidationEvent } from '../integrity/report.js'
import { SSE_METADATA } from '../kms/encrypting-store.js'
import { FileObjectStore, S3ObjectStore } from '../storage/index.js'
import type { ListObjectsOptions, ListObjectsPage, ObjectStore, StoredObject } from '../storage/index.js'
import { clientRegion, cloudTrailClient, cloudTrailSdk } from './client.js'
import type { ClientFlags } from './client.js'

export interface ValidateLogsFlags extends ClientFlags {
  trailArn: string
  startTime: string
  endTime?: string
  s3Bucket?: string
  s3Prefix?: string
  accountId?: string
  verbose?: boolean
  dataDir?: string
  s3Endpoint?: string
  pendingGrace?: string
}

/** A run lasting longer than this shows a progress bar (when stderr is a terminal). */
const PROGRESS_AFTER_MS = 1_000

/** Runs the check and prints the report; resolves to the exit status (1 when anything is invalid or missing). */
export async function validateLogsCommand(flags: ValidateLogsFlags): Promise<number> {
  const startTime = parseTime(flags.startTime, '--start-time')
  const endTime = flags.endTime === undefined ? undefined : parseTime(flags.endTime, '--end-time')
  const region = clientRegion(flags)
  const arnAccount = flags.trailArn.split(':')[4]
  // The AWS SDK takes a fifth of a small run to load, blocking the event loop: it is loaded
  // when first used, after validateLogs has started hashing the first log files (it asks for
  // the public keys then; one turn of the event loop lets those reach libuv's threads).
  let client: CloudTrailClient | undefined
  const sdkClient = async (): Promise<CloudTrailClient> => {
    if (!client) await new Promise((resolve) => setImmediate(resolve))
    return (client ??= cloudTrailClient(flags))
  }

  let bucket = flags.s3Bucket
  let prefix = flags.s3Prefix
  if (bucket === undefined) {
    // As the AWS CLI does: all trails visible in the Region (shadow trails included), matched by ARN.
    const { trailList = [] } = await (await sdkClient()).send(new (cloudTrailSdk().DescribeTrailsCommand)({}))
    const trail = trailList.find((t) => t.TrailARN === flags.trailArn)
    if (!trail?.S3BucketName) throw new TrailLookupError(flags.trailArn)
    bucket = trail.S3BucketName
    prefix ??= trail.S3KeyPrefix
  }

  const publicKeys = async (start: Date, end: Date): Promise<PublicKey[]> => {
    const out = await (await sdkClient()).send(new (cloudTrailSdk().ListPublicKeysCommand)({ StartTime: start, EndTime: end }))
    return (out.PublicKeyList ?? []).map((k) => ({
      Value: Buffer.from(k.Value ?? new Uint8Array()),
      ValidityStartTime: k.ValidityStartTime,
      ValidityEndTime: k.ValidityEndTime,
      Fingerprint: k.Fingerprint ?? '',
    }))
  }

  const progress = startProgress()
  try {
    const result = await withStore(flags, (store) => validateLogs({
      store,
      bucket,
      prefix: prefix?.replace(/\/+$/, '') || undefined,
      accountId: flags.accountId ?? arnAccount,
      region,
      trailArn: flags.trailArn,
      startTime,
      endTime,
      publicKeys,
      pendingGraceSeconds: flags.pendingGrace === undefined ? DEFAULT_PENDING_GRACE_SECONDS : parseDuration(flags.pendingGrace) / 1000,
      onProgress: progress.update,
      ownBodies: true, // both stores read each object into a buffer of its own
    }))
    progress.stop()
    for (const chunk of formatReport(result, { verbose: flags.verbose }).chunks) {
      await write(chunk.stream === 'stdout' ? process.stdout : process.stderr, chunk.text)
    }
    return result.exitCode
  } finally {
    progress.stop()
  }
}

/** The trail ARN is not among the trails DescribeTrails lists (the AWS CLI's wording). */
export class TrailLookupError extends Error {
  override readonly name = 'TrailLookupError'
  constructor(readonly trailArn: string) {
    super(`A trail could not be found for ${trailArn}`)
  }
}

/**
 * S3 when an endpoint is given (flag, OPENTRAIL_S3_ENDPOINT or AWS_ENDPOINT_URL_S3), else the
 * data dir's bucket folders, read through the data dir's key service so SSE-KMS log files
 * are checked decrypted (S3 decrypts them itself).
 */
async function withStore<T>(flags: ValidateLogsFlags, work: (store: LogStore) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const endpoint = flags.s3Endpoint ?? (env.OPENTRAIL_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || undefined)
  if (endpoint !== undefined) {
    const pathStyle = env.OPENTRAIL_S3_FORCE_PATH_STYLE
    return work(new S3ObjectStore({
      endpoint,
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      // A custom endpoint (MinIO, moto, ...) rarely has per-bucket host names.
      forcePathStyle: pathStyle === undefined || pathStyle === '' ? true : /^(1|true|yes)$/i.test(pathStyle),
    }))
  }
  const store = new FolderStoreReader(flags.dataDir)
  try {
    return await work(store)
  } finally {
    await store.close()
  }
}

/**
 * The data dir's bucket folders as the service wrote them: objects encrypted at rest are
 * read through the data dir's key service (withEncryption), opened at the first such object.
 * Opening the data dir loads most of the app, about a fifth of a second that trails without
 * a KMS key never need.
 */
class FolderStoreReader implements LogStore {
  readonly #dataDirFlag: string | undefined
  readonly #plain: FileObjectStore
  #decrypting: Promise<{ store: ObjectStore; close: () => Promise<void> }> | undefined

  constructor(dataDir: string | undefined) {
    this.#dataDirFlag = dataDir
    this.#plain = new FileObjectStore(join(parseConfig({ dataDir }).dataDir, 'buckets'))
  }

  async getObject(bucket: string, key: string): Promise<StoredObject> {
    const object = await this.#plain.getObject(bucket, key)
    // An encrypted object is read again by the decrypting store: rare, and its code stays the one.
    return isEncrypted(object.metadata) ? (await this.#decryptingStore()).getObject(bucket, key) : object
  }

  async headObject(bucket: string, key: string): Promise<{ metadata: Record<string, string>; size: number } | undefined> {
    const head = await this.#plain.headObject(bucket, key)
    return head && isEncrypted(head.metadata) ? (await this.#decryptingStore()).headObject(bucket, key) : head
  }

  /**
   * An encrypted object's file holds ciphertext, which does not hash to its digest's value:
   * validateLogs then reads it through getObject, which decrypts it.
   */
  objectFile(bucket: string, key: string): Promise<string> {
    return this.#plain.objectFile(bucket, key)
  }

  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsPage> {
    return this.#plain.listObjects(bucket, options)
  }

  async close(): Promise<void> {
    // A data dir that failed to open has nothing to close (its failure was thrown to the reader).
    const opened = await this.#decrypting?.catch(() => undefined)
    await opened?.close()
  }

  async #decryptingStore(): Promise<ObjectStore> {
    this.#decrypting ??= (async () => {
      const [{ openDataDir }, { KmsKeyStore, withEncryption }] = await Promise.all([import('./offline.js'), import('../kms/index.js')])
      const opened = openDataDir({ dataDir: this.#dataDirFlag })
      const kms = new KmsKeyStore(opened.services.db, opened.services.masterKey)
      return { store: withEncryption(this.#plain, kms), close: opened.close }
    })()
    return (await this.#decrypting).store
  }
}

function isEncrypted(metadata: Record<string, string>): boolean {
  return metadata[SSE_METADATA.algorithm] !== undefined
}

interface Progress {
  update: (event: ValidationEvent) => void
  stop: () => void
}

/** A counter on stderr, shown only on a terminal and only once the run takes a while. */
function startProgress(): Progress {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined }
  let files = 0
  let invalid = 0
  let stopped = false
  let bar: cliProgress.SingleBar | undefined
  const timer = setTimeout(() => {
    // Loaded only when shown: most runs end before.
    void import('cli-progress').then(({ default: { SingleBar, Presets } }) => {
      if (stopped) return
      bar = new SingleBar(
        { stream: process.stderr, format: 'validating: {value} files checked, {invalid} invalid', clearOnComplete: true, hideCursor: true },
        Presets.shades_classic,
      )
      bar.start(0, files, { invalid })
    })
  }, PROGRESS_AFTER_MS)
  timer.unref()
  return {
    update(event) {
      if (event.type !== 'digest' && event.type !== 'log' && event.type !== 'unreferenced') return
      files += 1
      if (event.type === 'unreferenced' || !event.valid) invalid += 1
      bar?.setTotal(files)
      bar?.update(files, { invalid })
    },
    stop() {
      stopped = true
      clearTimeout(timer)
      bar?.stop()
      bar = undefined
    },
  }
}

function parseTime(value: string, flag: string): Date {
  const date = new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value)
  if (Number.isNaN(date.getTime())) throw new Error(`${flag} must be a date (ISO 8601 or epoch seconds), got ${value}`)
  return date
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolveWrite) => (stream.write(text) ? resolveWrite() : stream.once('drain', () => resolveWrite())))
}
