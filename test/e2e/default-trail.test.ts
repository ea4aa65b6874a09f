/**
 * A new installation's default trail: with no configuration at all, events sent with
 * PutAuditEvents (captured events are first-class management events) appear in gzipped
 * CloudTrail log files in the local bucket, in CloudTrail's exact layout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent, eventually } from '../support/events.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer({ args: ['--delivery-interval', '1s'] })
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.name.startsWith('.') ? [] : d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  )
}

describe('the default trail', () => {
  it('delivers captured events to the local bucket without any setup', async () => {
    const res = await putAuditEvents(server.endpoint, server.credentials, {
      channelArn: 'default',
      auditEvents: Array.from({ length: 5 }, (_, i) => auditEvent(`d${i}`, { accountId: server.accountId, eventName: 'Deliver' })),
    })
    const ids = res.body.successful!.map((s) => s.eventID)
    expect(ids).toHaveLength(5)
    const bucket = join(server.dataDir, 'buckets', `opentrail-${server.accountId}`)
    const delivered = await eventually(async () => {
      const files = walk(bucket).filter((f) => f.includes('/CloudTrail/') && f.endsWith('.json.gz'))
      const records = files.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(f)).toString()) as { Records: { eventID: string }[] }).Records.map((r) => ({ file: f, r })))
      const mine = records.filter((x) => ids.includes(x.r.eventID))
      return mine.length === ids.length ? mine : undefined
    }, 20_000)
    for (const { file } of delivered) {
      const key = relative(bucket, file)
      expect(key).toMatch(
        new RegExp(`^AWSLogs/${server.accountId}/CloudTrail/us-east-1/\\d{4}/\\d{2}/\\d{2}/${server.accountId}_CloudTrail_us-east-1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`),
      )
    }
  })
})
