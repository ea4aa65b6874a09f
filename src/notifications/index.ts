/**
 * @module notifications
 * SNS-like topics: named lists of webhook URLs per account, and publishing CloudTrail's
 * log-delivery notifications to them with retries.
 */
/** Topics and subscriptions. */
export { TopicStore, topicArn } from './topic-store.js'
export type { Topic, Subscription, TopicScope } from './topic-store.js'
/** Publishing. */
export { TopicNotifier, DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_ATTEMPT_TIMEOUT_MS } from './notifier.js'
export type { LogDeliveryMessage, PublishResult, DeliveryFailure, TopicNotifierOptions, SnsNotificationBody } from './notifier.js'
/** Typed failures; `code` is the SNS error code. */
export { TopicError, TopicNotFoundError, TopicAmbiguousError, InvalidTopicNameError, InvalidEndpointError } from './errors.js'
