/**
 * Notification topics, SNS-like: a topic is a named list of webhook URLs in one account and
 * Region, with ARN `arn:aws:sns:<region>:<account>:<name>`. Each subscription has its own
 * ARN (`<topic ARN>:<uuid>`), sent to subscribers as SNS does. Kept in the installation's
 * SQLite database; nothing is cached, so the CLI's changes apply to a running service at once.
 */
import type Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { InvalidEndpointError, InvalidTopicNameError, TopicAmbiguousError, TopicNotFoundError } from './errors.js'

export interface Subscription {
  subscriptionArn: string
  endpoint: string
  protocol: 'http' | 'https'
}

export interface Topic {
  topicArn: string
  name: string
  accountId: string
  region: string
  createdAt: Date
  subscriptions: Subscription[]
}

/** Account (and optionally Region) in which a bare topic name is looked up. */
export interface TopicScope {
  accountId: string
  /** Without it a name must be unique across the account's Regions. */
  region?: string
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/
const TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/

export function topicArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sns:${region}:${accountId}:${name}`
}

interface TopicRow {
  topic_arn: string
  name: string
  account_id: string
  region: string
  created_at: number
}

export class TopicStore {
  readonly #db: Database.Database

  constructor(db: Database.Database) {
    this.#db = db
    db.exec(`
      CREATE TABLE IF NOT EXISTS sns_topics (
        topic_arn TEXT PRIMARY KEY, name TEXT NOT NULL, account_id TEXT NOT NULL, region TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sns_subscriptions (
        subscription_arn TEXT PRIMARY KEY, topic_arn TEXT NOT NULL REFERENCES sns_topics(topic_arn),
        endpoint TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (topic_arn, endpoint));
    `)
  }

  /** Creates the topic, or returns it unchanged if it exists (SNS's CreateTopic is idempotent). */
  create(accountId: string, region: string, name: string): Topic {
    if (!TOPIC_NAME.test(name)) throw new InvalidTopicNameError(name)
    const arn = topicArn(region, accountId, name)
    this.#db.prepare('INSERT OR IGNORE INTO sns_topics (topic_arn, name, account_id, region, created_at) VALUES (?, ?, ?, ?, ?)').run(arn, name, accountId, region, Date.now())
    return this.#toTopic(this.#row(arn)!)
  }

  /**
   * The topic a name or ARN names, or undefined. ARNs must belong to the scope's account
   * (topics of other tenants stay invisible); names are looked up in the scope's Region, or
   * across the account's Regions when no Region is given (TopicAmbiguousError if several).
   */
  find(topicRef: string, scope?: TopicScope): Topic | undefined {
    const arn = TOPIC_ARN.exec(topicRef)
    if (arn) {
      if (scope !== undefined && arn[2] !== scope.accountId) return undefined
      const row = this.#row(topicRef)
      return row === undefined ? undefined : this.#toTopic(row)
    }
    if (scope === undefined) return undefined
    const rows = (scope.region === undefined
      ? this.#db.prepare('SELECT * FROM sns_topics WHERE account_id = ? AND name = ? ORDER BY region').all(scope.accountId, topicRef)
      : this.#db.prepare('SELECT * FROM sns_topics WHERE account_id = ? AND region = ? AND name = ?').all(scope.accountId, scope.region, topicRef)) as TopicRow[]
    if (rows.length > 1) throw new TopicAmbiguousError(topicRef, rows.map((r) => r.topic_arn))
    return rows.length === 0 ? undefined : this.#toTopic(rows[0])
  }

  /** Like `find`, but throws TopicNotFoundError. */
  get(topicRef: string, scope?: TopicScope): Topic {
    const topic = this.find(topicRef, scope)
    if (topic === undefined) throw new TopicNotFoundError(topicRef, scope?.accountId)
    return topic
  }

  /** Adds an http(s) endpoint; subscribing the same endpoint again returns its subscription. */
  subscribe(topicRef: string, endpoint: string, scope?: TopicScope): Subscription {
    const protocol = endpointProtocol(endpoint)
    const topic = this.get(topicRef, scope)
    const subscriptionArn = `${topic.topicArn}:${randomUUID()}`
    this.#db
      .prepare('INSERT OR IGNORE INTO sns_subscriptions (subscription_arn, topic_arn, endpoint, created_at) VALUES (?, ?, ?, ?)')
      .run(subscriptionArn, topic.topicArn, endpoint, Date.now())
    const row = this.#db.prepare('SELECT subscription_arn FROM sns_subscriptions WHERE topic_arn = ? AND endpoint = ?').get(topic.topicArn, endpoint) as {
      subscription_arn: string
    }
    return { subscriptionArn: row.subscription_arn, endpoint, protocol }
  }

  /** Removes an endpoint (by URL or subscription ARN); returns whether it was subscribed. */
  unsubscribe(topicRef: string, endpointOrSubscriptionArn: string, scope?: TopicScope): boolean {
    const topic = this.get(topicRef, scope)
    return (
      this.#db
        .prepare('DELETE FROM sns_subscriptions WHERE topic_arn = ? AND (endpoint = ? OR subscription_arn = ?)')
        .run(topic.topicArn, endpointOrSubscriptionArn, endpointOrSubscriptionArn).changes > 0
    )
  }

  list(accountId?: string): Topic[] {
    const rows = (accountId === undefined
      ? this.#db.prepare('SELECT * FROM sns_topics ORDER BY topic_arn').all()
      : this.#db.prepare('SELECT * FROM sns_topics WHERE account_id = ? ORDER BY topic_arn').all(accountId)) as TopicRow[]
    return rows.map((row) => this.#toTopic(row))
  }

  #row(arn: string): TopicRow | undefined {
    return this.#db.prepare('SELECT * FROM sns_topics WHERE topic_arn = ?').get(arn) as TopicRow | undefined
  }

  #toTopic(row: TopicRow): Topic {
    const subscriptions = (
      this.#db.prepare('SELECT subscription_arn, endpoint FROM sns_subscriptions WHERE topic_arn = ? ORDER BY created_at, endpoint').all(row.topic_arn) as {
        subscription_arn: string
        endpoint: string
      }[]
    ).map((s) => ({ subscriptionArn: s.subscription_arn, endpoint: s.endpoint, protocol: endpointProtocol(s.endpoint) }))
    return { topicArn: row.topic_arn, name: row.name, accountId: row.account_id, region: row.region, createdAt: new Date(row.created_at), subscriptions }
  }
}

function endpointProtocol(endpoint: string): 'http' | 'https' {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new InvalidEndpointError(endpoint)
  }
  if (url.protocol === 'http:') return 'http'
  if (url.protocol === 'https:') return 'https'
  throw new InvalidEndpointError(endpoint)
}
