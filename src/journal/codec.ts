/**
 * How a record is stored: its JSON, deflated with a preset dictionary of the names and
 * values that recur in nearly every CloudTrail record. Records are small (about 1–2 KB),
 * so plain per-record deflate finds little to reuse; the dictionary gives it a head start
 * and roughly halves the stored size again. Changing the dictionary would make old rows
 * unreadable, so it is versioned by the first byte of each stored value.
 */
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'

const DICTIONARY_V1 = Buffer.from(
  [
    '"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROA',
    '"arn":"arn:aws:sts::', ':assumed-role/', '"accountId":"', '"accessKeyId":"ASIA', '"accessKeyId":"AKIA',
    '"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"', '"arn":"arn:aws:iam::', ':role/',
    '"userName":"', '"webIdFederationData":{},"attributes":{"creationDate":"', '"mfaAuthenticated":"false"}}',
    '"type":"IAMUser"', '"type":"Root"', '"type":"AWSService","invokedBy":"',
    '"eventTime":"20', '"eventSource":"', '.amazonaws.com","eventName":"', '"awsRegion":"us-east-1"',
    '"sourceIPAddress":"', '"userAgent":"', 'aws-cli/2.', 'aws-sdk-go', 'aws-sdk-js', 'Boto3/', 'Botocore/',
    'Python/3.', 'Linux/', 'exec-env/', 'md/', 'command/', 'AWS Internal',
    '"errorCode":"', '"errorMessage":"', 'AccessDenied', 'Client.UnauthorizedOperation',
    '"requestParameters":{', '"responseElements":null', '"responseElements":{',
    '"additionalEventData":{', '"requestID":"', '"eventID":"', '"readOnly":true', '"readOnly":false',
    '"resources":[{"accountId":"', '"type":"AWS::', '"ARN":"arn:aws:',
    '"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"',
    '"eventCategory":"Management"', '"eventCategory":"Data"', '"managementEvent":false',
    '"tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"',
    '"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256"', '"sharedEventID":"', '"vpcEndpointId":"vpce-',
    'cloudtrail.amazonaws.com', 's3.amazonaws.com', 'ec2.amazonaws.com', 'iam.amazonaws.com', 'sts.amazonaws.com',
    'kms.amazonaws.com', 'ssm.amazonaws.com', 'lambda.amazonaws.com', 'signin.amazonaws.com',
    '"bucketName":"', '"Host":"', '"key":"', '"roleArn":"', '"roleSessionName":"', '"durationSeconds":3600',
    '"SignatureVersion":"SigV4","CipherSuite":"', '"bytesTransferredIn":0', '"AuthenticationMethod":"AuthHeader"',
    '"eventVersion":"1.11"', '"eventVersion":"1.09"', '"eventVersion":"1.10"',
  ].join(''),
)

const FORMAT_V1 = 1

export function encodeRecord(record: CloudTrailRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record))
  const deflated = deflateRawSync(json, { dictionary: DICTIONARY_V1, level: constants.Z_DEFAULT_COMPRESSION })
  const out = Buffer.allocUnsafe(deflated.length + 1)
  out[0] = FORMAT_V1
  deflated.copy(out, 1)
  return out
}

export function decodeRecord(stored: Buffer): CloudTrailRecord {
  if (stored[0] !== FORMAT_V1) throw new Error(`unknown stored record format ${stored[0]}`)
  const json = inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY_V1 })
  return JSON.parse(json.toString('utf8')) as CloudTrailRecord
}
