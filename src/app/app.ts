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
import { ChannelStore, channelOperations, putAuditEventsHandler } from '../channels/index.js'
import { HistoryIndex } from '../history/index.js'
import { ProjectionRunner, SqliteJournal, openDatabase } from '../journal/index.js'
import type { Journal } from '../journal/index.js'
import type { AppConfig } from './config.js'
import { RETENTION_SWEEP_INTERVAL_MS } from './config.js'
import { lookupOperations } from './lookup-events.js'
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
  masterKey: Buffer
  accountId: string
  firstAdminKey?: NewAccessKey
  /** Creates an account (and its default channel) if it does not exist yet. */
  ensureAccount(accountId: string): void
  close(): Promise<void>
}

/** Opens the data dir without serving: what both `serve` and the offline commands (keys, import) need. */
export function openServices(config: Pick<AppConfig, 'dataDir' | 'region' | 'admin'>): AppServices {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const db = openDatabase(join(config.dataDir, 'opentrail.db'))
  const masterKey = loadOrCreateMasterKey(config.dataDir)
  const accounts = new AccountStore(db, masterKey)
  const channels = new ChannelStore(db)
  const journal = new SqliteJournal(db)

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
    masterKey,
    accountId,
    firstAdminKey,
    ensureAccount,
    async close() {
      await journal.close()
      db.close()
    },
  }
}

export async function startApp(config: AppConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningApp> {
  const services = openServices(config)
  const { db, journal, accounts, channels, masterKey } = services

  const history = new HistoryIndex(db, journal, { tokenKey: derivedKey(masterKey, 'lookup-next-token') })
  const runners = [new ProjectionRunner(journal, history, { onError: (name, err) => logger.error({ err, projection: name }, 'projection failed') })]
  for (const runner of runners) runner.start()
  // Ready means searchable: after a crash, Event History first catches up with the journal.
  await runners[0]!.caughtUp()

  const server = buildApiServer({
    keys: accounts,
    operations: { ...lookupOperations(history), ...channelOperations(channels) },
    dataPlane: putAuditEventsHandler(channels, journal),
    recordOwnCall: async (record) => {
      await journal.append([{ record }])
    },
    installationAccountId: services.accountId,
    logger,
  })

  const retention = setInterval(() => void sweepRetention().catch((err) => logger.error({ err }, 'retention sweep failed')), RETENTION_SWEEP_INTERVAL_MS)
  retention.unref()
  await sweepRetention()

  /** Event History keeps events for the installation's retention period, or an account's own. */
  async function sweepRetention(): Promise<void> {
    const now = Date.now()
    const custom = accounts.listAccounts().filter((a) => a.retentionDays !== undefined)
    for (const a of custom) {
      const cutoff = now - a.retentionDays! * 86_400_000
      history.purgeOlderThan(new Date(cutoff), a.accountId)
      await journal.deleteOlderThan(cutoff, a.accountId)
    }
    const keep = custom.map((a) => a.accountId)
    const cutoff = now - config.retentionDays * 86_400_000
    history.purgeOlderThan(new Date(cutoff), undefined, keep)
    await journal.deleteOlderThan(cutoff, undefined, { keepAccounts: keep })
  }

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
      for (const runner of runners) await runner.stop()
      await services.close()
    },
  }
}

/** A purpose-bound key derived from the master key, so one secret never serves two uses. */
function derivedKey(masterKey: Buffer, purpose: string): Buffer {
  return createHmac('sha256', masterKey).update(purpose).digest()
}
