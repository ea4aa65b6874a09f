/**
 * The trail operations of CloudTrail's API: trails (Create/Update/Delete/Get/Describe/List),
 * logging and its status, event and Insights selectors, and tags.
 *
 * Regions: a trail lives in its home Region; a multi-Region trail is also seen from every
 * other Region as a shadow trail, which can be read but only changed from home
 * (InvalidHomeRegionException). A bare name means a trail seen from the request's Region;
 * an ARN names one trail wherever it lives.
 */
import { ApiError, readString, toApiError } from '../api/index.js'
import type { JsonObject, Operation, RequestContext } from '../api/index.js'
import { StorageError } from '../storage/index.js'
import type { ObjectStore } from '../storage/index.js'
import { TrailError, trailNotFound } from './errors.js'
import { TrailArnInvalidError, parseTrailRef, trailArn, validateTrailName } from './names.js'
import { validateAdvancedEventSelectors, validateEventSelectors, validateInsightSelectors } from './selectors.js'
import type { SqliteTrailStore, TrailChanges } from './sqlite-trail-store.js'
import type { Trail } from './trail.js'
import {
  DEFAULT_EVENT_SELECTORS,
  booleanMember,
  mergeTags,
  readAdvancedEventSelectors,
  readBucketName,
  readCloudWatchLogs,
  readEventSelectors,
  readInsightSelectors,
  readKeyPrefix,
  readKmsKey,
  readNewTrailName,
  readSnsTopic,
  readTags,
  stringMember,
} from './trail-input.js'
import type { KmsKeyResolver } from './trail-input.js'
import { trailDescription, trailInfo, trailSettings, trailStatus } from './trail-output.js'

export const TRAIL_RESOURCE_TYPE = 'AWS::CloudTrail::Trail'
/** ListTrails has no MaxResults; CloudTrail pages at its own discretion. */
export const DEFAULT_LIST_TRAILS_PAGE_SIZE = 50
/** ListTags takes at most 20 resource ids. */
const MAX_LIST_TAGS_RESOURCES = 20

export interface TrailOperationDeps {
  store: SqliteTrailStore
  objectStore: ObjectStore
  /** True with the folder store: a new user has no other way to make a local bucket. */
  createMissingBuckets: boolean
  /** The journal's head; StartLogging remembers it, as delivery starts after it. */
  journalHead: () => Promise<number>
  /**
   * HOOK for the key service: resolves a KmsKeyId (id, ARN, alias) to its key ARN, or
   * undefined when there is no such key (KmsKeyNotFoundException). Without it only the
   * format of KmsKeyId is checked.
   */
  kmsKeyResolver?: KmsKeyResolver
  listTrailsPageSize?: number
}

type Resource = { ARN: string; accountId: string; type: string }

export function trailOperations(deps: TrailOperationDeps): Record<string, Operation> {
  const { store } = deps
  // The trails a call acted on, for its recorded event: kept per request (the same context
  // object reaches `handle` and `resources`), since a deleted trail can no longer be looked up.
  const touched = new WeakMap<RequestContext, Trail[]>()
  const note = (ctx: RequestContext, ...trails: Trail[]) => {
    touched.set(ctx, [...(touched.get(ctx) ?? []), ...trails])
    return trails[0]
  }
  const resources = (member: string): Operation['resources'] => (input, _output, ctx) => {
    const trails = touched.get(ctx)
    if (trails) return trails.map((t) => ({ ARN: t.arn, accountId: t.accountId, type: TRAIL_RESOURCE_TYPE }))
    return arnResource(input[member], ctx)
  }

  /** The trail a request's `Name`/`TrailName` means. */
  function resolve(input: JsonObject, member: string, ctx: RequestContext, access: 'read' | 'write'): Trail {
    const ref = stringMember(input, member)
    if (ref === undefined || ref === '') throw new TrailError('TrailNotProvidedException', `${member} is required.`)
    const trail = lookup(ref, ctx)
    if (!trail) throw trailNotFound(ref, ctx.caller.accountId)
    if (access === 'write' && trail.homeRegion !== ctx.region) {
      throw new TrailError(
        'InvalidHomeRegionException',
        `The trail ${trail.arn} can only be changed from its home Region ${trail.homeRegion}, not ${ctx.region}.`,
      )
    }
    return note(ctx, trail)!
  }

  function lookup(ref: string, ctx: RequestContext): Trail | undefined {
    const parsed = parseRef(ref)
    const problem = validateTrailName(parsed.name)
    if (problem) throw new TrailError('InvalidTrailNameException', problem)
    if (parsed.region === undefined) return store.findVisible(ctx.caller.accountId, ctx.region, parsed.name)
    if (parsed.accountId !== ctx.caller.accountId) return undefined
    return store.get(trailArn(parsed.region, parsed.accountId, parsed.name))
  }

  async function checkBucket(bucket: string): Promise<void> {
    try {
      if (await deps.objectStore.bucketExists(bucket)) return
      if (!deps.createMissingBuckets) throw new TrailError('S3BucketDoesNotExistException', `S3 bucket ${bucket} does not exist.`)
      await deps.objectStore.createBucket(bucket)
    } catch (error) {
      if (!(error instanceof StorageError)) throw error
      // Not the store's own code: that would reach the client as if CloudTrail had said it.
      if (error.code === 'AccessDenied' || error.code === 'Forbidden') {
        throw new TrailError('InsufficientS3BucketPolicyException', `Cannot reach S3 bucket ${bucket}: ${error.code}.`, { cause: error })
      }
      throw new TrailError('ServiceUnavailableException', `The object store could not check bucket ${bucket}: ${error.code}.`, { cause: error })
    }
  }

  return {
    CreateTrail: {
      readOnly: false,
      async handle(input, ctx) {
        const accountId = ctx.caller.accountId
        const name = readNewTrailName(input)
        const bucket = stringMember(input, 'S3BucketName')
        if (bucket === undefined) throw new TrailError('InvalidParameterException', 'S3BucketName is required.')
        readBucketName(bucket)
        const prefix = optional(stringMember(input, 'S3KeyPrefix'), readKeyPrefix)
        const topic = optional(stringMember(input, 'SnsTopicName'), readSnsTopic)
        const kms = optional(stringMember(input, 'KmsKeyId'), (v) => readKmsKey(v, accountId, ctx.region, deps.kmsKeyResolver))
        const cloudWatch = readCloudWatchLogs(input)
        const isMultiRegionTrail = booleanMember(input, 'IsMultiRegionTrail') ?? false
        const includeGlobalServiceEvents = booleanMember(input, 'IncludeGlobalServiceEvents') ?? true
        checkRegionCombination(isMultiRegionTrail, includeGlobalServiceEvents)
        checkNotOrganization(input)
        const tags = mergeTags([], readTags(input) ?? [])
        await checkBucket(bucket)
        const trail = store.create({
          name,
          accountId,
          homeRegion: ctx.region,
          s3BucketName: bucket,
          s3KeyPrefix: prefix ?? undefined,
          snsTopicName: topic ?? undefined,
          kmsKeyId: kms ?? undefined,
          cloudWatchLogsLogGroupArn: cloudWatch?.group ?? undefined,
          cloudWatchLogsRoleArn: cloudWatch?.role ?? undefined,
          includeGlobalServiceEvents,
          isMultiRegionTrail,
          logFileValidationEnabled: booleanMember(input, 'EnableLogFileValidation') ?? false,
          tags,
        })
        note(ctx, trail)
        return trailSettings(trail)
      },
      resources: resources('Name'),
    },

    UpdateTrail: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = resolve(input, 'Name', ctx, 'write')
        const bucket = stringMember(input, 'S3BucketName')
        const cloudWatch = readCloudWatchLogs(input)
        const changes: TrailChanges = {
          s3BucketName: bucket === undefined ? undefined : readBucketName(bucket),
          s3KeyPrefix: optional(stringMember(input, 'S3KeyPrefix'), readKeyPrefix),
          snsTopicName: optional(stringMember(input, 'SnsTopicName'), readSnsTopic),
          kmsKeyId: optional(stringMember(input, 'KmsKeyId'), (v) => readKmsKey(v, trail.accountId, trail.homeRegion, deps.kmsKeyResolver)),
          cloudWatchLogsLogGroupArn: cloudWatch?.group,
          cloudWatchLogsRoleArn: cloudWatch?.role,
          includeGlobalServiceEvents: booleanMember(input, 'IncludeGlobalServiceEvents'),
          isMultiRegionTrail: booleanMember(input, 'IsMultiRegionTrail'),
          logFileValidationEnabled: booleanMember(input, 'EnableLogFileValidation'),
        }
        checkRegionCombination(
          changes.isMultiRegionTrail ?? trail.isMultiRegionTrail,
          changes.includeGlobalServiceEvents ?? trail.includeGlobalServiceEvents,
        )
        checkNotOrganization(input)
        if (bucket !== undefined) await checkBucket(bucket)
        return trailSettings(store.update(trail.arn, changes))
      },
      resources: resources('Name'),
    },

    DeleteTrail: {
      readOnly: false,
      async handle(input, ctx) {
        store.delete(resolve(input, 'Name', ctx, 'write').arn)
        return {}
      },
      resources: resources('Name'),
    },

    GetTrail: {
      readOnly: true,
      async handle(input, ctx) {
        return { Trail: trailDescription(resolve(input, 'Name', ctx, 'read')) }
      },
      resources: resources('Name'),
    },

    DescribeTrails: {
      readOnly: true,
      async handle(input, ctx) {
        const includeShadows = booleanMember(input, 'includeShadowTrails') ?? true
        const names = input.trailNameList
        let trails: Trail[]
        if (names === undefined || names === null || (Array.isArray(names) && names.length === 0)) {
          trails = store.listVisible(ctx.caller.accountId, ctx.region)
        } else {
          if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) {
            throw new TrailError('InvalidParameterException', 'trailNameList must be a list of trail names or ARNs.')
          }
          // Unknown names are left out, not refused, as CloudTrail does.
          const found = names.map((n) => lookup(n, ctx)).filter((t): t is Trail => t !== undefined)
          trails = [...new Map(found.map((t) => [t.arn, t])).values()]
          note(ctx, ...trails)
        }
        if (!includeShadows) trails = trails.filter((t) => t.homeRegion === ctx.region)
        return { trailList: trails.map(trailDescription) }
      },
      resources: (_input, _output, ctx) => (touched.get(ctx) ?? []).map(trailResource),
    },

    ListTrails: {
      readOnly: true,
      async handle(input, ctx) {
        const pageSize = deps.listTrailsPageSize ?? DEFAULT_LIST_TRAILS_PAGE_SIZE
        const all = store.listVisible(ctx.caller.accountId, ctx.region)
        const token = readString(input, 'NextToken')
        const start = token === undefined ? 0 : decodeOffset(token)
        const next = start + pageSize < all.length ? encodeOffset(start + pageSize) : undefined
        return { Trails: all.slice(start, start + pageSize).map(trailInfo), ...(next && { NextToken: next }) }
      },
    },

    GetTrailStatus: {
      readOnly: true,
      async handle(input, ctx) {
        const trail = resolve(input, 'Name', ctx, 'read')
        return trailStatus(trail, store.getStatus(trail.arn))
      },
      resources: resources('Name'),
    },

    StartLogging: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = resolve(input, 'Name', ctx, 'write')
        // This call's own event is appended after the head read here, so the trail logs it.
        store.setLogging(trail.arn, true, await deps.journalHead(), ctx.receivedAt)
        return {}
      },
      resources: resources('Name'),
    },

    StopLogging: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = resolve(input, 'Name', ctx, 'write')
        store.setLogging(trail.arn, false, trail.loggingStartedSeq, ctx.receivedAt)
        return {}
      },
      resources: resources('Name'),
    },

    PutEventSelectors: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = resolve(input, 'TrailName', ctx, 'write')
        const hasBasic = input.EventSelectors !== undefined && input.EventSelectors !== null
        const hasAdvanced = input.AdvancedEventSelectors !== undefined && input.AdvancedEventSelectors !== null
        if (hasBasic === hasAdvanced) {
          throw new TrailError('InvalidEventSelectorsException', 'Specify either EventSelectors or AdvancedEventSelectors, but not both.')
        }
        if (hasBasic) {
          const eventSelectors = readEventSelectors(input.EventSelectors)
          throwIf(validateEventSelectors(eventSelectors))
          const updated = store.putSelectors(trail.arn, { eventSelectors })
          return { TrailARN: updated.arn, EventSelectors: eventSelectors }
        }
        const advancedEventSelectors = readAdvancedEventSelectors(input.AdvancedEventSelectors)
        throwIf(validateAdvancedEventSelectors(advancedEventSelectors, { scope: 'trail' }))
        const updated = store.putSelectors(trail.arn, { advancedEventSelectors })
        return { TrailARN: updated.arn, AdvancedEventSelectors: advancedEventSelectors }
      },
      resources: resources('TrailName'),
    },

    GetEventSelectors: {
      readOnly: true,
      async handle(input, ctx) {
        const trail = resolve(input, 'TrailName', ctx, 'read')
        if (trail.advancedEventSelectors) return { TrailARN: trail.arn, AdvancedEventSelectors: trail.advancedEventSelectors }
        return { TrailARN: trail.arn, EventSelectors: trail.eventSelectors ?? DEFAULT_EVENT_SELECTORS }
      },
      resources: resources('TrailName'),
    },

    PutInsightSelectors: {
      readOnly: false,
      async handle(input, ctx) {
        checkTrailNotEventDataStore(input)
        const trail = resolve(input, 'TrailName', ctx, 'write')
        if (input.InsightSelectors === undefined || input.InsightSelectors === null) {
          throw new TrailError('InvalidParameterException', 'InsightSelectors is required.')
        }
        const selectors = readInsightSelectors(input.InsightSelectors)
        const error = validateInsightSelectors(selectors, {
          eventSelectors: trail.eventSelectors,
          advancedEventSelectors: trail.advancedEventSelectors,
        })
        if (error) throw new TrailError('InvalidInsightSelectorsException', error.message, { cause: error })
        const updated = store.putInsightSelectors(trail.arn, selectors)
        return { TrailARN: updated.arn, InsightSelectors: selectors }
      },
      resources: resources('TrailName'),
    },

    GetInsightSelectors: {
      readOnly: true,
      async handle(input, ctx) {
        checkTrailNotEventDataStore(input)
        const trail = resolve(input, 'TrailName', ctx, 'read')
        if (!trail.insightSelectors?.length) {
          throw new TrailError('InsightNotEnabledException', `Trail ${trail.name} does not have Insights enabled.`)
        }
        return { TrailARN: trail.arn, InsightSelectors: trail.insightSelectors }
      },
      resources: resources('TrailName'),
    },

    AddTags: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = taggedTrail(input, ctx, 'write')
        const tags = readTags(input) ?? requiredTags()
        store.setTags(trail.arn, mergeTags(trail.tags, tags))
        return {}
      },
      resources: resources('ResourceId'),
    },

    RemoveTags: {
      readOnly: false,
      async handle(input, ctx) {
        const trail = taggedTrail(input, ctx, 'write')
        const keys = new Set((readTags(input) ?? requiredTags()).map((t) => t.Key))
        store.setTags(trail.arn, trail.tags.filter((t) => !keys.has(t.Key)))
        return {}
      },
      resources: resources('ResourceId'),
    },

    ListTags: {
      readOnly: true,
      async handle(input, ctx) {
        const ids = input.ResourceIdList
        if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string') || ids.length > MAX_LIST_TAGS_RESOURCES) {
          throw new TrailError('InvalidParameterException', `ResourceIdList must list up to ${MAX_LIST_TAGS_RESOURCES} resource ARNs.`)
        }
        const trails = ids.map((id) => taggedTrail({ ResourceId: id }, ctx, 'read'))
        return { ResourceTagList: trails.map((t) => ({ ResourceId: t.arn, TagsList: t.tags })) }
      },
      resources: (_input, _output, ctx) => (touched.get(ctx) ?? []).map(trailResource),
    },
  }

  /** A tag operation's `ResourceId`: a trail ARN (channels and event data stores are not taggable here yet). */
  function taggedTrail(input: JsonObject, ctx: RequestContext, access: 'read' | 'write'): Trail {
    const id = stringMember(input, 'ResourceId')
    if (id === undefined || id === '') throw new TrailError('InvalidParameterException', 'ResourceId is required.')
    if (/^arn:[^:]*:cloudtrail:[^:]*:[^:]*:(channel|eventdatastore)\//.test(id)) {
      throw new TrailError('ResourceTypeNotSupportedException', `Tagging ${id} is not supported; OpenTrail tags trails only.`)
    }
    const parsed = parseRef(id)
    if (parsed.region === undefined) {
      throw new TrailError('CloudTrailARNInvalidException', `${id} is not a trail ARN. The ARN must look like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.`)
    }
    const trail = parsed.accountId === ctx.caller.accountId ? store.get(trailArn(parsed.region, parsed.accountId, parsed.name)) : undefined
    if (!trail) throw new TrailError('ResourceNotFoundException', `Resource ${id} not found.`)
    if (access === 'write' && trail.homeRegion !== ctx.region) {
      throw new TrailError('InvalidHomeRegionException', `Tags of ${trail.arn} can only be changed from its home Region ${trail.homeRegion}.`)
    }
    note(ctx, trail)
    return trail
  }
}

function parseRef(ref: string) {
  try {
    return parseTrailRef(ref)
  } catch (error) {
    if (error instanceof TrailArnInvalidError) throw new TrailError('CloudTrailARNInvalidException', error.message, { cause: error })
    throw error
  }
}

function trailResource(trail: Trail): Resource {
  return { ARN: trail.arn, accountId: trail.accountId, type: TRAIL_RESOURCE_TYPE }
}

/** For a call that failed before finding its trail: the ARN it named, if it named one. */
function arnResource(value: unknown, ctx: RequestContext): Resource[] {
  if (typeof value !== 'string' || !/^arn:[^:]+:cloudtrail:[^:]+:\d{12}:trail\/.+$/.test(value)) return []
  return [{ ARN: value, accountId: ctx.caller.accountId, type: TRAIL_RESOURCE_TYPE }]
}

function optional<T>(value: string | undefined, read: (value: string) => T): T | undefined {
  return value === undefined ? undefined : read(value)
}

function throwIf(error: Error | undefined): void {
  if (error) throw new TrailError('InvalidEventSelectorsException', error.message, { cause: error })
}

function requiredTags(): never {
  throw new TrailError('InvalidParameterException', 'TagsList is required.')
}

function checkRegionCombination(isMultiRegionTrail: boolean, includeGlobalServiceEvents: boolean): void {
  if (isMultiRegionTrail && !includeGlobalServiceEvents) {
    throw new TrailError(
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events.',
    )
  }
}

function checkNotOrganization(input: JsonObject): void {
  if (booleanMember(input, 'IsOrganizationTrail') === true) {
    throw new TrailError('OrganizationsNotInUseException', 'This account is not a member of an organization; OpenTrail has no organization trails.')
  }
}

function checkTrailNotEventDataStore(input: JsonObject): void {
  const eds = stringMember(input, 'EventDataStore')
  if (eds !== undefined && stringMember(input, 'TrailName') !== undefined) {
    throw new TrailError('InvalidParameterCombinationException', 'Specify either TrailName or EventDataStore, not both.')
  }
  if (eds !== undefined) throw new TrailError('UnsupportedOperationException', 'Insights on event data stores are not supported.')
}

function encodeOffset(offset: number): string {
  return Buffer.from(`trails:${offset}`).toString('base64url')
}

function decodeOffset(token: string): number {
  const m = /^trails:(\d+)$/.exec(Buffer.from(token, 'base64url').toString())
  if (!m) throw new TrailError('InvalidNextTokenException', 'The NextToken is not valid.')
  return Number(m[1])
}
