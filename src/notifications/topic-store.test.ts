/** Topics on a real SQLite file: ARNs, idempotent create, lookup by name or ARN, subscriptions. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../journal/index.js'
import { InvalidEndpointError, InvalidTopicNameError, TopicAmbiguousError, TopicNotFoundError } from './errors.js'
import { TopicStore } from './topic-store.js'

const ACCOUNT = '111122223333'
const OTHER = '444455556666'

let dir: string
let db: Database.Database
let topics: TopicStore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'opentrail-topics-'))
  db = openDatabase(join(dir, 'test.db'))
  topics = new TopicStore(db)
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('TopicStore', () => {
  it('creates topics with SNS ARNs, idempotently', () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'trail-notices')
    expect(topic).toMatchObject({ topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:trail-notices`, name: 'trail-notices', region: 'us-east-1', subscriptions: [] })
    topics.subscribe(topic.topicArn, 'http://127.0.0.1:9/hook')
    // Creating again returns the same topic, subscriptions kept.
    expect(topics.create(ACCOUNT, 'us-east-1', 'trail-notices').subscriptions).toHaveLength(1)
    expect(topics.list()).toHaveLength(1)
  })

  it('refuses names SNS would refuse', () => {
    for (const name of ['', 'has space', 'dot.name', 'x'.repeat(257)]) {
      expect(() => topics.create(ACCOUNT, 'us-east-1', name), name).toThrow(InvalidTopicNameError)
    }
  })

  it('finds topics by ARN or by name within the account, and never another tenant\'s', () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    expect(topics.find(topic.topicArn, { accountId: ACCOUNT })?.topicArn).toBe(topic.topicArn)
    expect(topics.find('notices', { accountId: ACCOUNT })?.topicArn).toBe(topic.topicArn)
    expect(topics.find('notices', { accountId: ACCOUNT, region: 'us-east-1' })?.topicArn).toBe(topic.topicArn)
    expect(topics.find('notices', { accountId: ACCOUNT, region: 'eu-west-1' })).toBeUndefined()
    expect(topics.find('notices', { accountId: OTHER })).toBeUndefined()
    expect(topics.find(topic.topicArn, { accountId: OTHER })).toBeUndefined()
    expect(() => topics.get('absent', { accountId: ACCOUNT })).toThrow(TopicNotFoundError)
  })

  it('asks for an ARN when a name is in several Regions', () => {
    topics.create(ACCOUNT, 'us-east-1', 'notices')
    topics.create(ACCOUNT, 'eu-west-1', 'notices')
    expect(() => topics.find('notices', { accountId: ACCOUNT })).toThrow(TopicAmbiguousError)
    expect(topics.find('notices', { accountId: ACCOUNT, region: 'eu-west-1' })?.region).toBe('eu-west-1')
  })

  it('subscribes http(s) endpoints once each, and unsubscribes by URL or subscription ARN', () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    const a = topics.subscribe('notices', 'http://127.0.0.1:9/a', { accountId: ACCOUNT })
    const again = topics.subscribe(topic.topicArn, 'http://127.0.0.1:9/a')
    expect(again.subscriptionArn).toBe(a.subscriptionArn)
    expect(a.subscriptionArn).toMatch(new RegExp(`^${topic.topicArn}:[0-9a-f-]{36}$`))
    const b = topics.subscribe(topic.topicArn, 'https://example.invalid/b?token=t')
    expect(b.protocol).toBe('https')
    expect(topics.get(topic.topicArn).subscriptions.map((s) => s.endpoint)).toEqual(['http://127.0.0.1:9/a', 'https://example.invalid/b?token=t'])

    expect(topics.unsubscribe(topic.topicArn, 'http://127.0.0.1:9/a')).toBe(true)
    expect(topics.unsubscribe(topic.topicArn, b.subscriptionArn)).toBe(true)
    expect(topics.unsubscribe(topic.topicArn, b.subscriptionArn)).toBe(false)
    expect(topics.get(topic.topicArn).subscriptions).toEqual([])
  })

  it('refuses endpoints that are not http(s) URLs, and unknown topics', () => {
    const topic = topics.create(ACCOUNT, 'us-east-1', 'notices')
    for (const url of ['mailto:a@b.c', 'not a url', 'file:///etc/passwd']) {
      expect(() => topics.subscribe(topic.topicArn, url), url).toThrow(InvalidEndpointError)
    }
    expect(() => topics.subscribe(`arn:aws:sns:us-east-1:${ACCOUNT}:absent`, 'http://127.0.0.1:9/')).toThrow(TopicNotFoundError)
  })

  it('lists topics per account', () => {
    topics.create(ACCOUNT, 'us-east-1', 'a')
    topics.create(OTHER, 'us-east-1', 'b')
    expect(topics.list(ACCOUNT).map((t) => t.name)).toEqual(['a'])
    expect(topics.list().map((t) => t.name).sort()).toEqual(['a', 'b'])
  })
})
