/**
 * How a record is stored: its JSON, deflated with a preset dictionary.
 *
 * Records are small (about 1–2 KB), so per-record deflate alone finds little to reuse.
 * A dictionary gives it a head start. The best dictionary is made of the installation's
 * own records (the same accounts, roles, agents and event shapes recur), so the journal
 * trains one from a sample of what it has stored, and trains again from time to time as
 * the data drifts; records written before that keep the built-in dictionary. Each stored
 * value starts with its format byte, and trained ones with the dictionary id, so every
 * row stays readable whatever dictionaries came later.
 *
 * Layout: format 1 = [1][deflate with the built-in dictionary];
 *         format 2 = [2][dictionary id, uint32 BE][deflate with that dictionary].
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'

/**
 * zlib sets up a fresh compressor for every record; most of that cost is clearing its
 * hash table, which memLevel 5 makes 8 times smaller than the default 8. Records are
 * small, so the output is the same size (measured: ~1 % larger, ~35 % faster).
 */
const DEFLATE_OPTIONS = { memLevel: 5 }

const BUILTIN_DICTIONARY = Buffer.from(
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

const FORMAT_BUILTIN = 1
const FORMAT_TRAINED = 2

/**
 * Dictionary size: deflate can use up to 32 KB, but priming a larger dictionary costs
 * more per record; 16 KB keeps most of the gain (measured on real CloudTrail logs: about
 * 220 bytes a record against 460 with the built-in dictionary and 700 without any).
 */
export const TRAINED_DICTIONARY_BYTES = 16 * 1024

export class RecordCodec {
  readonly #dictionaries = new Map<number, Buffer>()
  #current: { id: number; dictionary: Buffer } | undefined
  readonly #load: (id: number) => Buffer | undefined

  /** `load` finds a dictionary this codec has not seen (one trained by another process, e.g. `opentrail import`). */
  constructor(load: (id: number) => Buffer | undefined = () => undefined) {
    this.#load = load
  }

  /** Makes a dictionary known (for reading) and, when it is the newest, current (for writing). */
  addDictionary(id: number, dictionary: Buffer): void {
    this.#dictionaries.set(id, dictionary)
    if (!this.#current || id > this.#current.id) this.#current = { id, dictionary }
  }

  get currentDictionaryId(): number | undefined {
    return this.#current?.id
  }

  /**
   * Synchronous on purpose: zlib's asynchronous calls allocate a compressor each on its
   * thread pool, and under ingest thousands at once thrash memory (measured 4x slower).
   */
  encode(record: CloudTrailRecord): Buffer {
    const json = Buffer.from(JSON.stringify(record))
    const current = this.#current
    if (!current) return withHeader(FORMAT_BUILTIN, undefined, deflateRawSync(json, { ...DEFLATE_OPTIONS, dictionary: BUILTIN_DICTIONARY }))
    return withHeader(FORMAT_TRAINED, current.id, deflateRawSync(json, { ...DEFLATE_OPTIONS, dictionary: current.dictionary }))
  }

  decode(stored: Buffer): CloudTrailRecord {
    return JSON.parse(this.decodeJson(stored)) as CloudTrailRecord
  }

  /** The record's JSON text, as it was encoded (readers that pass the text on skip a parse and a stringify). */
  decodeJson(stored: Buffer): string {
    let json: Buffer
    if (stored[0] === FORMAT_BUILTIN) {
      json = inflateRawSync(stored.subarray(1), { dictionary: BUILTIN_DICTIONARY })
    } else if (stored[0] === FORMAT_TRAINED) {
      const id = stored.readUInt32BE(1)
      const dictionary = this.#dictionaries.get(id) ?? this.#loadDictionary(id)
      if (!dictionary) throw new Error(`stored record uses dictionary ${id}, which is not loaded`)
      json = inflateRawSync(stored.subarray(5), { dictionary })
    } else {
      throw new Error(`unknown stored record format ${stored[0]}`)
    }
    return json.toString('utf8')
  }

  #loadDictionary(id: number): Buffer | undefined {
    const dictionary = this.#load(id)
    if (dictionary) this.addDictionary(id, dictionary)
    return dictionary
  }
}

function withHeader(format: number, dictionaryId: number | undefined, body: Buffer): Buffer {
  const headerLength = dictionaryId === undefined ? 1 : 5
  const out = Buffer.allocUnsafe(headerLength + body.length)
  out[0] = format
  if (dictionaryId !== undefined) out.writeUInt32BE(dictionaryId, 1)
  body.copy(out, headerLength)
  return out
}

/**
 * A dictionary from sample records: their JSON concatenated, cut to the size limit from
 * the end (deflate looks back from the end of the dictionary, so the end matters most).
 */
export function trainDictionary(samples: CloudTrailRecord[]): Buffer {
  const joined = Buffer.from(samples.map((r) => JSON.stringify(r)).join(''))
  return joined.subarray(Math.max(0, joined.length - TRAINED_DICTIONARY_BYTES))
}
