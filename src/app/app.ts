/**
 * Wiring: opens the data dir, the journal and its projections, and serves the API.
 * Startup is the recovery path: every projection resumes from its durable cursor.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { AccountStore, loadOrCreateMasterKey } from '../accounts/index.js'
import type { NewAccessKey } from '../accounts/index.js'
import { buildApiServer } from '../api/index.js'
import { ChannelStore, ConversionPool, channelOperations, putAuditEventsHandler } from '../channels/index.js'
import { HISTORY_PROJECTION_NAME, HistoryIndex, ThreadHistoryWriter, dropHistoryTables, lookupOperations } from '../history/index.js'
import { TrailDigests, integrityOperations } from '../integrity/index.js'
import { SigningKeyStore } from '../keys/index.js'
import { KmsKeyStore, withEncryption } from '../kms/index.js'
import { TopicError, TopicNotifier, TopicStore } from '../notifications/index.js'
import { ProjectionRunner, SqliteJournal, openDatabase } from '../journal/index.js'
import type { Journal } from '../journal/index.js'
import { openObjectStore } from '../storage/index.js'
import type { ObjectStore, ObjectStoreConfig } from '../storage/index.js'
import { SqliteTrailStore, ensureDefaultTrail, trailOperations } from '../trails/index.js'
import { TrailDeliveryService } from '../delivery/index.js'
import { RETENTION_SWEEP_INTERVAL_MS } from '../config/index.js'
import type { AppConfig } from '../config/index.js'

import { sweepRetention } from './retention.js'
import { createHmac } from 'node:crypto'

export interface RunningApp {
  url: string
  /** The installation's own account (the admin key's). */
  accountId: string
  /** Set on first start only: the admin key, to be shown once. */
  firstAdminKey?: NewAccessKey
  journal: Journal
  accounts: AccountStore
  close(): Promise<void>
}

export interface AppServices {
  db: ReturnType<typeof openDatabase>
  journal: SqliteJournal
  accounts: AccountStore
  channels: ChannelStore
  /** Where trails deliver: `<dataDir>/buckets`, or the S3-compatible store of `--s3-endpoint`. */
  objectStore: ObjectStore
  trails: SqliteTrailStore
  /** KMS-like keys: a trail's KmsKeyId, encryption of log files at rest. */
  kms: KmsKeyStore
  /** Notification topics: a trail's SnsTopicName. */
  topics: TopicStore
  masterKey: Buffer
  accountId: string
  firstAdminKey?: NewAccessKey
  /** Creates an account (and its default channel) if it does not exist yet. */
  ensureAccount(accountId: string): void
  close(): Promise<void>
}

/** Opens the data dir without serving: what both `serve` and the offline commands (keys, import) need. */
export function openServices(config: Pick<AppConfig, 'dataDir' | 'region' | 'admin' | 's3'>): AppServices {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const db = openDatabase(join(config.dataDir, 'opentrail.db'))
  const masterKey = loadOrCreateMasterKey(config.dataDir)
  const accounts = new AccountStore(db, masterKey)
  const channels = new ChannelStore(db)
  const journal = new SqliteJournal(db)
  const trails = new SqliteTrailStore(db)
  const kms = new KmsKeyStore(db, masterKey)
  const topics = new TopicStore(db)
  // Folder stores encrypt SSE-KMS puts with the local key service; S3 does SSE-KMS itself.
  const objectStore = withEncryption(openObjectStore(objectStoreConfig(config)), kms)

  let accountId = accounts.getSetting('installation_account_id')
  let firstAdminKey: NewAccessKey | undefined
  if (!accountId) {
    accountId = AccountStore.newAccountId()
    accounts.ensureAccount(accountId)
    accounts.setSetting('installation_account_id', accountId)
  }
  if (accounts.countAccessKeys() === 0) {
    firstAdminKey = accounts.createAccessKey(accountId, 'admin', config.admin)
  } else if (config.admin && !accounts.lookupSecret(config.admin.accessKeyId)) {
    accounts.createAccessKey(accountId, 'admin', config.admin)
  }
  const ensureAccount = (id: string): void => {
    accounts.ensureAccount(id)
    channels.ensureDefault(id, config.region)
  }
  for (const { accountId: id } of accounts.listAccounts()) ensureAccount(id)

  return {
    db,
    journal,
    accounts,
    channels,
    objectStore,
    trails,
    kms,
    topics,
    masterKey,
    accountId,
    firstAdminKey,
    ensureAccount,
    async close() {
      channels.flushIngestion()
      await journal.close()
      db.close()
    },
  }
}

export async function startApp(config: AppConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningApp> {
  const services = openServices(config)
  const { db, journal, accounts, channels, masterKey, trails, objectStore, kms, topics } = services

  // Event History's index has a database of its own, so that a thread of its own can write it
  // while the event loop writes the journal (SQLite allows one writer per database).
  const historyPath = join(config.dataDir, 'history.db')
  const historyDb = openDatabase(historyPath)
  if (dropHistoryTables(db)) logger.info({ historyPath }, 'Event History moves to a file of its own; rebuilding it from the journal')
  const history = new HistoryIndex(historyDb, journal, {
    tokenKey: derivedKey(masterKey, 'lookup-next-token'),
    // Lookups without a StartTime see the whole retention window.
    defaultWindowMs: config.retentionDays * 86_400_000,
    ...(config.ingestThreads > 0 && { writer: new ThreadHistoryWriter(historyPath) }),
  })
  if ((await journal.getCursor(HISTORY_PROJECTION_NAME)) > history.indexedHead) await journal.setCursor(HISTORY_PROJECTION_NAME, history.indexedHead)
  const signingKeys = new SigningKeyStore(db, derivedKey(masterKey, 'digest-signing-keys'))
  // Digests of trails with log file validation; delivery reports each log file through digests.onLogFileDelivered.
  const digests = new TrailDigests({
    db,
    signer: signingKeys,
    store: objectStore,
    trails,
    intervalMs: config.digestIntervalMs,
    // Events logged before a StopLogging are still delivered for up to about one delivery interval.
    stopGraceMs: 2 * config.deliveryIntervalMs,
    onError: (err, trail) => logger.warn({ err, trail }, 'digest delivery failed'),
  })
  const runners = [new ProjectionRunner(journal, history, { onError: (name, err) => logger.error({ err, projection: name }, 'projection failed') })]
  for (const runner of runners) runner.start()
  // Ready means searchable: after a crash, Event History first catches up with the journal.
  await runners[0]!.caughtUp()

  const conversions = new ConversionPool({ threads: config.ingestThreads })
  const server = buildApiServer({
    keys: accounts,
    operations: {
      ...lookupOperations(history),
      ...channelOperations(channels),
      ...integrityOperations(signingKeys),
      ...trailOperations({
        store: trails,
        objectStore,
        createMissingBuckets: objectStore.kind === 'file',
        journalHead: () => journal.head(),
        kmsKeyResolver: (ref, accountId, region) => kms.resolve(ref, accountId, region),
      }),
    },
    dataPlane: putAuditEventsHandler(channels, journal, conversions),
    recordOwnCall: async (record, options) => {
      await journal.append([{ record }], options)
    },
    installationAccountId: services.accountId,
    logger,
  })

  const retentionDeps = { accounts, history, journal, retentionDays: config.retentionDays }
  const retention = setInterval(
    () => void sweepRetention(retentionDeps).catch((err: unknown) => logger.error({ err }, 'retention sweep failed')),
    RETENTION_SWEEP_INTERVAL_MS,
  )
  retention.unref()
  await sweepRetention(retentionDeps)

  // A new installation's default trail. A failure (object store down) must not keep the API
  // from starting; nothing is remembered then, so the next start tries again.
  await ensureDefaultTrail(trails, objectStore, { accountId: services.accountId, region: config.region, head: await journal.head() }).catch(
    (err: unknown) => logger.error({ err }, 'could not create the default trail'),
  )

  const notifier = new TopicNotifier(topics)
  // Trail delivery: each trail resumes from its durable cursor, first finishing a plan a crash left.
  const delivery = new TrailDeliveryService(
    {
      db,
      journal,
      trails,
      objects: objectStore,
      onLogFileDelivered: async (trail, file) => digests.onLogFileDelivered(trail, file),
      notifier: async (trail, message) => {
        const result = await notifier.publish(trail.accountId, trail.snsTopicName!, message, { region: trail.homeRegion })
        // GetTrailStatus shows the first subscriber's failure, as CloudTrail shows SNS's error code.
        if (result.error) throw new TopicError(result.failures[0]?.error ?? 'NotificationFailed', result.error)
      },
      onError: (trail, err) => logger.warn({ err, trail }, 'trail delivery failed; will retry'),
    },
    { deliveryIntervalMs: config.deliveryIntervalMs },
  )
  await delivery.start()
  digests.start()
  void digests.tick()

  await server.listen({ host: config.host, port: config.port })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  return {
    url,
    accountId: services.accountId,
    firstAdminKey: services.firstAdminKey,
    journal,
    accounts,
    async close() {
      clearInterval(retention)
      await server.close()
      await conversions.close()
      // Shutdown delivers what is pending; whatever fails stays planned for the next start.
      await delivery.flush().catch((err: unknown) => logger.warn({ err }, 'trail delivery at shutdown failed'))
      await delivery.close()
      await digests.close()
      for (const runner of runners) await runner.stop()
      await history.close()
      historyDb.close()
      await services.close()
    },
  }
}

/**
 * The object store trails deliver to: the S3-compatible service of `--s3-endpoint`
 * (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the SDK's chain), or
 * folders under `<dataDir>/buckets`.
 */
function objectStoreConfig(config: Pick<AppConfig, 'dataDir' | 's3'>, env: NodeJS.ProcessEnv = process.env): ObjectStoreConfig {
  if (!config.s3) return { type: 'file', root: join(config.dataDir, 'buckets') }
  const accessKeyId = env.AWS_ACCESS_KEY_ID || undefined
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY || undefined
  return {
    type: 's3',
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    ...(accessKeyId && secretAccessKey && { accessKeyId, secretAccessKey }),
  }
}

/** A purpose-bound key derived from the master key, so one secret never serves two uses. */
function derivedKey(masterKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', masterKey).update(purpose).digest()
}
