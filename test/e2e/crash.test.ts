/** kill -9 during sustained ingest: every acknowledged event is there after restart. */
import { afterAll, describe, expect, it } from 'vitest'
import { LookupEventsCommand, ListChannelsCommand } from '@aws-sdk/client-cloudtrail'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent } from '../support/events.js'

const servers: TestServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
  servers[0]?.cleanup()
})

describe('durability', () => {
  it('keeps every acknowledged event across SIGKILL during ingest', async () => {
    const first = await startServer()
    servers.push(first)
    const channels = await first.client().send(new ListChannelsCommand({}))
    const channelArn = channels.Channels!.find((c) => c.Name === 'default')!.ChannelArn!
    const source = 'crash.example.com'
    const acked = new Set<string>()
    let batch = 0
    let killed = false
    const KILL_AFTER = 3000

    async function client(n: number): Promise<void> {
      while (!killed) {
        const b = batch++
        try {
          const res = await putAuditEvents(first.endpoint, first.credentials, {
            channelArn,
            auditEvents: Array.from({ length: 100 }, (_, i) => auditEvent(`c${n}b${b}e${i}`, { accountId: first.accountId, eventSource: source })),
          })
          if (res.status === 200) for (const s of res.body.successful!) acked.add(s.eventID)
        } catch {
          return // connection refused or reset: the server is gone
        }
        if (acked.size >= KILL_AFTER && !killed) {
          killed = true
          await first.kill()
        }
      }
    }
    await Promise.all([client(1), client(2), client(3), client(4)])
    expect(first.process.signalCode).toBe('SIGKILL')
    expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER)

    const second = await startServer({ dataDir: first.dataDir, credentials: first.credentials })
    servers.push(second)
    const seen = new Set<string>()
    let NextToken: string | undefined
    do {
      const out = await second.client().send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: source }], NextToken }),
      )
      for (const e of out.Events ?? []) seen.add(e.EventId!)
      NextToken = out.NextToken
    } while (NextToken)
    const missing = [...acked].filter((id) => !seen.has(id))
    expect(missing).toEqual([])
  })
})
