/**
 * Publishing to a topic: each subscriber gets an HTTP POST shaped like an SNS HTTP(S)
 * notification (body `{"Type":"Notification","MessageId",...,"Message":"<JSON string>"}`,
 * header `x-amz-sns-message-type: Notification`), so code written for CloudTrail's SNS
 * notifications parses ours. The bodies are not signed (no `Signature`/`SigningCertURL`):
 * there is no AWS certificate to sign with.
 *
 * Retries: a 2xx answer is delivered. A network failure, a timeout, 429 or a 5xx is retried
 * (`attempts` in all, backoff doubling from `backoffMs`); any other status is final at once,
 * since asking again will not change it. Every retry reuses the message id, as SNS's do, so
 * a subscriber can drop duplicates. Subscribers are served in parallel.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { TopicScope, TopicStore } from './topic-store.js'

/** What CloudTrail publishes after delivering log files. */
export interface LogDeliveryMessage {
  s3Bucket: string
  s3ObjectKey: string[]
}

export interface DeliveryFailure {
  subscriptionArn: string
  /** The endpoint without query string or credentials, which may hold secrets. */
  endpoint: string
  /** `HTTP 503`, or the network error code (`ECONNREFUSED`, `TimeoutError`). */
  error: string
  attempts: number
}

export interface PublishResult {
  topicArn: string
  messageId: string
  delivered: number
  failed: number
  /** One line for trail status when any subscriber failed, e.g. `1 of 2 subscribers failed: HTTP 500 from http://...`. */
  error?: string
  failures: DeliveryFailure[]
}

export interface TopicNotifierOptions {
  /** Tries per subscriber, first included. */
  attempts?: number
  /** Wait before the first retry; doubles after each. */
  backoffMs?: number
  /** Gives up on one attempt after this long. */
  attemptTimeoutMs?: number
}

export const DEFAULT_ATTEMPTS = 3
export const DEFAULT_BACKOFF_MS = 200
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000

/** The JSON body SNS POSTs to HTTP(S) subscribers for a notification. */
export interface SnsNotificationBody {
  Type: 'Notification'
  MessageId: string
  TopicArn: string
  Subject?: string
  Message: string
  Timestamp: string
}

export class TopicNotifier {
  readonly #topics: TopicStore
  readonly #attempts: number
  readonly #backoffMs: number
  readonly #attemptTimeoutMs: number

  constructor(topics: TopicStore, options: TopicNotifierOptions = {}) {
    this.#topics = topics
    this.#attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS)
    this.#backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS
  }

  /**
   * Sends the message to every subscriber of the account's topic (name or ARN; a name is
   * looked up in `region` when given). Resolves once each subscriber has answered or its
   * attempts are spent; throws TopicNotFoundError for an unknown topic. Never rejects for
   * a subscriber's failure: that is in the result.
   */
  async publish(
    accountId: string,
    topicNameOrArn: string,
    message: LogDeliveryMessage,
    options: { region?: string; subject?: string; signal?: AbortSignal } = {},
  ): Promise<PublishResult> {
    const scope: TopicScope = { accountId, region: options.region }
    const topic = this.#topics.get(topicNameOrArn, scope)
    const messageId = randomUUID()
    const body: SnsNotificationBody = {
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: topic.topicArn,
      ...(options.subject === undefined ? {} : { Subject: options.subject }),
      Message: JSON.stringify({ s3Bucket: message.s3Bucket, s3ObjectKey: message.s3ObjectKey }),
      Timestamp: new Date().toISOString(),
    }
    const text = JSON.stringify(body)
    const outcomes = await Promise.all(
      topic.subscriptions.map((subscription) =>
        this.#deliver(subscription.endpoint, text, {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': messageId,
          'x-amz-sns-topic-arn': topic.topicArn,
          'x-amz-sns-subscription-arn': subscription.subscriptionArn,
        }, options.signal).then((outcome) => ({ subscription, outcome })),
      ),
    )
    const failures: DeliveryFailure[] = outcomes
      .filter(({ outcome }) => outcome.error !== undefined)
      .map(({ subscription, outcome }) => ({
        subscriptionArn: subscription.subscriptionArn,
        endpoint: redactEndpoint(subscription.endpoint),
        error: outcome.error!,
        attempts: outcome.attempts,
      }))
    const result: PublishResult = {
      topicArn: topic.topicArn,
      messageId,
      delivered: outcomes.length - failures.length,
      failed: failures.length,
      failures,
    }
    if (failures.length > 0) {
      const first = failures[0]
      result.error = `${failures.length} of ${outcomes.length} subscribers failed: ${first.error} from ${first.endpoint}`
    }
    return result
  }

  async #deliver(endpoint: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<{ error?: string; attempts: number }> {
    let error = ''
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await delay(this.#backoffMs * 2 ** (attempt - 2), undefined, { signal })
      const timeout = AbortSignal.timeout(this.#attemptTimeoutMs)
      let retryable: boolean
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        })
        // Read the answer to the end so the connection can be reused.
        await response.arrayBuffer()
        if (response.ok) return { attempts: attempt }
        error = `HTTP ${response.status}`
        retryable = response.status === 429 || response.status >= 500
      } catch (caught) {
        if (signal?.aborted) throw caught
        error = networkErrorCode(caught)
        retryable = true
      }
      if (!retryable) return { error, attempts: attempt }
    }
    return { error, attempts: this.#attempts }
  }
}

/** fetch wraps the system error (`ECONNREFUSED`) in a TypeError's cause; timeouts are a DOMException. */
function networkErrorCode(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'TimeoutError'
  const cause = error instanceof Error ? error.cause : undefined
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code
  return error instanceof Error ? error.name : 'NetworkError'
}

/** Subscriber URLs often carry a token; keep it out of status and logs. */
function redactEndpoint(endpoint: string): string {
  const url = new URL(endpoint)
  return `${url.protocol}//${url.host}${url.pathname}`
}
