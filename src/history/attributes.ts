/**
 * What Event History sees in a record: its category, and the values of the LookupEvents
 * attributes. Pure functions of the record, so indexing, replay and the EventId path
 * all derive the same values.
 *
 * Rules (CloudTrail does not publish its own; these follow its documented examples):
 * - Category: Insights records (eventCategory Insight / eventType AwsCloudTrailInsight)
 *   are `insight`; Management and ActivityAuditLog (PutAuditEvents) records are
 *   `management` unless marked data (managementEvent === false); Data and
 *   NetworkActivity are `data`; Lake-only categories are `other`. Records older than
 *   eventVersion 1.07 without eventCategory count as management unless managementEvent
 *   is false. Only management and insight events are indexed: Event History shows
 *   nothing else.
 * - Username ("a user name or role name of the requester"): Root → "root"; AssumedRole →
 *   the role session name (last part of the assumed-role ARN, else of principalId
 *   `ROLEID:session`, else sessionIssuer.userName); FederatedUser → the federated user's
 *   name from its ARN; otherwise userIdentity.userName; AWSService (or no type, as on
 *   AwsServiceEvent records) → invokedBy; an
 *   ActivityLog (PutAuditEvents) identity without a userName → its principalId.
 * - AccessKeyId: userIdentity.accessKeyId when not empty.
 * - Resources: the record's `resources[]`, `type` → ResourceType, `ARN` → ResourceName.
 *   CloudTrail shows plain names for some services (an instance id, a bucket name), so a
 *   ResourceName lookup also matches the ARN's resource part (after the last `/`, or the
 *   last `:` when there is no `/`), e.g. `my-bucket` for `arn:aws:s3:::my-bucket`. The
 *   response shows the ARN as recorded. Resources CloudTrail derives from request
 *   parameters when the record has no `resources` are not derived here.
 * - Insights: EventName and EventSource come from insightDetails.
 */
import type { RecordSkeleton, UserIdentity } from '../record/index.js'
import type { LookupResource } from './types.js'

export type HistoryCategory = 'management' | 'insight' | 'data' | 'other'

/** The attribute values of one record, undefined where the record has none. */
export interface HistoryAttributes {
  category: HistoryCategory
  eventTimeMs: number
  readOnly: boolean | undefined
  eventName: string | undefined
  eventSource: string | undefined
  username: string | undefined
  accessKeyId: string | undefined
  resources: LookupResource[]
}

export function historyCategory(record: RecordSkeleton): HistoryCategory {
  const category = record.eventCategory
  if (category === 'Insight' || record.eventType === 'AwsCloudTrailInsight') return 'insight'
  if (category === 'Data' || category === 'NetworkActivity') return 'data'
  if (category === undefined || category === 'Management' || category === 'ActivityAuditLog') {
    return record.managementEvent === false ? 'data' : 'management'
  }
  return 'other'
}

export function historyAttributes(record: RecordSkeleton): HistoryAttributes {
  const category = historyCategory(record)
  const time = Date.parse(record.eventTime)
  const insight = category === 'insight' ? (record.insightDetails ?? {}) : undefined
  return {
    category,
    eventTimeMs: Number.isFinite(time) ? time : 0,
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : undefined,
    eventName: nonEmpty(insight ? insight.eventName : record.eventName),
    eventSource: nonEmpty(insight ? insight.eventSource : record.eventSource),
    username: insight ? undefined : lookupUsername(record),
    accessKeyId: insight ? undefined : nonEmpty(record.userIdentity?.accessKeyId),
    resources: insight ? [] : lookupResources(record),
  }
}

export function lookupUsername(record: RecordSkeleton): string | undefined {
  const identity: UserIdentity | undefined = record.userIdentity
  if (!identity) return undefined
  switch (identity.type) {
    case 'Root':
      return 'root'
    case 'AssumedRole':
      return (
        lastArnPart(identity.arn, ':assumed-role/') ??
        afterColon(identity.principalId) ??
        nonEmpty(identity.sessionContext?.sessionIssuer?.userName)
      )
    case 'FederatedUser':
      return lastArnPart(identity.arn, ':federated-user/') ?? nonEmpty(identity.userName) ?? afterColon(identity.principalId)
  }
  const userName = nonEmpty(identity.userName)
  if (userName) return userName
  // AwsServiceEvent identities often carry no type at all, only invokedBy.
  if (identity.type === 'AWSService' || identity.type === undefined) return nonEmpty(identity.invokedBy)
  if (record.eventType === 'ActivityLog') return nonEmpty(identity.principalId)
  return undefined
}

export function lookupResources(record: RecordSkeleton): LookupResource[] {
  if (!Array.isArray(record.resources)) return []
  const out: LookupResource[] = []
  for (const resource of record.resources) {
    if (typeof resource !== 'object' || resource === null) continue
    const entry: LookupResource = {}
    const type = nonEmpty(resource.type)
    const name = nonEmpty(resource.ARN)
    if (type !== undefined) entry.ResourceType = type
    if (name !== undefined) entry.ResourceName = name
    if (type !== undefined || name !== undefined) out.push(entry)
  }
  return out
}

/** The values a ResourceName lookup matches for one resource name: itself and its short form. */
export function resourceNameKeys(name: string): string[] {
  if (!name.startsWith('arn:')) return [name]
  const slash = name.lastIndexOf('/')
  const short = slash >= 0 ? name.slice(slash + 1) : name.slice(name.lastIndexOf(':') + 1)
  return short && short !== name ? [name, short] : [name]
}

function lastArnPart(arn: unknown, marker: string): string | undefined {
  if (typeof arn !== 'string' || !arn.includes(marker)) return undefined
  return nonEmpty(arn.slice(arn.lastIndexOf('/') + 1))
}

function afterColon(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const i = value.indexOf(':')
  return i >= 0 ? nonEmpty(value.slice(i + 1)) : undefined
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
