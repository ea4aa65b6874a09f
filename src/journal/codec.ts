/**
 * How a record is stored: its JSON, compressed with a preset dictionary.
 *
 * Records are small (about 1–2 KB), so compressing each on its own finds little to reuse.
 * A dictionary gives it a head start. The best dictionary is made of the installation's
 * own records (the same accounts, roles, agents and event shapes recur), so the journal
 * trains one from a sample of what it has stored, and trains again from time to time as
 * the data drifts; records written before that keep the dictionary they were written with.
 * Each stored value starts with its format byte, and dictionary formats with the
 * dictionary id, so every row stays readable whatever dictionaries came later.
 *
 * Records are written with zstd: it digests a dictionary once (a prepared CDict/DDict),
 * where zlib primes it again for every record, which made deflate cost ~40 µs a record
 * against ~6 µs (measured on the testdata's records, 16 KB dictionary, ~10 % larger).
 * Rows written by earlier versions (deflate) are still read.
 *
 * Layout: format 1 = [1][deflate with the built-in dictionary];
 *         format 2 = [2][dictionary id, uint32 BE][deflate with that dictionary];
 *         format 3 = [3][dictionary id, uint32 BE, 0 = built-in][zstd frame with that dictionary].
 */
import { inflateRawSync } from 'node:zlib'
// The binding itself: its prepared-dictionary calls are what we need, and it is CommonJS without named exports.
import zstd from 'zstd-napi/binding.js'
import type { CloudTrailRecord } from '../record/index.js'

/** zstd's default level: on records this size, higher levels save ~4 % for twice the time. */
const ZSTD_LEVEL = 3

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
const FORMAT_ZSTD = 3
const BUILTIN_ID = 0

/**
 * Dictionary size: a larger dictionary finds more matches but costs more per record to
 * search; 16 KB keeps most of the gain (measured on real CloudTrail logs: about 260 bytes
 * a record against ~460 with the built-in dictionary and ~700 without any).
 */
export const TRAINED_DICTIONARY_BYTES = 16 * 1024

export interface RecordDictionary {
  id: number
  bytes: Buffer
}

interface Prepared {
  raw: Buffer
  compress: zstd.CDict
  decompress: zstd.DDict
}

function prepare(raw: Buffer): Prepared {
  return { raw, compress: new zstd.CDict(raw, ZSTD_LEVEL), decompress: new zstd.DDict(raw) }
}

export class RecordCodec {
  readonly #dictionaries = new Map<number, Prepared>([[BUILTIN_ID, prepare(BUILTIN_DICTIONARY)]])
  #currentId = BUILTIN_ID
  readonly #load: (id: number) => Buffer | undefined
  readonly #cctx = new zstd.CCtx()
  readonly #dctx = new zstd.DCtx()
  #scratch = Buffer.allocUnsafe(zstd.compressBound(64 * 1024))
  /** A record's UTF-8 bytes on their way into zstd: kept, so encoding allocates only its output. */
  #input = Buffer.allocUnsafe(64 * 1024)

  /** `load` finds a dictionary this codec has not seen (one trained by another process, e.g. `opentrail import`). */
  constructor(load: (id: number) => Buffer | undefined = () => undefined) {
    this.#load = load
  }

  /** Makes a dictionary known (for reading) and, when it is the newest, current (for writing). Ids start at 1. */
  addDictionary(id: number, dictionary: Buffer): void {
    if (id <= BUILTIN_ID) throw new RangeError(`dictionary ids start at 1, got ${id}`)
    this.#dictionaries.set(id, prepare(dictionary))
    if (id > this.#currentId) this.#currentId = id
  }

  get currentDictionaryId(): number | undefined {
    return this.#currentId === BUILTIN_ID ? undefined : this.#currentId
  }

  /**
   * The dictionary new records are written with, for a codec on another thread that
   * encodes for this one (`addDictionary` it there); undefined while that is the built-in one.
   */
  get currentDictionary(): RecordDictionary | undefined {
    return this.#currentId === BUILTIN_ID ? undefined : { id: this.#currentId, bytes: this.#dictionaries.get(this.#currentId)!.raw }
  }

  encode(record: CloudTrailRecord): Buffer {
    return this.encodeJson(JSON.stringify(record))
  }

  /** Stores a record given as its JSON text (the text `decodeJson` gives back). */
  encodeJson(text: string): Buffer {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#input.length < text.length * 3) this.#input = Buffer.allocUnsafe(text.length * 3)
    const json = this.#input.subarray(0, this.#input.write(text, 0, 'utf8'))
    const bound = zstd.compressBound(json.length)
    if (this.#scratch.length < bound) this.#scratch = Buffer.allocUnsafe(bound)
    const dictionary = this.#dictionaries.get(this.#currentId)!
    const size = this.#cctx.compressUsingCDict(this.#scratch, json, dictionary.compress)
    const out = Buffer.allocUnsafe(5 + size)
    out[0] = FORMAT_ZSTD
    out.writeUInt32BE(this.#currentId, 1)
    this.#scratch.copy(out, 5, 0, size)
    return out
  }

  decode(stored: Buffer): CloudTrailRecord {
    return JSON.parse(this.decodeJson(stored)) as CloudTrailRecord
  }

  /** The record's JSON text, as it was encoded (readers that pass the text on skip a parse and a stringify). */
  decodeJson(stored: Buffer): string {
    switch (stored[0]) {
      case FORMAT_ZSTD: {
        const frame = stored.subarray(5)
        const size = zstd.getFrameContentSize(frame)
        if (size === null) throw new Error('stored record has no content size')
        const json = Buffer.allocUnsafe(size)
        this.#dctx.decompressUsingDDict(json, frame, this.#dictionary(stored.readUInt32BE(1)).decompress)
        return json.toString('utf8')
      }
      case FORMAT_TRAINED:
        return inflateRawSync(stored.subarray(5), { dictionary: this.#dictionary(stored.readUInt32BE(1)).raw }).toString('utf8')
      case FORMAT_BUILTIN:
        return inflateRawSync(stored.subarray(1), { dictionary: BUILTIN_DICTIONARY }).toString('utf8')
      default:
        throw new Error(`unknown stored record format ${stored[0]}`)
    }
  }

  #dictionary(id: number): Prepared {
    const known = this.#dictionaries.get(id)
    if (known) return known
    const loaded = this.#load(id)
    if (!loaded) throw new Error(`stored record uses dictionary ${id}, which is not loaded`)
    this.addDictionary(id, loaded)
    return this.#dictionaries.get(id)!
  }
}

/**
 * A dictionary from sample records' JSON texts, concatenated and cut to the size limit from
 * the end (matches closer to the end of a dictionary are cheaper, so the end matters most).
 */
export function trainDictionary(samples: string[]): Buffer {
  const joined = Buffer.from(samples.join(''))
  return joined.subarray(Math.max(0, joined.length - TRAINED_DICTIONARY_BYTES))
}
