/**
 * The service's configuration: a pure, synchronous parse of flags and environment into a
 * frozen typed value; `startApp` does the I/O. Options are nouns with their unit.
 */
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'

export const DEFAULT_PORT = 4580
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_DATA_DIR = '.opentrail'
export const DEFAULT_RETENTION_DAYS = 90
export const DEFAULT_REGION = 'us-east-1'
export const DEFAULT_DELIVERY_INTERVAL_MS = 60_000
export const DEFAULT_DIGEST_INTERVAL_MS = 3_600_000
/** How often the retention job runs. */
export const RETENTION_SWEEP_INTERVAL_MS = 3_600_000

export interface S3Settings {
  endpoint: string
  region: string
  forcePathStyle: boolean
}

export interface AppConfig {
  host: string
  port: number
  dataDir: string
  retentionDays: number
  /** The region of the installation's own resources (default trail, default channel). */
  region: string
  deliveryIntervalMs: number
  digestIntervalMs: number
  /** Worker threads converting PutAuditEvents batches; 0 converts on the event loop. */
  ingestThreads: number
  s3?: S3Settings
  admin?: { accessKeyId: string; secretAccessKey: string }
  logLevel: string
}

export interface ConfigFlags {
  host?: string
  port?: string | number
  dataDir?: string
  retentionDays?: string | number
  region?: string
  deliveryInterval?: string
  digestInterval?: string
  ingestThreads?: string | number
  s3Endpoint?: string
  logLevel?: string
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

export function parseConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Readonly<AppConfig> {
  const port = toInt(flags.port ?? env.OPENTRAIL_PORT ?? DEFAULT_PORT, 'port')
  if (port < 0 || port > 65535) throw new ConfigError(`port must be 0-65535, got ${port}`)
  const retentionDays = toInt(flags.retentionDays ?? env.OPENTRAIL_RETENTION_DAYS ?? DEFAULT_RETENTION_DAYS, 'retention days')
  if (retentionDays < 1) throw new ConfigError('retention days must be at least 1')
  const adminId = env.OPENTRAIL_ADMIN_ACCESS_KEY_ID
  const adminSecret = env.OPENTRAIL_ADMIN_SECRET_ACCESS_KEY
  if ((adminId === undefined) !== (adminSecret === undefined)) {
    throw new ConfigError('set both OPENTRAIL_ADMIN_ACCESS_KEY_ID and OPENTRAIL_ADMIN_SECRET_ACCESS_KEY, or neither')
  }
  if (adminId !== undefined && !/^[A-Z0-9]{16,128}$/.test(adminId)) {
    throw new ConfigError('OPENTRAIL_ADMIN_ACCESS_KEY_ID must be 16-128 upper-case letters and digits')
  }
  if (adminSecret !== undefined && adminSecret.length < 8) throw new ConfigError('OPENTRAIL_ADMIN_SECRET_ACCESS_KEY must be at least 8 characters')
  const ingestThreads = toInt(flags.ingestThreads ?? env.OPENTRAIL_INGEST_THREADS ?? defaultIngestThreads(), 'ingest threads')
  if (ingestThreads < 0 || ingestThreads > 64) throw new ConfigError(`ingest threads must be 0-64, got ${ingestThreads}`)
  const s3Endpoint = flags.s3Endpoint ?? env.OPENTRAIL_S3_ENDPOINT
  return Object.freeze({
    host: flags.host ?? env.OPENTRAIL_HOST ?? DEFAULT_HOST,
    port,
    dataDir: resolve(flags.dataDir ?? env.OPENTRAIL_DATA_DIR ?? DEFAULT_DATA_DIR),
    retentionDays,
    region: flags.region ?? env.OPENTRAIL_REGION ?? DEFAULT_REGION,
    deliveryIntervalMs: parseDuration(flags.deliveryInterval ?? env.OPENTRAIL_DELIVERY_INTERVAL ?? `${DEFAULT_DELIVERY_INTERVAL_MS}ms`),
    digestIntervalMs: parseDuration(flags.digestInterval ?? env.OPENTRAIL_DIGEST_INTERVAL ?? `${DEFAULT_DIGEST_INTERVAL_MS}ms`),
    ingestThreads,
    s3: s3Endpoint
      ? {
          endpoint: s3Endpoint,
          region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
          forcePathStyle: /^(1|true|yes)$/i.test(env.OPENTRAIL_S3_FORCE_PATH_STYLE ?? ''),
        }
      : undefined,
    admin: adminId && adminSecret ? { accessKeyId: adminId, secretAccessKey: adminSecret } : undefined,
    logLevel: flags.logLevel ?? env.OPENTRAIL_LOG_LEVEL ?? 'info',
  })
}

/** One thread fewer than the cores (the event loop has one), at least one. */
export function defaultIngestThreads(): number {
  return Math.max(1, availableParallelism() - 1)
}

function toInt(value: string | number, what: string): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(n)) throw new ConfigError(`${what} must be a whole number, got ${value}`)
  return n
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses `500ms`, `10s`, `5m`, `1h`, `2d` (a bare number is seconds). */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim())
  if (!m) throw new ConfigError(`not a duration: ${value} (use e.g. 500ms, 10s, 5m, 1h, 2d)`)
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!)
}
