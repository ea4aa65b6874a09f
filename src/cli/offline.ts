/**
 * Opening the data dir for an offline command (kms, topics, cat), and closing it after.
 * A data dir opened here for the first time gets its admin access key, as `serve` would:
 * it is printed once, on stderr, since it could not be shown again.
 */
import { openServices } from '../app/index.js'
import { parseConfig } from '../config/index.js'
import type { AppServices } from '../app/index.js'

export interface DataDirFlags {
  dataDir?: string
  region?: string
}

export async function withDataDir<T>(flags: DataDirFlags, work: (services: AppServices, where: { dataDir: string; region: string }) => T | Promise<T>): Promise<T> {
  const opened = openDataDir(flags)
  try {
    return await work(opened.services, opened)
  } finally {
    await opened.close()
  }
}

export interface OpenDataDir {
  services: AppServices
  dataDir: string
  region: string
  close: () => Promise<void>
}

/** The data dir, open until `close`: for a command that opens it midway (withDataDir otherwise). */
export function openDataDir(flags: DataDirFlags): OpenDataDir {
  const config = parseConfig({ dataDir: flags.dataDir, region: flags.region })
  const services = openServices(config)
  announceFirstAdminKey(services, config.dataDir)
  return { services, dataDir: config.dataDir, region: config.region, close: () => services.close() }
}

/** A data dir opened for the first time by a command other than `serve`: its admin key is shown here, once. */
export function announceFirstAdminKey(services: AppServices, dataDir: string): void {
  const key = services.firstAdminKey
  if (!key) return
  process.stderr.write(`new data dir ${dataDir}: admin access key (shown once) ${key.accessKeyId} / ${key.secretAccessKey}, account ${key.accountId}\n`)
}

/** `--account`, checked, or the installation's own account; created (with its default channel) if new. */
export function accountFlag(services: AppServices, account: string | undefined): string {
  const accountId = account ?? services.accountId
  if (!/^\d{12}$/.test(accountId)) throw new RangeError(`--account must be a 12-digit account id, got ${accountId}`)
  services.ensureAccount(accountId)
  return accountId
}
