import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openServices } from './app.js'
import type { AppServices } from './app.js'
import { HistoryIndex } from '../history/index.js'
import { ProjectionRunner } from '../journal/index.js'
import { newEventId } from '../record/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { sweepRetention } from './retention.js'

const DAY = 86_400_000
let dir: string
let services: AppServices

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'retention-'))
  services = openServices({ dataDir: dir, region: 'us-east-1' })
})
afterEach(async () => {
  await services.close()
  rmSync(dir, { recursive: true, force: true })
})

function event(accountId: string, ageDays: number, now: number): CloudTrailRecord {
  return {
    eventVersion: '1.08',
    eventTime: new Date(now - ageDays * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    awsRegion: 'us-east-1',
    eventID: newEventId(),
    recipientAccountId: accountId,
    managementEvent: true,
    eventCategory: 'Management',
  }
}

describe('sweepRetention', () => {
  it('removes events past the installation period, and honours an account period', async () => {
    const now = Date.UTC(2026, 10, 24)
    const a = '111111111111'
    const b = '222222222222'
    services.ensureAccount(a)
    services.ensureAccount(b)
    services.accounts.setRetentionDays(b, 365)
    const records = [event(a, 10, now), event(a, 100, now), event(b, 100, now), event(b, 400, now)]
    await services.journal.append(records.map((record) => ({ record })))
    const history = new HistoryIndex(services.db, services.journal, { tokenKey: 'k'.repeat(32), now: () => now, defaultWindowMs: 3650 * DAY })
    const runner = new ProjectionRunner(services.journal, history)
    runner.start()
    await runner.caughtUp()
    await runner.stop()

    const removed = await sweepRetention({ accounts: services.accounts, history, journal: services.journal, retentionDays: 90 }, now)
    expect(removed).toBe(2)
    const left = (await services.journal.read(0, 10)).entries.map((e) => e.record.eventID)
    expect(left).toEqual([records[0]!.eventID, records[2]!.eventID])
    const visible = async (accountId: string) =>
      (await history.lookup({ accountId, region: 'us-east-1', attributes: [], startTime: new Date(now - 3000 * DAY), endTime: new Date(now) })).events.map((e) => e.EventId)
    expect(await visible(a)).toEqual([records[0]!.eventID])
    expect(await visible(b)).toEqual([records[2]!.eventID])
  })
})
