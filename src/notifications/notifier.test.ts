/**
 * Publishing to real local HTTP subscribers (node:http): SNS-shaped body and headers, a
 * subscriber that fails twice then succeeds, one that always fails, one that refuses the
 * message outright, and one that is not listening at all.
 */
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../journal/index.js'
import { TopicNotFoundError } from './errors.js'
import { TopicNotifier } from './notifier.js'
import { TopicStore } from './topic-store.js'

const ACCOUNT = '111122223333'
const MESSAGE = { s3Bucket: 'trail-bucket', s3ObjectKey: ['AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/a.json.gz', 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/b.json.gz'] }

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

/** A webhook that answers each request with the next status of `statuses` (the last one repeats). */
async function startSubscriber(statuses: number[]): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() })
      response.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/hook?token=secret`, received, server }
}

let dir: string
let db: Database.Database
let topics: TopicStore
let servers: Server[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opentrail-notify-'))
  db = openDatabase(join(dir, 'test.db'))
  topics = new TopicStore(db)
  servers = []
})
afterEach(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve))
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

async function subscriber(statuses: number[]) {
  const started = await startSubscriber(statuses)
  servers.push(started.server)
  return started
}

describe('TopicNotifier', () => {
  it('POSTs an SNS-shaped notification to every subscriber', async () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const one = await subscriber([200])
    const two = await subscriber([204])
    topics.subscribe(topic.topicArn, one.url)
    topics.subscribe(topic.topicArn, two.url)
    const before = Date.now()

    const result = await new TopicNotifier(topics).publish(ACCOUNT, 'notices', MESSAGE)
    expect(result).toMatchObject({ topicArn: topic.topicArn, delivered: 2, failed: 0, failures: [] })
    expect(result.error).toBeUndefined()

    for (const { received } of [one, two]) {
      expect(received).toHaveLength(1)
      const { headers, body } = received[0]
      expect(headers['x-amz-sns-message-type']).toBe('Notification')
      expect(headers['x-amz-sns-message-id']).toBe(result.messageId)
      expect(headers['x-amz-sns-topic-arn']).toBe(topic.topicArn)
      expect(headers['x-amz-sns-subscription-arn']).toMatch(new RegExp(`^${topic.topicArn}:`))
      expect(headers['content-type']).toBe('text/plain; charset=UTF-8')
      const parsed = JSON.parse(body) as Record<string, string>
      expect(Object.keys(parsed)).toEqual(['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp'])
      expect(parsed).toMatchObject({ Type: 'Notification', MessageId: result.messageId, TopicArn: topic.topicArn })
      // Message is a JSON string, as SNS delivers CloudTrail's.
      expect(JSON.parse(parsed.Message)).toEqual(MESSAGE)
      expect(new Date(parsed.Timestamp).toISOString()).toBe(parsed.Timestamp)
      expect(Date.parse(parsed.Timestamp)).toBeGreaterThanOrEqual(before - 1)
    }
  })

  it('retries a subscriber that fails twice, then counts it delivered, with the same message id', async () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const flaky = await subscriber([500, 503, 200])
    topics.subscribe(topic.topicArn, flaky.url)
    const result = await new TopicNotifier(topics, { backoffMs: 5 }).publish(ACCOUNT, topic.topicArn, MESSAGE)
    expect(result).toMatchObject({ delivered: 1, failed: 0 })
    expect(flaky.received).toHaveLength(3)
    expect(new Set(flaky.received.map((r) => JSON.parse(r.body).MessageId))).toEqual(new Set([result.messageId]))
  })

  it('gives up on a subscriber that always fails after the set attempts, and reports it', async () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const healthy = await subscriber([200])
    const broken = await subscriber([500])
    topics.subscribe(topic.topicArn, healthy.url)
    const brokenSubscription = topics.subscribe(topic.topicArn, broken.url)
    const result = await new TopicNotifier(topics, { attempts: 3, backoffMs: 5 }).publish(ACCOUNT, 'notices', MESSAGE)
    expect(result).toMatchObject({ delivered: 1, failed: 1 })
    expect(broken.received).toHaveLength(3)
    expect(healthy.received).toHaveLength(1)
    const { port } = broken.server.address() as AddressInfo
    expect(result.failures).toEqual([
      { subscriptionArn: brokenSubscription.subscriptionArn, endpoint: `http://127.0.0.1:${port}/hook`, error: 'HTTP 500', attempts: 3 },
    ])
    // The subscriber's token stays out of the status line.
    expect(result.error).toBe(`1 of 2 subscribers failed: HTTP 500 from http://127.0.0.1:${port}/hook`)
  })

  it('does not retry a subscriber that refuses the message (4xx other than 429)', async () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const refusing = await subscriber([403])
    topics.subscribe(topic.topicArn, refusing.url)
    const result = await new TopicNotifier(topics, { backoffMs: 5 }).publish(ACCOUNT, 'notices', MESSAGE)
    expect(result).toMatchObject({ delivered: 0, failed: 1 })
    expect(result.failures[0]).toMatchObject({ error: 'HTTP 403', attempts: 1 })
    expect(refusing.received).toHaveLength(1)
  })

  it('reports a subscriber that is not listening by its network error code', async () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const gone = await subscriber([200])
    await new Promise((resolve) => gone.server.close(resolve))
    servers = servers.filter((s) => s !== gone.server)
    topics.subscribe(topic.topicArn, gone.url)
    const result = await new TopicNotifier(topics, { attempts: 2, backoffMs: 5 }).publish(ACCOUNT, 'notices', MESSAGE)
    expect(result.failures[0]).toMatchObject({ error: 'ECONNREFUSED', attempts: 2 })
  })

  it('resolves with nothing to do for a topic without subscribers', async () => {
    topics.create(ACCOUNT, 'us-east-1', 'quiet')
    expect(await new TopicNotifier(topics).publish(ACCOUNT, 'quiet', MESSAGE)).toMatchObject({ delivered: 0, failed: 0, failures: [] })
  })

  it('throws TopicNotFoundError for an unknown topic or another account\'s', async () => {
    const topic = topics.create('444455556666', 'us-east-1', 'theirs')
    const notifier = new TopicNotifier(topics)
    await expect(notifier.publish(ACCOUNT, 'absent', MESSAGE)).rejects.toBeInstanceOf(TopicNotFoundError)
    await expect(notifier.publish(ACCOUNT, topic.topicArn, MESSAGE)).rejects.toMatchObject({ name: 'TopicNotFoundError', code: 'NotFound' })
  })
})
