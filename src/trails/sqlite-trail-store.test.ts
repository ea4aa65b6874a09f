import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../journal/index.js'
import { MAX_TRAILS_PER_REGION, SqliteTrailStore } from './sqlite-trail-store.js'
import type { NewTrail } from './sqlite-trail-store.js'
import { TrailError } from './errors.js'

const ACCOUNT = '111122223333'

function newStore() {
  const dir = mkdtempSync(join(tmpdir(), 'trail-store-'))
  const db = openDatabase(join(dir, 'test.db'))
  return { store: new SqliteTrailStore(db), db, reopen: () => new SqliteTrailStore(db), cleanup: () => (db.close(), rmSync(dir, { recursive: true, force: true })) }
}

function input(name: string, extra: Partial<NewTrail> = {}): NewTrail {
  return {
    name, accountId: ACCOUNT, homeRegion: 'us-east-1', s3BucketName: 'bucket-a',
    includeGlobalServiceEvents: true, isMultiRegionTrail: false, logFileValidationEnabled: false, ...extra,
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    if (error instanceof TrailError) return error.code
    throw error
  }
  return undefined
}

describe('SqliteTrailStore', () => {
  it('creates a trail with its ARN, logging off, and reads it back after reopening', () => {
    const { store, reopen, cleanup } = newStore()
    const created = store.create(input('audit', { s3KeyPrefix: 'p', tags: [{ Key: 'k', Value: 'v' }] }))
    expect(created.arn).toBe(`arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/audit`)
    expect(created.isLogging).toBe(false)
    expect(created.loggingStartedSeq).toBe(0)
    const again = reopen().get(created.arn)!
    expect(again).toEqual(created)
    expect(again.createdAt).toBeInstanceOf(Date)
    cleanup()
  })

  it('refuses a second trail of the same name in a Region, and a multi-Region name used anywhere', () => {
    const { store, cleanup } = newStore()
    store.create(input('one'))
    expect(codeOf(() => store.create(input('one')))).toBe('TrailAlreadyExistsException')
    // Another Region may reuse a single-Region name...
    store.create(input('one', { homeRegion: 'eu-west-1' }))
    // ...but a multi-Region trail is seen everywhere, so its name must be free everywhere.
    expect(codeOf(() => store.create(input('one', { homeRegion: 'ap-south-1', isMultiRegionTrail: true })))).toBe('TrailAlreadyExistsException')
    store.create(input('global', { homeRegion: 'eu-west-1', isMultiRegionTrail: true }))
    expect(codeOf(() => store.create(input('global')))).toBe('TrailAlreadyExistsException')
    cleanup()
  })

  it('enforces 5 trails per Region, counting multi-Region trails in every Region', () => {
    const { store, cleanup } = newStore()
    store.create(input('multi', { homeRegion: 'eu-west-1', isMultiRegionTrail: true }))
    for (let i = 1; i < MAX_TRAILS_PER_REGION; i++) store.create(input(`t${i}`))
    expect(codeOf(() => store.create(input('t9')))).toBe('MaximumNumberOfTrailsExceededException')
    // eu-west-1 has one trail only, so a single-Region trail fits there...
    store.create(input('t9', { homeRegion: 'eu-west-1' }))
    // ...but a new multi-Region trail would be a sixth one in us-east-1.
    expect(codeOf(() => store.create(input('m2', { homeRegion: 'eu-west-1', isMultiRegionTrail: true })))).toBe('MaximumNumberOfTrailsExceededException')
    expect(store.listVisible(ACCOUNT, 'us-east-1')).toHaveLength(5)
    cleanup()
  })

  it('shows multi-Region trails as shadows in other Regions', () => {
    const { store, cleanup } = newStore()
    const multi = store.create(input('multi', { isMultiRegionTrail: true }))
    const single = store.create(input('single'))
    expect(store.listVisible(ACCOUNT, 'us-east-1').map((t) => t.arn)).toEqual([multi.arn, single.arn])
    expect(store.listVisible(ACCOUNT, 'eu-west-1').map((t) => t.arn)).toEqual([multi.arn])
    expect(store.findVisible(ACCOUNT, 'eu-west-1', 'multi')?.arn).toBe(multi.arn)
    expect(store.findVisible(ACCOUNT, 'eu-west-1', 'single')).toBeUndefined()
    expect(store.listVisible('999988887777', 'us-east-1')).toEqual([])
    cleanup()
  })

  it('updates given members, clears with null, and checks names when turning multi-Region', () => {
    const { store, cleanup } = newStore()
    const trail = store.create(input('a', { s3KeyPrefix: 'old', snsTopicName: 'topic' }))
    const updated = store.update(trail.arn, { s3KeyPrefix: 'new', snsTopicName: null, logFileValidationEnabled: true })
    expect(updated).toMatchObject({ s3KeyPrefix: 'new', logFileValidationEnabled: true, s3BucketName: 'bucket-a' })
    expect(updated.snsTopicName).toBeUndefined()
    store.create(input('a', { homeRegion: 'eu-west-1' }))
    expect(codeOf(() => store.update(trail.arn, { isMultiRegionTrail: true }))).toBe('TrailAlreadyExistsException')
    expect(codeOf(() => store.update('arn:aws:cloudtrail:us-east-1:111122223333:trail/none', {}))).toBe('TrailNotFoundException')
    cleanup()
  })

  it('starts logging at a journal seq and keeps it when started again', () => {
    const { store, cleanup } = newStore()
    const { arn } = store.create(input('a'))
    const started = store.setLogging(arn, true, 42, new Date('2024-01-01T00:00:00Z'))
    expect(started).toMatchObject({ isLogging: true, loggingStartedSeq: 42, startLoggingTime: new Date('2024-01-01T00:00:00Z') })
    expect(store.setLogging(arn, true, 99).loggingStartedSeq).toBe(42)
    const stopped = store.setLogging(arn, false, 0, new Date('2024-01-02T00:00:00Z'))
    expect(stopped).toMatchObject({ isLogging: false, loggingStartedSeq: 42, stopLoggingTime: new Date('2024-01-02T00:00:00Z') })
    expect(store.setLogging(arn, true, 100).loggingStartedSeq).toBe(100)
    cleanup()
  })

  it('replaces one kind of event selectors with the other', () => {
    const { store, cleanup } = newStore()
    const { arn } = store.create(input('a'))
    store.putSelectors(arn, { eventSelectors: [{ ReadWriteType: 'ReadOnly' }] })
    expect(store.get(arn)!.eventSelectors).toEqual([{ ReadWriteType: 'ReadOnly' }])
    const advanced = [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }]
    const after = store.putSelectors(arn, { advancedEventSelectors: advanced })
    expect(after.advancedEventSelectors).toEqual(advanced)
    expect(after.eventSelectors).toBeUndefined()
    expect(store.putInsightSelectors(arn, [{ InsightType: 'ApiCallRateInsight' }]).insightSelectors).toHaveLength(1)
    expect(store.putInsightSelectors(arn, []).insightSelectors).toBeUndefined()
    cleanup()
  })

  it('merges delivery status, keeping dates as dates, and drops it with the trail', () => {
    const { store, cleanup } = newStore()
    const { arn } = store.create(input('a'))
    expect(store.getStatus(arn)).toEqual({})
    store.updateStatus(arn, { latestDeliveryTime: new Date('2024-01-01T00:00:00Z'), latestDeliveryError: 'AccessDenied' })
    store.updateStatus(arn, { latestDeliveryError: undefined, latestDigestDeliveryTime: new Date('2024-01-01T01:00:00Z') })
    expect(store.getStatus(arn)).toEqual({
      latestDeliveryTime: new Date('2024-01-01T00:00:00Z'),
      latestDigestDeliveryTime: new Date('2024-01-01T01:00:00Z'),
    })
    store.delete(arn)
    expect(store.get(arn)).toBeUndefined()
    expect(store.getStatus(arn)).toEqual({})
    cleanup()
  })

  it('tells listeners about every change by ARN', () => {
    const { store, cleanup } = newStore()
    const seen: string[] = []
    const off = store.onChange((arn) => seen.push(arn))
    const { arn } = store.create(input('a'))
    store.update(arn, { s3BucketName: 'bucket-b' })
    store.setLogging(arn, true, 1)
    store.setLogging(arn, true, 2) // no change, no notice
    store.setTags(arn, [{ Key: 'x' }])
    store.delete(arn)
    off()
    store.create(input('b'))
    expect(seen).toEqual([arn, arn, arn, arn, arn])
    cleanup()
  })

  it('keeps installation settings', () => {
    const { store, reopen, cleanup } = newStore()
    expect(store.getSetting('x')).toBeUndefined()
    store.setSetting('x', '1')
    expect(reopen().getSetting('x')).toBe('1')
    cleanup()
  })
})
