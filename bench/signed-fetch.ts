/**
 * SigV4-signed requests to a local OpenTrail, signed with the AWS SDK's own signer
 * (@smithy/signature-v4) exactly as the SDK clients would: CloudTrail Data's
 * `POST /PutAuditEvents` (REST-JSON) and CloudTrail's control plane (`POST /`, AWS JSON 1.1).
 *
 * Hashing uses node:crypto rather than the pure-JS @aws-crypto/sha256-js: the load
 * generator shares two cores with the server, so it must stay light.
 * Requests go out through node:http with a keep-alive agent: with the global fetch's web
 * streams the load generator, not the server, was the bottleneck (GET /health ~4,600 req/s
 * through fetch, ~13,000 through node:http).
 */
import { createHash, createHmac } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import type { Hash, Hmac } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { HttpRequest } from '@smithy/protocol-http'

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface SignedRequest {
  url: string
  method: 'POST' | 'GET'
  headers: Record<string, string>
  body?: string
}

type SourceData = string | ArrayBuffer | ArrayBufferView

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

/** The SDK's Checksum contract (new (secret?) => { update, digest, reset }) over node:crypto. */
class NodeSha256 {
  readonly #secret: SourceData | undefined
  #hash: Hash | Hmac

  constructor(secret?: SourceData) {
    this.#secret = secret
    this.#hash = this.#fresh()
  }

  update(data: SourceData): void {
    this.#hash.update(toBuffer(data))
  }

  async digest(): Promise<Uint8Array> {
    return this.#hash.digest()
  }

  reset(): void {
    this.#hash = this.#fresh()
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.#secret))
  }
}

export const CONTROL_PLANE_TARGET_PREFIX = 'CloudTrail_20131101.'

export class RequestSigner {
  readonly #endpoint: URL
  readonly #data: SignatureV4
  readonly #control: SignatureV4

  constructor(endpoint: string, credentials: Credentials, region = 'us-east-1') {
    this.#endpoint = new URL(endpoint)
    this.#data = new SignatureV4({ credentials, region, service: 'cloudtrail-data', sha256: NodeSha256 })
    this.#control = new SignatureV4({ credentials, region, service: 'cloudtrail', sha256: NodeSha256 })
  }

  /** A signed PutAuditEvents call; `body` is the JSON `{ auditEvents: [...] }`. */
  async putAuditEvents(channelArn: string, body: string): Promise<SignedRequest> {
    const query = { channelArn }
    const signed = await this.#data.sign(this.#request('/PutAuditEvents', query, { 'content-type': 'application/json' }, body))
    return {
      url: `${this.#endpoint.origin}/PutAuditEvents?${new URLSearchParams(query).toString()}`,
      method: 'POST',
      headers: signed.headers,
      body,
    }
  }

  /** A signed control-plane call, e.g. `controlPlane('LookupEvents', { LookupAttributes: [...] })`. */
  async controlPlane(operation: string, input: object): Promise<SignedRequest> {
    const body = JSON.stringify(input)
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${CONTROL_PLANE_TARGET_PREFIX}${operation}` }
    const signed = await this.#control.sign(this.#request('/', {}, headers, body))
    return { url: `${this.#endpoint.origin}/`, method: 'POST', headers: signed.headers, body }
  }

  #request(path: string, query: Record<string, string>, headers: Record<string, string>, body: string): HttpRequest {
    const url = this.#endpoint
    return new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query,
      headers: { host: url.host, ...headers },
      body,
    })
  }
}

const agent = new Agent({ keepAlive: true })

/** Sends a request and reads the whole answer (keep-alive needs the body consumed). */
export function send(request: SignedRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(request.url, { method: request.method, headers: request.headers, agent }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(request.body)
  })
}
