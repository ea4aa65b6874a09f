/** LookupEvents, as the history folder sees it: the query, the page, the event. */

/** The eight LookupEvents attribute keys (botocore `LookupAttributeKey`). */
export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number]

/** Keys CloudTrail accepts together with EventCategory=insight. */
export const INSIGHT_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = ['EventId', 'EventName', 'EventSource']

export interface LookupAttribute {
  /** One of LOOKUP_ATTRIBUTE_KEYS; anything else is InvalidLookupAttributesException. */
  key: string
  value: string
}

export interface LookupQuery {
  accountId: string
  region: string
  /**
   * ANDed. CloudTrail allows at most one; several are accepted here as an extension and
   * the api layer decides what to allow. Duplicate keys are refused.
   */
  attributes: LookupAttribute[]
  /** Inclusive. Default: the end of the window minus DEFAULT_LOOKUP_WINDOW_MS (90 days). */
  startTime?: Date
  /** Inclusive. Default: now. */
  endTime?: Date
  /** Only "insight" is valid (Insights events instead of management events). */
  eventCategory?: string
  /** 1..50, default 50. */
  maxResults?: number
  /** From the previous page of a request with the same parameters (maxResults may differ). */
  nextToken?: string
}

export interface LookupResource {
  ResourceType?: string
  ResourceName?: string
}

/** One event as LookupEvents returns it; members without a value are absent. */
export interface LookupEvent {
  EventId: string
  EventName?: string
  ReadOnly?: 'true' | 'false'
  AccessKeyId?: string
  EventTime: Date
  EventSource?: string
  Username?: string
  /** Always present, empty when the event names no resource (as CloudTrail answers). */
  Resources: LookupResource[]
  /** The stored record as JSON text. */
  CloudTrailEvent: string
}

export interface LookupPage {
  events: LookupEvent[]
  nextToken?: string
}

export interface HistoryIndexOptions {
  /** Secret for the NextToken HMAC (at least 16 bytes). Keep it stable across restarts or tokens break. */
  tokenKey: Buffer | string
  /** Default StartTime distance before EndTime; Event History keeps 90 days. */
  defaultWindowMs?: number
  /** The clock for default time windows. */
  now?: () => number
}
