/** `opentrail lookup`: Event History from the command line, through the CloudTrail API. */
import type { LookupAttribute, LookupAttributeKey } from '@aws-sdk/client-cloudtrail'
import { parseDuration } from '../config/index.js'
import { cloudTrailClient, cloudTrailSdk } from './client.js'
import type { ClientFlags } from './client.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'

export interface LookupFlags extends ClientFlags {
  eventName?: string
  eventSource?: string
  eventId?: string
  username?: string
  accessKeyId?: string
  resourceType?: string
  resourceName?: string
  readOnly?: string
  since?: string
  startTime?: string
  endTime?: string
  limit: string
  insight?: boolean
  output: OutputFormat
}

const ATTRIBUTE_FLAGS: [keyof LookupFlags, LookupAttributeKey][] = [
  ['eventName', 'EventName'],
  ['eventSource', 'EventSource'],
  ['eventId', 'EventId'],
  ['username', 'Username'],
  ['accessKeyId', 'AccessKeyId'],
  ['resourceType', 'ResourceType'],
  ['resourceName', 'ResourceName'],
  ['readOnly', 'ReadOnly'],
]

export async function lookup(flags: LookupFlags): Promise<void> {
  const attributes: LookupAttribute[] = ATTRIBUTE_FLAGS.filter(([flag]) => flags[flag] !== undefined).map(([flag, key]) => ({
    AttributeKey: key,
    AttributeValue: String(flags[flag]),
  }))
  const limit = Number(flags.limit)
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive whole number, got ${flags.limit}`)
  const endTime = flags.endTime ? parseDate(flags.endTime, '--end-time') : undefined
  const startTime = flags.since
    ? new Date((endTime?.getTime() ?? Date.now()) - parseDuration(flags.since))
    : flags.startTime
      ? parseDate(flags.startTime, '--start-time')
      : undefined
  const client = cloudTrailClient(flags)
  const rows: Record<string, unknown>[] = []
  let nextToken: string | undefined
  do {
    const page = await client.send(
      new (cloudTrailSdk().LookupEventsCommand)({
        LookupAttributes: attributes.length ? attributes : undefined,
        StartTime: startTime,
        EndTime: endTime,
        EventCategory: flags.insight ? 'insight' : undefined,
        MaxResults: Math.min(50, limit - rows.length),
        NextToken: nextToken,
      }),
    )
    for (const e of page.Events ?? []) {
      rows.push({
        EventTime: e.EventTime,
        EventName: e.EventName,
        Username: e.Username,
        EventSource: e.EventSource,
        ResourceType: e.Resources?.map((r) => r.ResourceType).join(' '),
        ResourceName: e.Resources?.map((r) => r.ResourceName).join(' '),
        EventId: e.EventId,
        ...(flags.output === 'json' ? { CloudTrailEvent: JSON.parse(e.CloudTrailEvent ?? 'null') as unknown } : {}),
      })
    }
    nextToken = page.NextToken
  } while (nextToken && rows.length < limit)
  const columns = ['EventTime', 'EventName', 'Username', 'EventSource', 'ResourceType', 'ResourceName', 'EventId']
  console.log(render(rows, flags.output === 'json' ? [...columns, 'CloudTrailEvent'] : columns, flags.output))
}

function parseDate(value: string, flag: string): Date {
  const date = new Date(/^\d+$/.test(value) ? Number(value) * 1000 : value)
  if (Number.isNaN(date.getTime())) throw new Error(`${flag} must be a date (ISO 8601 or epoch seconds), got ${value}`)
  return date
}
