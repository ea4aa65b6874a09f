/**
 * Event History's index is a projection with a database of its own (history.db): lost, or
 * left behind in the journal's database by an earlier version, it is rebuilt from the
 * journal before the server answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { ListChannelsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent, eventually } from '../support/events.js'

const NAME = `Rebuilt${Date.now()}`
const EVENTS = 120
let first: TestServer
const servers: TestServer[] = []

async function lookupAll(server: TestServer): Promise<string[]> {
  const ids: string[] = []
  let NextToken: string | undefined
  do {
    const out = await server.client().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: NAME }], NextToken }))
    ids.push(...(out.Events ?? []).map((e) => e.EventId!))
    NextToken = out.NextToken
  } while (NextToken)
  return ids.sort()
}

function removeHistoryDb(dataDir: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `history.db${suffix}`), { force: true })
}

let stored: string[]

beforeAll(async () => {
  first = await startServer()
  servers.push(first)
  const channelArn = (await first.client().send(new ListChannelsCommand({}))).Channels!.find((c) => c.Name === 'default')!.ChannelArn!
  stored = []
  for (const batch of [0, 1]) {
    const res = await putAuditEvents(first.endpoint, first.credentials, {
      channelArn,
      auditEvents: Array.from({ length: EVENTS / 2 }, (_, i) => auditEvent(`r${batch}-${i}`, { accountId: first.accountId, eventName: NAME })),
    })
    expect(res.body.failed).toEqual([])
    stored.push(...res.body.successful!.map((s) => s.eventID))
  }
  stored.sort()
  expect(stored).toHaveLength(EVENTS)
  await eventually(async () => ((await lookupAll(first)).length === EVENTS ? true : undefined))
  await first.stop()
})

afterAll(async () => {
  for (const s of servers) await s.stop()
  first?.cleanup()
})

describe('Event History rebuild', () => {
  it('rebuilds a lost index from the journal before answering', async () => {
    removeHistoryDb(first.dataDir)
    const server = await startServer({ dataDir: first.dataDir, credentials: first.credentials })
    servers.push(server)
    // No waiting: a server that answers has caught up.
    expect(await lookupAll(server)).toEqual(stored)
    await server.stop()
  })

  it('drops the index tables an earlier version kept in the journal database, and rebuilds them in history.db', async () => {
    removeHistoryDb(first.dataDir)
    const journalDb = new Database(join(first.dataDir, 'opentrail.db'))
    journalDb.exec(`CREATE TABLE history_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE history_events (scope INTEGER, ro INTEGER, time INTEGER, seq INTEGER, PRIMARY KEY (scope, ro, time, seq)) WITHOUT ROWID;
      INSERT INTO history_meta VALUES ('head', 1000000);`)
    journalDb.close()

    const server = await startServer({ dataDir: first.dataDir, credentials: first.credentials })
    servers.push(server)
    expect(await lookupAll(server)).toEqual(stored)
    const after = new Database(join(first.dataDir, 'opentrail.db'), { readonly: true })
    const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'history_%'").all()
    after.close()
    expect(tables).toEqual([])
    await server.stop()
  })
})
