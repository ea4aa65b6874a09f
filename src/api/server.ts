/**
 * The HTTP front: CloudTrail's control plane (AWS JSON 1.1, `POST /` with X-Amz-Target)
 * and CloudTrail Data's `POST /PutAuditEvents` (REST-JSON), both authenticated with
 * SigV4 against the service's access keys. Every control-plane call, refused ones
 * included, is recorded as a management event.
 */
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { newRequestId } from '../record/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { ApiError, toApiError } from './errors.js'
import { parseAuthorization, verifySignature } from './sigv4.js'
import type { ParsedAuthorization } from './sigv4.js'
import { ownCallRecord } from './own-events.js'
import type { JsonObject, OperationTable, RequestContext } from './context.js'
import { SerializedAnswer, toWireJson } from './wire.js'

export const JSON_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.'
/** Newer SDKs send the target without the namespace. */
const SHORT_TARGET_PREFIX = 'CloudTrail_20131101.'
/** Above PutAuditEvents' 1 MB of events, so that call can answer with its own error. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

export interface KeyLookup {
  lookupSecret(accessKeyId: string): { key: { accountId: string; userName: string; accessKeyId: string }; secret: string } | undefined
}

export interface DataPlane {
  putAuditEvents(query: Record<string, string>, body: JsonObject, ctx: RequestContext): Promise<JsonObject>
}

export interface ApiServerOptions {
  keys: KeyLookup
  operations: OperationTable
  dataPlane: DataPlane
  /**
   * Appends the record of an own API call; resolves once it is durable. `lazy`: nobody waits
   * for it (a read call's record), so it may share a commit a few milliseconds later.
   */
  recordOwnCall: (record: CloudTrailRecord, options?: { lazy?: boolean }) => Promise<void>
  /** The account that receives records of calls whose key is unknown. */
  installationAccountId: string
  logger: Logger
  /** Extra routes (the console), registered on the same server. */
  extraRoutes?: (app: FastifyInstance) => void
}

type Protocol = 'json' | 'rest'

export function buildApiServer(options: ApiServerOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, bodyLimit: MAX_BODY_BYTES, logController: new LogController({ disableRequestLogging: true }), genReqId: () => newRequestId() })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const protocol: Protocol = request.url.startsWith('/PutAuditEvents') ? 'rest' : 'json'
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, request, protocol, new ApiError('ValidationException', `Request body is larger than ${MAX_BODY_BYTES} bytes.`, 413))
    }
    const api = toApiError(error)
    if (api) return sendError(reply, request, protocol, api)
    request.log.error({ err: error, requestId: request.id }, 'unhandled error')
    return sendError(reply, request, protocol, new ApiError('InternalFailure', 'The request processing has failed because of an unknown error.', 500))
  })

  app.get('/health', async () => ({ status: 'ok' }))

  app.post('/', async (request, reply) => {
    const target = String(request.headers['x-amz-target'] ?? '')
    const operationName = target.startsWith(JSON_TARGET_PREFIX)
      ? target.slice(JSON_TARGET_PREFIX.length)
      : target.startsWith(SHORT_TARGET_PREFIX)
        ? target.slice(SHORT_TARGET_PREFIX.length)
        : ''
    const started = new Date()
    const auth = await authenticate(request, 'cloudtrail', operationName || 'Unknown', started)
    const operation = Object.hasOwn(options.operations, operationName) ? options.operations[operationName] : undefined
    if (!operation) throw new ApiError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target header)'}.`)
    const input = parseJsonBody(rawBody(request))
    const ctx = contextFor(request, auth, started)
    let answer: JsonObject | SerializedAnswer | undefined
    let failure: ApiError | undefined
    try {
      answer = await operation.handle(input, ctx)
    } catch (error) {
      failure = toApiError(error)
      if (!failure) throw error
    }
    // Reads are recorded without responseElements (as CloudTrail does): their output is not converted.
    const output = answer instanceof SerializedAnswer && !operation.readOnly ? (JSON.parse(answer.json) as JsonObject) : (answer as JsonObject | undefined)
    const recorded = options.recordOwnCall(
      ownCallRecord({
        eventName: operationName,
        accountId: ctx.caller.accountId,
        region: ctx.region,
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        time: started,
        readOnly: operation.readOnly,
        caller: ctx.caller,
        requestParameters: Object.keys(input).length ? (JSON.parse(toWireJson(input)) as JsonObject) : null,
        responseElements: output && !operation.readOnly ? (JSON.parse(toWireJson(output)) as JsonObject) : null,
        errorCode: failure?.code,
        errorMessage: failure?.message,
        resources: operation.resources?.(input, answer instanceof SerializedAnswer ? undefined : answer, ctx),
      }),
      { lazy: operation.readOnly },
    )
    // A change is answered once its record is durable. A read is answered as soon as its record
    // is queued (it shares a commit within milliseconds): it changed nothing, and waiting for
    // that commit's sync was most of a LookupEvents call's latency under load (CloudTrail too
    // records its own calls after answering them).
    if (operation.readOnly) recorded.catch((err: unknown) => request.log.error({ err, requestId: request.id }, 'could not record a read call'))
    else await recorded
    if (failure) throw failure
    return sendJson(reply, request, 'json', 200, answer ?? {})
  })

  app.post('/PutAuditEvents', async (request, reply) => {
    const started = new Date()
    const auth = await authenticate(request, 'cloudtrail-data', 'PutAuditEvents', started)
    const query = request.query as Record<string, string>
    const body = parseJsonBody(rawBody(request))
    const output = await options.dataPlane.putAuditEvents(query, body, contextFor(request, auth, started))
    return sendJson(reply, request, 'rest', 200, output)
  })

  options.extraRoutes?.(app)
  return app

  /** Verifies the signature; a refused request is recorded as a failed event, then answered. */
  async function authenticate(request: FastifyRequest, expectedService: string, eventName: string, started: Date) {
    let parsed: ParsedAuthorization | undefined
    let found: ReturnType<KeyLookup['lookupSecret']>
    try {
      parsed = parseAuthorization(stringHeader(request.headers.authorization))
      found = options.keys.lookupSecret(parsed.accessKeyId)
      if (!found) throw new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid.')
      if (parsed.service !== expectedService) {
        throw new ApiError('InvalidSignatureException', `Credential should be scoped to correct service: '${expectedService}'.`)
      }
      const [path = '/', queryString = ''] = request.url.split('?', 2)
      await verifySignature(
        { method: request.method, path, query: parseQuery(queryString), headers: request.headers, body: rawBody(request) },
        parsed,
        found.secret,
      )
      return { parsed, key: found.key }
    } catch (error) {
      const api = toApiError(error)
      if (api && eventName !== 'PutAuditEvents') {
        await options.recordOwnCall(
          ownCallRecord({
            eventName,
            accountId: found?.key.accountId ?? options.installationAccountId,
            region: parsed?.region ?? 'us-east-1',
            requestId: request.id,
            sourceIp: request.ip,
            userAgent: stringHeader(request.headers['user-agent']),
            time: started,
            readOnly: false,
            caller: found?.key,
            attemptedAccessKeyId: parsed?.accessKeyId,
            errorCode: api.code,
            errorMessage: api.message,
          }),
        )
      }
      throw error
    }
  }
}

function contextFor(request: FastifyRequest, auth: { parsed: ParsedAuthorization; key: RequestContext['caller'] }, started: Date): RequestContext {
  return {
    requestId: request.id,
    region: auth.parsed.region,
    caller: { accountId: auth.key.accountId, accessKeyId: auth.key.accessKeyId, userName: auth.key.userName },
    sourceIp: request.ip,
    userAgent: stringHeader(request.headers['user-agent']),
    receivedAt: started,
  }
}

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
}

function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid JSON.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiError('SerializationException', 'The request body must be a JSON object.')
  }
  return parsed as JsonObject
}

function parseQuery(queryString: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of new URLSearchParams(queryString)) {
    const existing = out[name]
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return out
}

function stringHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function sendJson(reply: FastifyReply, request: FastifyRequest, protocol: Protocol, status: number, body: unknown) {
  return reply
    .code(status)
    .header('x-amzn-RequestId', request.id)
    .header('content-type', protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json')
    .send(body instanceof SerializedAnswer ? body.bytes : toWireJson(body))
}

function sendError(reply: FastifyReply, request: FastifyRequest, protocol: Protocol, error: ApiError) {
  if (protocol === 'rest') reply.header('x-amzn-ErrorType', error.code)
  return sendJson(reply, request, protocol, error.status, { __type: error.code, message: error.message })
}
