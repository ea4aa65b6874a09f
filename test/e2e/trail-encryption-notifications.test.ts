/**
 * A trail with KmsKeyId and SnsTopicName, as a user sets it up: keys and topics made with
 * the `opentrail` command, the trail with the real SDK. Log files land encrypted at rest,
 * `opentrail cat` decrypts them, and each delivery is announced to the topic's webhook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CreateTrailCommand, GetTrailStatusCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail'
import { CLI, startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent, eventually } from '../support/events.js'

let server: TestServer
let hook: Server
const notifications: { headers: Record<string, unknown>; body: Record<string, unknown> }[] = []

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      notifications.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> })
      res.end('ok')
    })
  })
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
  server = await startServer({ args: ['--delivery-interval', '1s'] })
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
  hook?.close()
})

const opentrail = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args, '--data-dir', server.dataDir], { encoding: 'utf8' })

describe('encrypted, announced delivery', () => {
  it('encrypts log files under the trail key, decrypts with opentrail cat, and notifies the topic', async () => {
    const key = JSON.parse(opentrail('kms', 'create-key', '--alias', 'trail-logs', '--output', 'json'))[0]
    const port = (hook.address() as { port: number }).port
    opentrail('topics', 'create', 'trail-notices')
    opentrail('topics', 'subscribe', 'trail-notices', `http://127.0.0.1:${port}/cloudtrail`)

    const client = server.client()
    const created = await client.send(
      new CreateTrailCommand({ Name: 'secure', S3BucketName: 'secure-logs', KmsKeyId: 'alias/trail-logs', SnsTopicName: 'trail-notices' }),
    )
    expect(created.KmsKeyId).toBe(key.KeyArn)
    expect(created.SnsTopicARN).toBe(`arn:aws:sns:us-east-1:${server.accountId}:trail-notices`)
    await client.send(new StartLoggingCommand({ Name: 'secure' }))

    const res = await putAuditEvents(server.endpoint, server.credentials, {
      channelArn: 'default',
      auditEvents: [auditEvent('s1', { accountId: server.accountId, eventName: 'SecretThing' })],
    })
    const eventId = res.body.successful![0]!.eventID

    // The webhook hears of the file that holds the event.
    const note = await eventually(async () => {
      for (const n of notifications) {
        const message = JSON.parse(n.body.Message as string) as { s3Bucket: string; s3ObjectKey: string[] }
        if (message.s3Bucket !== 'secure-logs') continue
        for (const objectKey of message.s3ObjectKey) {
          const plain = opentrail('cat', `secure-logs/${objectKey}`)
          if (plain.includes(eventId)) return { n, message, objectKey, plain }
        }
      }
      return undefined
    }, 20_000)
    expect(note.n.headers['x-amz-sns-message-type']).toBe('Notification')
    expect(note.n.body).toMatchObject({ Type: 'Notification', TopicArn: created.SnsTopicARN })
    expect(note.message.s3ObjectKey[0]).toMatch(new RegExp(`^AWSLogs/${server.accountId}/CloudTrail/us-east-1/`))

    // On disk the file is ciphertext: neither gzip nor JSON.
    const raw = readFileSync(join(server.dataDir, 'buckets', 'secure-logs', note.objectKey))
    expect(raw.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false)
    expect(raw.includes(Buffer.from(eventId))).toBe(false)
    // Decrypted, it is the CloudTrail log file.
    const records = (JSON.parse(note.plain) as { Records: { eventID: string; eventName: string }[] }).Records
    expect(records.find((r) => r.eventID === eventId)?.eventName).toBe('SecretThing')

    const status = await client.send(new GetTrailStatusCommand({ Name: 'secure' }))
    expect(status.LatestNotificationTime).toBeInstanceOf(Date)
    expect(status.LatestNotificationError).toBeUndefined()
    expect(status.LatestDeliveryTime).toBeInstanceOf(Date)
  })

  it('refuses a KmsKeyId that does not exist', async () => {
    await expect(
      server.client().send(new CreateTrailCommand({ Name: 'nokey', S3BucketName: 'nokey-logs', KmsKeyId: 'alias/missing' })),
    ).rejects.toMatchObject({ name: 'KmsKeyNotFoundException' })
  })
})
