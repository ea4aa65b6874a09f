import { describe, expect, it } from 'vitest'
import { isGlobalServiceEvent, trailSelects, type TrailFilter } from './trail-filter.js'
import { ACCOUNT, OTHER_ACCOUNT, record } from './test-support.js'

const single: TrailFilter = { accountId: ACCOUNT, homeRegion: 'eu-west-1', isMultiRegionTrail: false, includeGlobalServiceEvents: true }
const multi: TrailFilter = { ...single, isMultiRegionTrail: true }

describe('trailSelects', () => {
  it('takes a single-Region trail’s home Region only, a multi-Region trail’s every Region', () => {
    expect(trailSelects(single, record({ region: 'eu-west-1' }))).toBe(true)
    expect(trailSelects(single, record({ region: 'us-west-2' }))).toBe(false)
    expect(trailSelects(multi, record({ region: 'us-west-2' }))).toBe(true)
  })

  it('takes only the trail’s own account', () => {
    expect(trailSelects(multi, record({ account: OTHER_ACCOUNT }))).toBe(false)
  })

  it('leaves out global-service events (recorded in us-east-1) when IncludeGlobalServiceEvents is false', () => {
    const iam = record({ region: 'us-east-1', eventSource: 'iam.amazonaws.com' })
    const regionalSts = record({ region: 'eu-west-1', eventSource: 'sts.amazonaws.com' })
    expect(isGlobalServiceEvent(iam)).toBe(true)
    expect(isGlobalServiceEvent(regionalSts)).toBe(false)
    expect(trailSelects(multi, iam)).toBe(true)
    expect(trailSelects({ ...multi, includeGlobalServiceEvents: false }, iam)).toBe(false)
    expect(trailSelects({ ...multi, includeGlobalServiceEvents: false }, regionalSts)).toBe(true)
  })

  it('applies the selectors: default management only, data events by data resource', () => {
    const data = record({ region: 'eu-west-1', s3ObjectArn: 'arn:aws:s3:::b1/k' })
    expect(trailSelects(multi, data)).toBe(false)
    const withData: TrailFilter = { ...multi, eventSelectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::b1/'] }] }] }
    expect(trailSelects(withData, data)).toBe(true)
  })
})
