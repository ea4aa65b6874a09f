import { describe, expect, it } from 'vitest'
import {
  TrailArnInvalidError,
  parseTrailRef,
  trailArn,
  validateS3BucketName,
  validateS3KeyPrefix,
  validateSnsTopicName,
  validateTrailName,
} from './names.js'

describe('validateTrailName', () => {
  it.each(['abc', 'my-trail', 'My.Trail_2', 'a'.repeat(128), 'management-events', '1st-trail', 'a.b-c_d'])(
    'accepts %s',
    (name) => expect(validateTrailName(name)).toBeUndefined(),
  )

  it.each([
    ['a', 'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 1 characters.'],
    ['aa', 'Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.'],
    ['a'.repeat(129), 'Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters.'],
    ['-trail', 'Trail name must starts with a letter or number.'],
    ['.trail', 'Trail name must starts with a letter or number.'],
    ['trail!', 'Trail name must ends with a letter or number.'],
    ['trail_', 'Trail name must ends with a letter or number.'],
    ['my#trail', 'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).'],
    ['my trail', 'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).'],
    ['tràil', 'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).'],
    ['my-_namespace', 'Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).'],
    ['my--namespace', 'Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).'],
    ['my..ns', 'Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).'],
    ['192.168.5.4', 'Trail names must not be formatted as an IP address.'],
  ])('rejects %s', (name, message) => expect(validateTrailName(name)).toBe(message))

  it('does not take a four-part dotted name with letters for an IP address', () => {
    expect(validateTrailName('192.168.5.a4')).toBeUndefined()
  })
})

describe('parseTrailRef / trailArn', () => {
  it('takes a non-ARN as a bare name', () => {
    expect(parseTrailRef('my-trail')).toEqual({ name: 'my-trail' })
  })

  it('splits a trail ARN', () => {
    expect(parseTrailRef('arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail')).toEqual({
      partition: 'aws', region: 'us-east-2', accountId: '123456789012', name: 'MyTrail',
    })
    expect(parseTrailRef('arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/t1')).toMatchObject({ partition: 'aws-cn' })
  })

  it('round-trips trailArn', () => {
    const arn = trailArn('eu-west-1', '111122223333', 'org.trail')
    expect(arn).toBe('arn:aws:cloudtrail:eu-west-1:111122223333:trail/org.trail')
    expect(parseTrailRef(arn)).toEqual({ partition: 'aws', region: 'eu-west-1', accountId: '111122223333', name: 'org.trail' })
  })

  it.each([
    'arn:aws:cloudtrail:us-east-2:12345:trail/MyTrail',
    'arn:aws:cloudtrail:us-east-2:123456789012:eventdatastore/abc',
    'arn:aws:s3:::bucket',
    'arn:aws:cloudtrail:us-east-2:123456789012:trail/',
  ])('rejects the malformed trail ARN %s with a typed error', (arn) => {
    expect(() => parseTrailRef(arn)).toThrow(TrailArnInvalidError)
    try {
      parseTrailRef(arn)
    } catch (e) {
      expect((e as TrailArnInvalidError).arn).toBe(arn)
    }
  })
})

describe('validateS3BucketName', () => {
  it.each(['abc', 'my-bucket', 'my.bucket.name', 'a'.repeat(63), 'aws-cloudtrail-logs-111122223333-3b5b0d5e', '1bucket'])(
    'accepts %s',
    (bucket) => expect(validateS3BucketName(bucket)).toBeUndefined(),
  )

  it.each([
    ['ab', /between 3 and 63/],
    ['a'.repeat(64), /between 3 and 63/],
    ['My-Bucket', /lowercase letters/],
    ['my_bucket', /lowercase letters/],
    ['-bucket', /begin and end/],
    ['bucket.', /begin and end/],
    ['my..bucket', /two adjacent periods/],
    ['192.168.5.4', /IP address/],
    ['xn--bucket', /reserved prefix xn--/],
    ['sthree-bucket', /reserved prefix sthree-/],
    ['amzn-s3-demo-bucket', /reserved prefix amzn-s3-demo-/],
    ['bucket-s3alias', /reserved suffix -s3alias/],
    ['bucket--ol-s3', /reserved suffix --ol-s3/],
    ['bucket.mrap', /reserved suffix .mrap/],
    ['bucket--x-s3', /reserved suffix --x-s3/],
  ])('rejects %s', (bucket, message) => expect(validateS3BucketName(bucket)).toMatch(message))
})

describe('validateS3KeyPrefix', () => {
  it('accepts up to 200 characters', () => {
    expect(validateS3KeyPrefix('')).toBeUndefined()
    expect(validateS3KeyPrefix('logs/prod')).toBeUndefined()
    expect(validateS3KeyPrefix('p'.repeat(200))).toBeUndefined()
  })
  it('rejects 201 characters, naming the length', () => {
    expect(validateS3KeyPrefix('p'.repeat(201))).toMatch(/Maximum allowed length: 200 .* 201 characters/)
  })
})

describe('validateSnsTopicName', () => {
  it.each(['trail-notifications', 'Topic_1', 'orders.fifo', 'arn:aws:sns:us-east-2:123456789012:MyTopic', 't'.repeat(256)])(
    'accepts %s',
    (topic) => expect(validateSnsTopicName(topic)).toBeUndefined(),
  )
  it.each([
    ['', /between 1 and 256/],
    ['t'.repeat(257), /between 1 and 256/],
    ['my topic', /letters, numbers/],
    ['my.topic', /letters, numbers/],
    ['arn:aws:sns:us-east-2:123:MyTopic', /ARN .* is invalid/],
    ['arn:aws:sns:us-east-2:123456789012:bad/name', /letters, numbers/],
  ])('rejects %s', (topic, message) => expect(validateSnsTopicName(topic)).toMatch(message))
})
