/**
 * `opentrail validate-logs`: the AWS CLI's `aws cloudtrail validate-logs`, with the same
 * arguments, messages and summary. Without --s3-bucket the running service is asked for the
 * trail's bucket (DescribeTrails); public keys always come from its ListPublicKeys. Objects
 * are read from the folder store of --data-dir, or from S3 when an S3 endpoint is given.
 * Beyond the AWS CLI: log files that no digest lists are reported, and fail the check.
 */
import { join } from 'node:path'
import { DescribeTrailsCommand, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail'
import cliProgress from 'cli-progress'
import { parseDuration } from '../config/index.js'
import { DEFAULT_PENDING_GRACE_SECONDS, formatReport, validateLogs } from '../integrity/index.js'
import type { PublicKey, ValidationEvent } from '../integrity/index.js'
import { KmsKeyStore, withEncryption } from '../kms/index.js'
import { FileObjectStore, S3ObjectStore } from '../storage/index.js'
import type { ObjectStore } from '../storage/index.js'
import { cloudTrailClient } from './client.js'
import type { ClientFlags } from './client.js'
import { withDataDir } from './offline.js'

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
  const client = cloudTrailClient(flags)
  const region = await client.config.region()
  const arnAccount = flags.trailArn.split(':')[4]

  let bucket = flags.s3Bucket
  let prefix = flags.s3Prefix
  if (bucket === undefined) {
    // As the AWS CLI does: all trails visible in the Region (shadow trails included), matched by ARN.
    const { trailList = [] } = await client.send(new DescribeTrailsCommand({}))
    const trail = trailList.find((t) => t.TrailARN === flags.trailArn)
    if (!trail?.S3BucketName) throw new TrailLookupError(flags.trailArn)
    bucket = trail.S3BucketName
    prefix ??= trail.S3KeyPrefix
  }

  const publicKeys = async (start: Date, end: Date): Promise<PublicKey[]> => {
    const out = await client.send(new ListPublicKeysCommand({ StartTime: start, EndTime: end }))
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
async function withStore<T>(flags: ValidateLogsFlags, work: (store: ObjectStore) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
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
  return withDataDir({ dataDir: flags.dataDir }, (services, { dataDir }) =>
    work(withEncryption(new FileObjectStore(join(dataDir, 'buckets')), new KmsKeyStore(services.db, services.masterKey))),
  )
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
  let bar: cliProgress.SingleBar | undefined
  const timer = setTimeout(() => {
    bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'validating: {value} files checked, {invalid} invalid', clearOnComplete: true, hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    bar.start(0, files, { invalid })
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
