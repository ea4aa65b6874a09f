/** A stored record as one LookupEvents `Events[]` member, and whether it matches an attribute. */
import type { CloudTrailRecord } from '../record/index.js'
import { historyAttributes, resourceNameKeys, type HistoryAttributes } from './attributes.js'
import type { LookupAttributeKey, LookupEvent } from './types.js'

/** `json` is the record's stored JSON text when the caller has it (saves serialising it again). */
export function toLookupEvent(record: CloudTrailRecord, json = JSON.stringify(record)): LookupEvent {
  const a = historyAttributes(record)
  // Members in botocore's order, absent ones left out rather than set to undefined.
  const event: Partial<LookupEvent> = { EventId: record.eventID }
  if (a.eventName !== undefined) event.EventName = a.eventName
  if (a.readOnly !== undefined) event.ReadOnly = a.readOnly ? 'true' : 'false'
  if (a.accessKeyId !== undefined) event.AccessKeyId = a.accessKeyId
  event.EventTime = new Date(a.eventTimeMs)
  if (a.eventSource !== undefined) event.EventSource = a.eventSource
  if (a.username !== undefined) event.Username = a.username
  event.Resources = a.resources
  event.CloudTrailEvent = json
  return event as LookupEvent
}

/** Whether the record's attributes match one lookup attribute, by the same rules the index uses. */
export function matchesAttribute(a: HistoryAttributes, eventId: string, key: LookupAttributeKey, value: string): boolean {
  switch (key) {
    case 'EventId':
      return eventId === value
    case 'EventName':
      return a.eventName === value
    case 'EventSource':
      return a.eventSource === value
    case 'Username':
      return a.username === value
    case 'AccessKeyId':
      return a.accessKeyId === value
    case 'ReadOnly':
      return a.readOnly !== undefined && String(a.readOnly) === value
    case 'ResourceType':
      return a.resources.some((r) => r.ResourceType === value)
    case 'ResourceName':
      return a.resources.some((r) => r.ResourceName !== undefined && resourceNameKeys(r.ResourceName).includes(value))
  }
}
