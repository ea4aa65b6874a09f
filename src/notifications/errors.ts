/**
 * Typed failures of notification topics. `code` is the SNS error code (`NotFound`,
 * `InvalidParameter`), so trail status can report it as CloudTrail reports SNS's.
 */

export class TopicError extends Error {
  override name = 'TopicError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** No topic by that name or ARN in the account (SNS `NotFound`). */
export class TopicNotFoundError extends TopicError {
  override name = 'TopicNotFoundError'
  constructor(readonly topicRef: string, readonly accountId?: string) {
    super('NotFound', `no topic ${topicRef}${accountId === undefined ? '' : ` in account ${accountId}`}`)
  }
}

/** A topic name given without a Region matches topics in several Regions. */
export class TopicAmbiguousError extends TopicError {
  override name = 'TopicAmbiguousError'
  constructor(readonly topicRef: string, readonly topicArns: string[]) {
    super('InvalidParameter', `topic name ${topicRef} is in several Regions; give its ARN: ${topicArns.join(', ')}`)
  }
}

/** A topic name SNS would refuse (1-256 letters, digits, `-` and `_`). */
export class InvalidTopicNameError extends TopicError {
  override name = 'InvalidTopicNameError'
  constructor(readonly topicName: string) {
    super('InvalidParameter', `invalid topic name ${JSON.stringify(topicName)}: use 1-256 letters, digits, - or _`)
  }
}

/** A subscriber endpoint that is not an http(s) URL. */
export class InvalidEndpointError extends TopicError {
  override name = 'InvalidEndpointError'
  constructor(readonly endpoint: string) {
    super('InvalidParameter', 'subscriber endpoint must be an http:// or https:// URL')
  }
}
