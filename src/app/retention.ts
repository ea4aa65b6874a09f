/**
 * The retention job: Event History keeps events for the installation's retention period
 * (default 90 days), or for an account's own period where one is set, counted from
 * eventTime as CloudTrail counts. The journal drops the same events once every projection
 * has consumed them (a trail behind on delivery keeps its events).
 */
import type { AccountStore } from '../accounts/index.js'
import type { HistoryIndex } from '../history/index.js'
import type { Journal } from '../journal/index.js'

const DAY_MS = 86_400_000

export interface RetentionDeps {
  accounts: AccountStore
  history: HistoryIndex
  journal: Journal
  retentionDays: number
}

/** Removes what is past retention; resolves to the number of events removed from Event History. */
export async function sweepRetention(deps: RetentionDeps, now = Date.now()): Promise<number> {
  const custom = deps.accounts.listAccounts().filter((a) => a.retentionDays !== undefined)
  let removed = 0
  for (const a of custom) {
    const cutoff = now - a.retentionDays! * DAY_MS
    removed += await deps.history.purgeOlderThan(new Date(cutoff), a.accountId)
    await deps.journal.deleteOlderThan(cutoff, a.accountId)
  }
  const keep = custom.map((a) => a.accountId)
  const cutoff = now - deps.retentionDays * DAY_MS
  removed += await deps.history.purgeOlderThan(new Date(cutoff), undefined, keep)
  await deps.journal.deleteOlderThan(cutoff, undefined, { keepAccounts: keep })
  return removed
}
