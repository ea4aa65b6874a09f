/**
 * Reading the trail API's request members: each reader checks one member against
 * CloudTrail's rules and throws the TrailError CloudTrail would answer with. Shapes of
 * nested lists (selectors, tags) are checked with zod, their meaning by selectors.ts.
 */
import { z } from 'zod'
import type { JsonObject } from '../api/index.js'
import { TrailError } from './errors.js'
import type { TrailErrorCode } from './errors.js'
import { validateS3BucketName, validateS3KeyPrefix, validateSnsTopicName, validateTrailName } from './names.js'
import type { AdvancedEventSelector, EventSelector, InsightSelector } from './selectors.js'
import type { TrailTag } from './sqlite-trail-store.js'

export const MAX_TAGS_PER_RESOURCE = 50
export const TAG_KEY_MAX_LENGTH = 128
export const TAG_VALUE_MAX_LENGTH = 256
const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u

/** Resolves a KMS key reference to its key ARN; undefined when no such key exists. */
export type KmsKeyResolver = (ref: string, accountId: string, region: string) => string | undefined

function fail(code: TrailErrorCode, message: string): never {
  throw new TrailError(code, message)
}

/** A string member; a wrong type is InvalidParameterException, as CloudTrail's validation answers. */
export function stringMember(input: JsonObject, member: string): string | undefined {
  const value = input[member]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') fail('InvalidParameterException', `${member} must be a string.`)
  return value
}

export function booleanMember(input: JsonObject, member: string): boolean | undefined {
  const value = input[member]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') fail('InvalidParameterException', `${member} must be a boolean.`)
  return value
}

export function readNewTrailName(input: JsonObject): string {
  const name = stringMember(input, 'Name')
  if (name === undefined || name === '') fail('TrailNotProvidedException', 'Trail name is required.')
  const problem = validateTrailName(name)
  if (problem) fail('InvalidTrailNameException', problem)
  return name
}

export function readBucketName(value: string): string {
  const problem = validateS3BucketName(value)
  if (problem) fail('InvalidS3BucketNameException', problem)
  return value
}

/** Empty means "no prefix" (UpdateTrail clears it so). */
export function readKeyPrefix(value: string): string | null {
  if (value === '') return null
  const problem = validateS3KeyPrefix(value)
  if (problem) fail('InvalidS3PrefixException', problem)
  return value
}

/** Empty means "no topic". */
export function readSnsTopic(value: string): string | null {
  if (value === '') return null
  const problem = validateSnsTopicName(value)
  if (problem) fail('InvalidSnsTopicNameException', problem)
  return value
}

/** The topic's ARN: as given, or built from the trail's Region and account. */
export function snsTopicArn(topic: string, region: string, accountId: string): string {
  return topic.startsWith('arn:') ? topic : `arn:aws:sns:${region}:${accountId}:${topic}`
}

/** The topic's name, also when it was given as an ARN. */
export function snsTopicNameOf(topic: string): string {
  return topic.startsWith('arn:') ? topic.slice(topic.lastIndexOf(':') + 1) : topic
}

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/((?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}))$/
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/[A-Za-z0-9/_-]{1,250})$/

/**
 * `KmsKeyId` as a key id, key ARN, alias name or alias ARN; returns the key ARN
 * (`arn:aws:kms:<region>:<account>:key/<id>`). Without a resolver only the format is
 * checked, and an alias stays an alias ARN since nothing can say which key it names.
 * Empty means "no encryption".
 */
export function readKmsKey(value: string, accountId: string, region: string, resolver?: KmsKeyResolver): string | null {
  if (value === '') return null
  let arn: string | undefined
  if (KEY_ID.test(value)) arn = `arn:aws:kms:${region}:${accountId}:key/${value}`
  else if (KEY_ARN.test(value) || ALIAS_ARN.test(value)) arn = value
  else if (ALIAS.test(value)) arn = `arn:aws:kms:${region}:${accountId}:${value}`
  if (arn === undefined) fail('InvalidKmsKeyIdException', `Invalid KmsKeyId ${value}: use a key id, key ARN, alias name (alias/…) or alias ARN.`)
  if (!resolver) return arn
  const resolved = resolver(value, accountId, region)
  if (resolved === undefined) fail('KmsKeyNotFoundException', `KMS key ${value} was not found in ${region} for account ${accountId}.`)
  return resolved
}

const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w./#-]{1,512}:\*$/
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/

/** CloudWatch Logs settings go as a pair; empty strings clear both. */
export function readCloudWatchLogs(input: JsonObject): { group: string | null; role: string | null } | undefined {
  const group = stringMember(input, 'CloudWatchLogsLogGroupArn')
  const role = stringMember(input, 'CloudWatchLogsRoleArn')
  if (group === undefined && role === undefined) return undefined
  if (!group && !role) return { group: null, role: null }
  if (!group || !role) {
    fail('InvalidParameterCombinationException', 'CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.')
  }
  if (!LOG_GROUP_ARN.test(group)) fail('InvalidCloudWatchLogsLogGroupArnException', `Invalid CloudWatchLogsLogGroupArn: ${group}`)
  if (!ROLE_ARN.test(role)) fail('InvalidCloudWatchLogsRoleArnException', `Invalid CloudWatchLogsRoleArn: ${role}`)
  return { group, role }
}

// ------------------------------------------------------------ tags

const TagsListShape = z.array(z.object({ Key: z.string(), Value: z.string().nullish() }))

/** A `TagsList` member, each tag checked against CloudTrail's tag rules. */
export function readTags(input: JsonObject, member = 'TagsList'): TrailTag[] | undefined {
  const value = input[member]
  if (value === undefined || value === null) return undefined
  const parsed = TagsListShape.safeParse(value)
  if (!parsed.success) fail('InvalidTagParameterException', `${member} must be a list of {Key, Value} with string members.`)
  return parsed.data.map(({ Key, Value }) => {
    if (Key.length < 1 || Key.length > TAG_KEY_MAX_LENGTH || !TAG_PATTERN.test(Key)) {
      fail('InvalidTagParameterException', `Tag key ${Key} is invalid: 1-${TAG_KEY_MAX_LENGTH} letters, digits, spaces or _.:/=+-@.`)
    }
    if (Key.toLowerCase().startsWith('aws:')) fail('InvalidTagParameterException', `Tag key ${Key} is invalid: the aws: prefix is reserved.`)
    if (Value !== undefined && Value !== null && (Value.length > TAG_VALUE_MAX_LENGTH || !TAG_PATTERN.test(Value))) {
      fail('InvalidTagParameterException', `Tag value for key ${Key} is invalid: at most ${TAG_VALUE_MAX_LENGTH} letters, digits, spaces or _.:/=+-@.`)
    }
    return Value === undefined || Value === null ? { Key } : { Key, Value }
  })
}

/** Adds or overwrites tags by key. @throws TagsLimitExceededException beyond 50 */
export function mergeTags(existing: readonly TrailTag[], added: readonly TrailTag[]): TrailTag[] {
  const byKey = new Map(existing.map((t) => [t.Key, t]))
  for (const tag of added) byKey.set(tag.Key, tag)
  if (byKey.size > MAX_TAGS_PER_RESOURCE) {
    fail('TagsLimitExceededException', `The number of tags on a resource is limited to ${MAX_TAGS_PER_RESOURCE}; this request would make ${byKey.size}.`)
  }
  return [...byKey.values()]
}

// ------------------------------------------------------------ selectors

const stringList = z.array(z.string())
const EventSelectorsShape = z.array(
  z.object({
    ReadWriteType: z.string().optional(),
    IncludeManagementEvents: z.boolean().optional(),
    DataResources: z.array(z.object({ Type: z.string().optional(), Values: stringList.optional() })).optional(),
    ExcludeManagementEventSources: stringList.optional(),
  }),
)
const AdvancedEventSelectorsShape = z.array(
  z.object({
    Name: z.string().optional(),
    FieldSelectors: z.array(
      z.object({
        Field: z.string(),
        Equals: stringList.optional(),
        StartsWith: stringList.optional(),
        EndsWith: stringList.optional(),
        NotEquals: stringList.optional(),
        NotStartsWith: stringList.optional(),
        NotEndsWith: stringList.optional(),
      }),
    ),
  }),
)
const InsightSelectorsShape = z.array(z.object({ InsightType: z.string().optional(), EventCategories: stringList.optional() }))

function shapeError(member: string, error: z.ZodError): string {
  const issue = error.issues[0]
  return `${member}${issue?.path.length ? '.' + issue.path.join('.') : ''}: ${issue?.message ?? 'invalid'}`
}

/** Basic selectors with CloudTrail's defaults filled in, as GetEventSelectors returns them. */
export function readEventSelectors(value: unknown): EventSelector[] {
  const parsed = EventSelectorsShape.safeParse(value)
  if (!parsed.success) fail('InvalidEventSelectorsException', shapeError('EventSelectors', parsed.error))
  return parsed.data.map((s) => ({
    ReadWriteType: (s.ReadWriteType ?? 'All') as EventSelector['ReadWriteType'],
    IncludeManagementEvents: s.IncludeManagementEvents ?? true,
    DataResources: (s.DataResources ?? []).map((d) => ({ ...(d.Type !== undefined && { Type: d.Type }), Values: d.Values ?? [] })),
    ExcludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
  }))
}

export function readAdvancedEventSelectors(value: unknown): AdvancedEventSelector[] {
  const parsed = AdvancedEventSelectorsShape.safeParse(value)
  if (!parsed.success) fail('InvalidEventSelectorsException', shapeError('AdvancedEventSelectors', parsed.error))
  return parsed.data as AdvancedEventSelector[]
}

export function readInsightSelectors(value: unknown): InsightSelector[] {
  const parsed = InsightSelectorsShape.safeParse(value)
  if (!parsed.success) fail('InvalidInsightSelectorsException', shapeError('InsightSelectors', parsed.error))
  // Values are checked by validateInsightSelectors, which names the offending one.
  return parsed.data as InsightSelector[]
}

/** The selectors a trail that never had PutEventSelectors reports: all management events. */
export const DEFAULT_EVENT_SELECTORS: readonly EventSelector[] = Object.freeze([
  { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
])
