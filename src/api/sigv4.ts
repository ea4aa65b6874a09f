/**
 * Verifying AWS Signature Version 4 on incoming requests.
 *
 * There is no verifier in the AWS SDK, so we sign the request again with the SDK's own
 * signer (@smithy/signature-v4), over exactly the headers the client said it signed, and
 * compare the two signatures in constant time. Hashing uses the SDK's Node hash (OpenSSL):
 * a batch of events is hundreds of kilobytes, too slow for a JavaScript SHA-256.
 */
import { SignatureV4 } from '@smithy/signature-v4'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { timingSafeEqual } from 'node:crypto'
import { ApiError } from './errors.js'

const Sha256Node = Hash.bind(null, 'sha256')

/** Requests signed more than this far from the server's clock are refused, as AWS does. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

export interface ParsedAuthorization {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token')
  const m = AUTH_PATTERN.exec(header)
  if (!m) {
    throw new ApiError(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters with algorithm AWS4-HMAC-SHA256.`,
    )
  }
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  }
}

export interface IncomingRequest {
  method: string
  /** Path without the query string, as sent (percent-encoded). */
  path: string
  query: Record<string, string | string[]>
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** Parses `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`). */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return undefined
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

/**
 * Throws ApiError unless the request carries a valid signature by `secret`.
 * `auth` is the parsed Authorization header (parsed first, to look the secret up).
 */
export async function verifySignature(
  request: IncomingRequest,
  auth: ParsedAuthorization,
  secret: string,
  now = Date.now(),
): Promise<void> {
  const amzDateHeader = headerValue(request.headers['x-amz-date'])
  const signingDate = parseAmzDate(amzDateHeader)
  if (!signingDate) throw new ApiError('IncompleteSignatureException', 'X-Amz-Date header is missing or malformed.')
  if (Math.abs(now - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    const earlier = now > signingDate.getTime()
    const bound = formatAmzDate(new Date(earlier ? now - MAX_CLOCK_SKEW_MS : now + MAX_CLOCK_SKEW_MS))
    throw new ApiError(
      'InvalidSignatureException',
      `Signature ${earlier ? 'expired' : 'not yet current'}: ${amzDateHeader} is now ${earlier ? 'earlier' : 'later'} than ${bound} (${formatAmzDate(new Date(now))} ${earlier ? '-' : '+'} 15 min.)`,
    )
  }
  if (!auth.signedHeaders.includes('host')) {
    throw new ApiError('InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization.")
  }
  const headers: Record<string, string> = {}
  for (const name of auth.signedHeaders) {
    const value = request.headers[name]
    if (value === undefined) throw new ApiError('InvalidSignatureException', `Signed header ${name} is missing from the request.`)
    headers[name] = Array.isArray(value) ? value.join(',') : value
  }
  const signer = signerFor(auth, secret)
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: decodePath(request.path),
      query: request.query,
      headers,
      body: request.body,
    }),
    { signingDate, signingRegion: auth.region, signingService: auth.service, signableHeaders: new Set(auth.signedHeaders) },
  )
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? ''
  if (!constantTimeEqual(expected, auth.signature)) {
    throw new ApiError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  }
}

/**
 * Signers are kept per key, region and service: each caches its derived signing keys
 * (four HMACs a day), which a signer made per request would derive again every time.
 */
const signers = new Map<string, SignatureV4>()
const MAX_SIGNERS = 1000

function signerFor(auth: ParsedAuthorization, secret: string): SignatureV4 {
  const id = `${auth.accessKeyId}\n${auth.region}\n${auth.service}\n${secret}`
  let signer = signers.get(id)
  if (!signer) {
    if (signers.size >= MAX_SIGNERS) signers.clear()
    signer = new SignatureV4({
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
      region: auth.region,
      service: auth.service,
      sha256: Sha256Node,
      applyChecksum: false,
    })
    signers.set(id, signer)
  }
  return signer
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  return ab.length === bb.length && timingSafeEqual(ab, bb)
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}
