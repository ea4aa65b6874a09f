/**
 * Event selectors: which events a trail logs.
 *
 * The shapes are CloudTrail's API shapes (PutEventSelectors / GetEventSelectors,
 * PutInsightSelectors). Validation is pure and returns a typed error carrying the message
 * CloudTrail's InvalidEventSelectorsException would carry; `matches` decides, record by
 * record, whether a trail with a given configuration logs it.
 */
import type { CloudTrailRecord, RecordResource, RecordSkeleton } from '../record/index.js'

export type ReadWriteType = 'ReadOnly' | 'WriteOnly' | 'All'

export interface DataResource {
  Type?: string
  Values?: string[]
}

export interface EventSelector {
  /** Default `All`. */
  ReadWriteType?: ReadWriteType
  /** Default true. */
  IncludeManagementEvents?: boolean
  DataResources?: DataResource[]
  ExcludeManagementEventSources?: string[]
}

export interface AdvancedFieldSelector {
  Field: string
  Equals?: string[]
  StartsWith?: string[]
  EndsWith?: string[]
  NotEquals?: string[]
  NotStartsWith?: string[]
  NotEndsWith?: string[]
}

export interface AdvancedEventSelector {
  Name?: string
  FieldSelectors: AdvancedFieldSelector[]
}

export type InsightType = 'ApiCallRateInsight' | 'ApiErrorRateInsight'
export type SourceEventCategory = 'Management' | 'Data'

export interface InsightSelector {
  InsightType?: InsightType
  /** Absent means management events. */
  EventCategories?: SourceEventCategory[]
}

/** A trail's selector configuration; at most one of the two kinds is set at a time. */
export interface SelectorConfig {
  eventSelectors?: EventSelector[]
  advancedEventSelectors?: AdvancedEventSelector[]
}

/** Where advanced selectors are applied: trails accept fewer fields than event data stores. */
export type SelectorScope = 'trail' | 'eventDataStore'

export const MAX_EVENT_SELECTORS = 5
export const MAX_DATA_RESOURCES = 250
export const MAX_ADVANCED_EVENT_SELECTORS = 5
export const MAX_ADVANCED_CONDITION_VALUES = 500
export const MAX_SELECTOR_NAME_LENGTH = 1000
export const MAX_FIELD_LENGTH = 1000
export const MAX_OPERATOR_VALUE_LENGTH = 2048

export const BASIC_DATA_RESOURCE_TYPES = ['AWS::S3::Object', 'AWS::Lambda::Function', 'AWS::DynamoDB::Table'] as const
export const EXCLUDABLE_MANAGEMENT_EVENT_SOURCES = ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] as const
export const INSIGHT_TYPES: readonly InsightType[] = ['ApiCallRateInsight', 'ApiErrorRateInsight']

/** Where in the request a selector problem sits; never holds more than the offending value. */
export interface SelectorErrorDetail {
  selectorIndex?: number
  field?: string
  value?: string
}

/** Maps to InvalidEventSelectorsException; the message is CloudTrail's free text. */
export class InvalidEventSelectorsError extends Error {
  override readonly name = 'InvalidEventSelectorsError'
  readonly retryable = false
  constructor(message: string, readonly detail: SelectorErrorDetail = {}) {
    super(message)
  }
}

/** Maps to InvalidInsightSelectorsException. */
export class InvalidInsightSelectorsError extends Error {
  override readonly name = 'InvalidInsightSelectorsError'
  readonly retryable = false
  constructor(message: string, readonly detail: SelectorErrorDetail = {}) {
    super(message)
  }
}

// ---------------------------------------------------------------- categories

/**
 * The record's event category. Records older than eventVersion 1.07 carry none: they are
 * Insights if their type says so, data events if `managementEvent` is false, else management.
 */
export function eventCategoryOf(record: RecordSkeleton): string {
  if (typeof record.eventCategory === 'string') return record.eventCategory
  if (record.eventType === 'AwsCloudTrailInsight') return 'Insight'
  if (record.managementEvent === false) return 'Data'
  return 'Management'
}

export function isManagementEvent(record: RecordSkeleton): boolean {
  return eventCategoryOf(record) === 'Management'
}

export function isDataEvent(record: RecordSkeleton): boolean {
  return eventCategoryOf(record) === 'Data'
}

export function isInsightEvent(record: RecordSkeleton): boolean {
  return eventCategoryOf(record) === 'Insight'
}

// ---------------------------------------------------------------- basic validation

const READ_WRITE_TYPES: readonly string[] = ['ReadOnly', 'WriteOnly', 'All']
// "All resources of this type": arn:aws:s3 (also arn:aws:s3:::), arn:aws:lambda, arn:aws:dynamodb.
const ALL_OF_TYPE = /^arn:aws[a-z-]*:(s3|lambda|dynamodb)(:::)?$/
const S3_OBJECT_VALUE = /^arn:aws[a-z-]*:s3:::([a-z0-9.-]{3,63})\/.*$/
const LAMBDA_FUNCTION_VALUE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/
const DYNAMODB_TABLE_VALUE = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9._-]{3,255}$/

function isAllOfType(type: string, value: string): boolean {
  const m = ALL_OF_TYPE.exec(value)
  if (!m) return false
  const service = m[1]
  // `arn:aws:s3:::` means all buckets; `arn:aws:lambda:::` is no form CloudTrail documents.
  if (m[2] && service !== 's3') return false
  return (
    (type === 'AWS::S3::Object' && service === 's3') ||
    (type === 'AWS::Lambda::Function' && service === 'lambda') ||
    (type === 'AWS::DynamoDB::Table' && service === 'dynamodb')
  )
}

function isValidDataResourceValue(type: string, value: string): boolean {
  if (isAllOfType(type, value)) return true
  switch (type) {
    case 'AWS::S3::Object':
      return S3_OBJECT_VALUE.test(value)
    case 'AWS::Lambda::Function':
      return LAMBDA_FUNCTION_VALUE.test(value)
    case 'AWS::DynamoDB::Table':
      return DYNAMODB_TABLE_VALUE.test(value)
    default:
      return false
  }
}

/** Checks basic event selectors; returns the error PutEventSelectors would raise, or undefined. */
export function validateEventSelectors(selectors: readonly EventSelector[]): InvalidEventSelectorsError | undefined {
  if (selectors.length < 1 || selectors.length > MAX_EVENT_SELECTORS) {
    return new InvalidEventSelectorsError(
      `Specify a valid number of event selectors (1 to ${MAX_EVENT_SELECTORS}) for a trail. Specified: ${selectors.length}.`,
    )
  }
  let specificResources = 0
  for (const [selectorIndex, selector] of selectors.entries()) {
    const rw = selector.ReadWriteType
    if (rw !== undefined && !READ_WRITE_TYPES.includes(rw)) {
      return new InvalidEventSelectorsError(`Value ${rw} for ReadWriteType is invalid.`, {
        selectorIndex, field: 'ReadWriteType', value: rw,
      })
    }
    for (const source of selector.ExcludeManagementEventSources ?? []) {
      if (!(EXCLUDABLE_MANAGEMENT_EVENT_SOURCES as readonly string[]).includes(source)) {
        return new InvalidEventSelectorsError(`Value ${source} for ExcludeManagementEventSources is invalid.`, {
          selectorIndex, field: 'ExcludeManagementEventSources', value: source,
        })
      }
    }
    for (const resource of selector.DataResources ?? []) {
      const type = resource.Type ?? ''
      if (!(BASIC_DATA_RESOURCE_TYPES as readonly string[]).includes(type)) {
        return new InvalidEventSelectorsError(`Value ${type} for DataResources.Type is invalid.`, {
          selectorIndex, field: 'DataResources.Type', value: type,
        })
      }
      const values = resource.Values ?? []
      if (values.length === 0) {
        return new InvalidEventSelectorsError(`DataResources.Values for type ${type} must contain at least one value.`, {
          selectorIndex, field: 'DataResources.Values',
        })
      }
      for (const value of values) {
        if (!isValidDataResourceValue(type, value)) {
          return new InvalidEventSelectorsError(`Value ${value} for DataResources.Values is invalid.`, {
            selectorIndex, field: 'DataResources.Values', value,
          })
        }
        // The 250 limit does not apply to "all resources of a type" values.
        if (!isAllOfType(type, value)) specificResources++
      }
    }
  }
  if (specificResources > MAX_DATA_RESOURCES) {
    return new InvalidEventSelectorsError(
      `Specify a valid number of DataResources.Values (0 to ${MAX_DATA_RESOURCES}) for all your selectors. Specified: ${specificResources}.`,
      { field: 'DataResources.Values' },
    )
  }
  return undefined
}

// ---------------------------------------------------------------- advanced validation

export type SelectorOperator = 'Equals' | 'StartsWith' | 'EndsWith' | 'NotEquals' | 'NotStartsWith' | 'NotEndsWith'
const OPERATORS: readonly SelectorOperator[] = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith']
const ANY_OPERATOR = OPERATORS
const EQUALS_ONLY: readonly SelectorOperator[] = ['Equals']
const EQUALITY: readonly SelectorOperator[] = ['Equals', 'NotEquals']

interface FieldRule {
  operators: readonly SelectorOperator[]
  /** The only values allowed, if restricted. */
  values?: readonly string[]
  /** Exactly one value, one operator (resources.type, a network eventSource). */
  single?: boolean
  required?: boolean
}

const CATEGORY_FIELD: FieldRule = { operators: EQUALS_ONLY, required: true, single: true }
const READ_ONLY_FIELD: FieldRule = { operators: EQUALS_ONLY, values: ['true', 'false'] }
const CONSOLE_FIELD: FieldRule = { operators: EQUALITY, values: ['true', 'false'] }
const FREE_FIELD: FieldRule = { operators: ANY_OPERATOR }

const DATA_FIELDS: Record<string, FieldRule> = {
  eventCategory: CATEGORY_FIELD,
  readOnly: READ_ONLY_FIELD,
  eventSource: FREE_FIELD,
  eventName: FREE_FIELD,
  eventType: FREE_FIELD,
  'resources.type': { operators: EQUALS_ONLY, single: true, required: true },
  'resources.ARN': FREE_FIELD,
  'userIdentity.arn': FREE_FIELD,
  sessionCredentialFromConsole: CONSOLE_FIELD,
}

const NETWORK_FIELDS: Record<string, FieldRule> = {
  eventCategory: CATEGORY_FIELD,
  eventSource: { operators: EQUALS_ONLY, single: true, required: true },
  eventName: FREE_FIELD,
  errorCode: { operators: EQUALS_ONLY, values: ['VpceAccessDenied'] },
  vpcEndpointId: FREE_FIELD,
}

/** Which fields each eventCategory allows, per scope (API_AdvancedFieldSelector). */
const FIELD_RULES: Record<SelectorScope, Record<string, Record<string, FieldRule>>> = {
  trail: {
    Management: {
      eventCategory: CATEGORY_FIELD,
      readOnly: READ_ONLY_FIELD,
      // Trails may only drop the two high-volume sources, as with ExcludeManagementEventSources.
      eventSource: { operators: ['NotEquals'], values: EXCLUDABLE_MANAGEMENT_EVENT_SOURCES },
    },
    Data: DATA_FIELDS,
    NetworkActivity: NETWORK_FIELDS,
  },
  eventDataStore: {
    Management: {
      eventCategory: CATEGORY_FIELD,
      readOnly: READ_ONLY_FIELD,
      eventSource: FREE_FIELD,
      eventName: FREE_FIELD,
      eventType: FREE_FIELD,
      'userIdentity.arn': FREE_FIELD,
      sessionCredentialFromConsole: CONSOLE_FIELD,
    },
    Data: DATA_FIELDS,
    NetworkActivity: NETWORK_FIELDS,
    Insight: { eventCategory: CATEGORY_FIELD },
    ConfigurationItem: { eventCategory: CATEGORY_FIELD },
    Evidence: { eventCategory: CATEGORY_FIELD },
    ActivityAuditLog: { eventCategory: CATEGORY_FIELD },
  },
}

const KNOWN_FIELDS = new Set([
  'eventCategory', 'eventSource', 'eventName', 'eventType', 'readOnly', 'resources.type', 'resources.ARN',
  'userIdentity.arn', 'sessionCredentialFromConsole', 'errorCode', 'vpcEndpointId',
])
const FIELD_PATTERN = /^[\w|\d|.|_]+$/
const RESOURCE_TYPE_PATTERN = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/

function operatorLists(fs: AdvancedFieldSelector): [SelectorOperator, string[]][] {
  const lists: [SelectorOperator, string[]][] = []
  for (const op of OPERATORS) {
    const values = fs[op]
    if (values !== undefined) lists.push([op, values])
  }
  return lists
}

/**
 * Checks advanced event selectors; returns the error PutEventSelectors (scope `trail`) or
 * Create/UpdateEventDataStore (scope `eventDataStore`) would raise, or undefined.
 */
export function validateAdvancedEventSelectors(
  selectors: readonly AdvancedEventSelector[],
  options: { scope?: SelectorScope } = {},
): InvalidEventSelectorsError | undefined {
  const scope = options.scope ?? 'trail'
  if (selectors.length < 1 || selectors.length > MAX_ADVANCED_EVENT_SELECTORS) {
    return new InvalidEventSelectorsError(
      `Specify a valid number of advanced event selectors (1 to ${MAX_ADVANCED_EVENT_SELECTORS}). Specified: ${selectors.length}.`,
    )
  }
  let totalValues = 0
  for (const [selectorIndex, selector] of selectors.entries()) {
    const error = validateAdvancedEventSelector(selector, selectorIndex, scope)
    if (error) return error
    for (const fs of selector.FieldSelectors) for (const [, values] of operatorLists(fs)) totalValues += values.length
  }
  if (totalValues > MAX_ADVANCED_CONDITION_VALUES) {
    return new InvalidEventSelectorsError(
      `The advanced event selectors have ${totalValues} condition values; at most ${MAX_ADVANCED_CONDITION_VALUES} are allowed across all selectors.`,
    )
  }
  return undefined
}

function validateAdvancedEventSelector(
  selector: AdvancedEventSelector,
  selectorIndex: number,
  scope: SelectorScope,
): InvalidEventSelectorsError | undefined {
  const fail = (message: string, field?: string, value?: string) =>
    new InvalidEventSelectorsError(message, {
      selectorIndex, ...(field !== undefined && { field }), ...(value !== undefined && { value }),
    })
  if (selector.Name !== undefined && selector.Name.length > MAX_SELECTOR_NAME_LENGTH) {
    return fail(`Advanced event selector name must be at most ${MAX_SELECTOR_NAME_LENGTH} characters.`, 'Name')
  }
  const fieldSelectors = selector.FieldSelectors ?? []
  if (fieldSelectors.length === 0) return fail('An advanced event selector must contain at least one field selector.')

  // Shape first: field names, operators present, value lengths.
  const seen = new Set<string>()
  for (const fs of fieldSelectors) {
    const field = fs.Field ?? ''
    if (field.length < 1 || field.length > MAX_FIELD_LENGTH || !FIELD_PATTERN.test(field)) {
      return fail(`Value ${field} for Field is invalid.`, 'Field', field)
    }
    if (!KNOWN_FIELDS.has(field)) return fail(`Field ${field} is not supported in advanced event selectors.`, field)
    if (seen.has(field)) return fail(`Field ${field} is specified more than once in an advanced event selector.`, field)
    seen.add(field)
    const lists = operatorLists(fs)
    if (lists.length === 0) return fail(`Field ${field} must have at least one operator.`, field)
    for (const [op, values] of lists) {
      if (values.length === 0) return fail(`Operator ${op} for field ${field} must have at least one value.`, field)
      for (const value of values) {
        if (value.length < 1 || value.length > MAX_OPERATOR_VALUE_LENGTH) {
          return fail(`Values for field ${field} must be between 1 and ${MAX_OPERATOR_VALUE_LENGTH} characters.`, field)
        }
      }
    }
  }

  // eventCategory decides which other fields are allowed.
  const categorySelector = fieldSelectors.find((fs) => fs.Field === 'eventCategory')
  if (!categorySelector) return fail('Field eventCategory is required in every advanced event selector.', 'eventCategory')
  const rulesByCategory = FIELD_RULES[scope]
  const categoryError = checkField(categorySelector, CATEGORY_FIELD, fail)
  if (categoryError) return categoryError
  const category = categorySelector.Equals![0]
  const rules = rulesByCategory[category]
  if (!rules) return fail(`Value ${category} for field eventCategory is invalid.`, 'eventCategory', category)

  for (const fs of fieldSelectors) {
    const rule = rules[fs.Field]
    if (!rule) return fail(`Field ${fs.Field} is not supported for eventCategory ${category}.`, fs.Field)
    const error = checkField(fs, rule, fail)
    if (error) return error
  }
  for (const [field, rule] of Object.entries(rules)) {
    if (rule.required && !seen.has(field)) return fail(`Field ${field} is required for eventCategory ${category}.`, field)
  }
  return undefined
}

function checkField(
  fs: AdvancedFieldSelector,
  rule: FieldRule,
  fail: (message: string, field?: string, value?: string) => InvalidEventSelectorsError,
): InvalidEventSelectorsError | undefined {
  const lists = operatorLists(fs)
  for (const [op] of lists) {
    if (!rule.operators.includes(op)) {
      return fail(`Operator ${op} is not supported for field ${fs.Field}; use ${rule.operators.join(', ')}.`, fs.Field)
    }
  }
  if (rule.single && (lists.length !== 1 || lists[0][1].length !== 1)) {
    return fail(`Field ${fs.Field} must have exactly one value in ${rule.operators.join(', ')}.`, fs.Field)
  }
  for (const [, values] of lists) {
    for (const value of values) {
      if (rule.values && !rule.values.includes(value)) return fail(`Value ${value} for field ${fs.Field} is invalid.`, fs.Field, value)
      if (fs.Field === 'resources.type' && !RESOURCE_TYPE_PATTERN.test(value)) {
        return fail(`Value ${value} for field resources.type is invalid.`, fs.Field, value)
      }
    }
  }
  if (fs.Field === 'resources.ARN') {
    // Equals/NotEquals compare whole ARNs; a partial one would silently match nothing.
    for (const value of [...(fs.Equals ?? []), ...(fs.NotEquals ?? [])]) {
      if (!/^arn:[^:]+:[^:]+:/.test(value)) return fail(`Value ${value} for field resources.ARN is invalid.`, fs.Field, value)
    }
  }
  return undefined
}

// ---------------------------------------------------------------- insight selectors

/**
 * Checks insight selectors (an empty list is valid: it turns Insights off). With `config`,
 * also checks that the trail logs the management events the Insight types analyse:
 * ApiCallRateInsight needs write events, ApiErrorRateInsight read or write events.
 */
export function validateInsightSelectors(
  selectors: readonly InsightSelector[],
  config?: SelectorConfig,
): InvalidInsightSelectorsError | undefined {
  const seen = new Set<string>()
  for (const [selectorIndex, selector] of selectors.entries()) {
    const type = selector.InsightType
    if (type === undefined || !INSIGHT_TYPES.includes(type)) {
      return new InvalidInsightSelectorsError(
        `Value ${type ?? ''} for InsightType is invalid. Valid values for InsightType are ApiCallRateInsight and ApiErrorRateInsight.`,
        { selectorIndex, field: 'InsightType', ...(type !== undefined && { value: type }) },
      )
    }
    if (seen.has(type)) {
      return new InvalidInsightSelectorsError(`InsightType ${type} is specified more than once.`, {
        selectorIndex, field: 'InsightType', value: type,
      })
    }
    seen.add(type)
    for (const category of selector.EventCategories ?? []) {
      if (category !== 'Management' && category !== 'Data') {
        return new InvalidInsightSelectorsError(`Value ${category} for EventCategories is invalid.`, {
          selectorIndex, field: 'EventCategories', value: category,
        })
      }
    }
    const onManagement = selector.EventCategories === undefined || selector.EventCategories.includes('Management')
    if (config && onManagement) {
      const logged = loggedManagementEvents(config)
      const ok = type === 'ApiCallRateInsight' ? logged.write : logged.read || logged.write
      if (!ok) {
        const needed = type === 'ApiCallRateInsight' ? 'write' : 'read or write'
        return new InvalidInsightSelectorsError(
          `${type} on management events requires the trail to log ${needed} management events.`,
          { selectorIndex, field: 'InsightType', value: type },
        )
      }
    }
  }
  return undefined
}

/** Whether a configuration logs read and/or write management events at all. */
function loggedManagementEvents(config: SelectorConfig): { read: boolean; write: boolean } {
  const probe = (readOnly: boolean): CloudTrailRecord => ({
    eventVersion: '1.11', eventTime: '1970-01-01T00:00:00Z', awsRegion: 'us-east-1', eventID: 'probe',
    eventCategory: 'Management', eventSource: 'probe.amazonaws.com', eventName: 'Probe', eventType: 'AwsApiCall', readOnly,
  })
  // eventName/eventSource filters on event data stores could narrow this further; a probe
  // from an unlisted source answers "are any such events logged", which is what is asked.
  return { read: matches(probe(true), config), write: matches(probe(false), config) }
}

// ---------------------------------------------------------------- matching

/**
 * True if a trail configured with `config` logs `record`.
 *
 * - No selectors: all management events (read and write), no data events.
 * - Advanced selectors (they replace basic ones, so they win if both are set): any selector
 *   whose field selectors all match.
 * - Basic selectors: any selector matching by ReadWriteType plus management settings or a data resource.
 * - Insights records never match: they travel the separate Insights path.
 *
 * A record without `readOnly` counts as a write, as CloudTrail only marks reads.
 */
export function matches(record: RecordSkeleton, config: SelectorConfig): boolean {
  const category = eventCategoryOf(record)
  if (category === 'Insight') return false
  const advanced = config.advancedEventSelectors
  if (advanced && advanced.length > 0) return advanced.some((s) => advancedSelectorMatches(s, record, category))
  const basic = config.eventSelectors
  if (basic && basic.length > 0) return basic.some((s) => basicSelectorMatches(s, record, category))
  return category === 'Management'
}

function readWriteFits(type: ReadWriteType | undefined, record: RecordSkeleton): boolean {
  if (type === undefined || type === 'All') return true
  return (type === 'ReadOnly') === (record.readOnly === true)
}

function basicSelectorMatches(selector: EventSelector, record: RecordSkeleton, category: string): boolean {
  if (!readWriteFits(selector.ReadWriteType, record)) return false
  if (category === 'Management') {
    if (selector.IncludeManagementEvents === false) return false
    const excluded = selector.ExcludeManagementEventSources ?? []
    return record.eventSource === undefined || !excluded.includes(record.eventSource)
  }
  if (category === 'Data') return (selector.DataResources ?? []).some((dr) => dataResourceMatches(dr, record))
  // Network activity and other categories can only be selected with advanced selectors.
  return false
}

/** A resource's ARN, or for list operations the ARN prefix they cover (`ARNPrefix` in the record). */
function resourceArn(resource: RecordResource): string | undefined {
  if (typeof resource.ARN === 'string') return resource.ARN
  return typeof resource.ARNPrefix === 'string' ? resource.ARNPrefix : undefined
}

function dataResourceMatches(dataResource: DataResource, record: RecordSkeleton): boolean {
  const type = dataResource.Type
  if (type === undefined) return false
  const arns = (record.resources ?? [])
    .filter((r) => r.type === type)
    .map(resourceArn)
    .filter((a): a is string => a !== undefined)
  if (arns.length === 0) return false
  return (dataResource.Values ?? []).some((value) => {
    if (isAllOfType(type, value)) return true
    switch (type) {
      case 'AWS::Lambda::Function':
        // Exact function; a qualified ARN (version or alias) is still that function.
        return arns.some((arn) => arn === value || arn.startsWith(value + ':'))
      case 'AWS::DynamoDB::Table':
        return arns.some((arn) => arn === value)
      default:
        // S3 bucket/prefix values, and any other type: ARN prefix.
        return arns.some((arn) => arn.startsWith(value))
    }
  })
}

function advancedSelectorMatches(selector: AdvancedEventSelector, record: RecordSkeleton, category: string): boolean {
  const recordFields = selector.FieldSelectors.filter((fs) => !fs.Field.startsWith('resources.'))
  const resourceFields = selector.FieldSelectors.filter((fs) => fs.Field.startsWith('resources.'))
  if (!recordFields.every((fs) => fieldSelectorMatches(fs, recordFieldValue(record, fs.Field, category)))) return false
  if (resourceFields.length === 0) return true
  const resources = record.resources ?? []
  if (resources.length === 0) return resourceFields.every((fs) => fieldSelectorMatches(fs, undefined))
  // resources.type and resources.ARN must hold for the same resource: "objects of this type
  // under this ARN", not "some resource of the type and some resource under the ARN".
  return resources.some((r) => resourceFields.every((fs) => fieldSelectorMatches(fs, resourceFieldValue(r, fs.Field))))
}

function recordFieldValue(record: RecordSkeleton, field: string, category: string): string | undefined {
  switch (field) {
    case 'eventCategory':
      return category
    case 'readOnly':
      return record.readOnly === true ? 'true' : 'false'
    case 'sessionCredentialFromConsole':
      // Only ever written when true.
      return record.sessionCredentialFromConsole === 'true' ? 'true' : 'false'
    case 'userIdentity.arn':
      return record.userIdentity?.arn
    case 'eventSource':
    case 'eventName':
    case 'eventType':
    case 'errorCode':
    case 'vpcEndpointId': {
      const value = record[field]
      return typeof value === 'string' ? value : undefined
    }
    default:
      return undefined
  }
}

function resourceFieldValue(resource: RecordResource, field: string): string | undefined {
  if (field === 'resources.type') return resource.type
  if (field === 'resources.ARN') return resourceArn(resource)
  return undefined
}

/**
 * Every operator present must hold: for Equals/StartsWith/EndsWith some value matches, for
 * the Not… operators no value matches. A missing field fails positive operators and
 * passes negative ones.
 */
function fieldSelectorMatches(fs: AdvancedFieldSelector, value: string | undefined): boolean {
  for (const [op, values] of operatorLists(fs)) {
    if (value === undefined) {
      if (!op.startsWith('Not')) return false
      continue
    }
    let ok: boolean
    switch (op) {
      case 'Equals': ok = values.includes(value); break
      case 'StartsWith': ok = values.some((v) => value.startsWith(v)); break
      case 'EndsWith': ok = values.some((v) => value.endsWith(v)); break
      case 'NotEquals': ok = !values.includes(value); break
      case 'NotStartsWith': ok = !values.some((v) => value.startsWith(v)); break
      case 'NotEndsWith': ok = !values.some((v) => value.endsWith(v)); break
    }
    if (!ok) return false
  }
  return true
}
