/** `opentrail accounts list|set-retention`: accounts and their Event History retention, in the data dir. */
import { accountFlag, withDataDir } from './offline.js'
import type { DataDirFlags } from './offline.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'

export async function listAccounts(flags: DataDirFlags & { output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services) => {
    const rows = services.accounts.listAccounts().map((a) => ({
      Account: a.accountId,
      RetentionDays: a.retentionDays ?? 'installation default',
      Installation: a.accountId === services.accountId ? 'yes' : '',
    }))
    console.log(render(rows, ['Account', 'RetentionDays', 'Installation'], flags.output))
  })
}

/** DAYS is a whole number of days, or `default` to follow the installation's `--retention-days`. */
export async function setRetention(account: string, days: string, flags: DataDirFlags): Promise<void> {
  const value = days === 'default' ? undefined : Number(days)
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new RangeError(`DAYS must be a whole number of days (at least 1) or "default", got ${days}`)
  }
  await withDataDir(flags, (services) => {
    const accountId = accountFlag(services, account)
    services.accounts.setRetentionDays(accountId, value)
    console.log(
      value === undefined
        ? `account ${accountId}: Event History keeps the installation's retention period`
        : `account ${accountId}: Event History keeps ${value} days (applied by the running service within the hour)`,
    )
  })
}
