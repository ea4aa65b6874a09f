/**
 * The load generator: closed-loop clients (each sends its next request when the previous
 * answer is read) over keep-alive HTTP (node:http). It runs in a worker thread by default so that
 * signing and JSON work do not share the server's event loop; `--client inprocess` runs
 * it on the server's own thread instead. Either way it shares the machine's two cores with
 * the server, which is why ingest bodies are built and signed before the clock starts.
 */
import { Worker } from 'node:worker_threads'
import { integrationEventData } from './events.js'
import { RequestSigner, send } from './signed-fetch.js'
import type { Credentials, SignedRequest } from './signed-fetch.js'

export type ClientPlacement = 'worker' | 'inprocess'

export interface IngestLoad {
  kind: 'ingest'
  endpoint: string
  credentials: Credentials
  channelArn: string
  accountId: string
  events: number
  batchSize: number
  concurrency: number
  seed: number
  nowMs: number
  /** Clients take no new batch after this long (the run is bounded in time as well as count). */
  maxDurationMs: number
  /** Unique per run so PutAuditEvents' idempotency keys (channel + id) never repeat. */
  idPrefix: string
}

export type RequestTarget = 'health' | 'ListChannels' | 'LookupEvents:Username' | 'LookupEvents:EventName'

export interface RequestLoad {
  kind: 'requests'
  endpoint: string
  credentials: Credentials
  target: RequestTarget
  concurrency: number
  maxRequests: number
  maxDurationMs: number
  users: string[]
  eventNames: string[]
  seed: number
}

export type LoadSpec = IngestLoad | RequestLoad

export interface LoadResult {
  requests: number
  /** Events acknowledged (ingest only). */
  events: number
  failures: number
  firstFailure?: string
  elapsedMs: number
  latenciesMs: number[]
  /** Average events per LookupEvents answer, from the answers parsed (a sample). */
  eventsPerAnswer?: number
}

/**
 * Runs a load where asked: in a worker thread (default) or on this thread. `onStart` is
 * called when the clock starts (ingest bodies are prepared by then).
 */
export async function runLoad(spec: LoadSpec, placement: ClientPlacement, onStart?: () => void): Promise<LoadResult> {
  if (placement === 'inprocess') return executeLoad(spec, onStart)
  const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: spec })
  return new Promise<LoadResult>((resolve, reject) => {
    worker.on('message', (message: LoadResult | 'started') => (message === 'started' ? onStart?.() : resolve(message)))
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`))
    })
  })
}

export async function executeLoad(spec: LoadSpec, onStart?: () => void): Promise<LoadResult> {
  return spec.kind === 'ingest' ? ingest(spec, onStart) : requests(spec)
}

async function ingest(spec: IngestLoad, onStart?: () => void): Promise<LoadResult> {
  const signer = new RequestSigner(spec.endpoint, spec.credentials)
  const data = integrationEventData(spec.accountId, spec.events, spec.seed, spec.nowMs)
  // Built and signed up front: the clock measures the server, not the client's JSON and hashing.
  const batches: SignedRequest[] = []
  for (let start = 0; start < data.length; start += spec.batchSize) {
    const auditEvents = data.slice(start, start + spec.batchSize).map((eventData, i) => ({ id: `${spec.idPrefix}-${start + i}`, eventData }))
    batches.push(await signer.putAuditEvents(spec.channelArn, JSON.stringify({ auditEvents })))
  }
  const latencies: number[] = []
  let next = 0
  let events = 0
  let failures = 0
  let firstFailure: string | undefined
  onStart?.()
  const started = performance.now()
  const deadline = started + spec.maxDurationMs
  const client = async (): Promise<void> => {
    for (let i = next++; i < batches.length && performance.now() < deadline; i = next++) {
      const t0 = performance.now()
      const { status, text } = await send(batches[i]!)
      latencies.push(performance.now() - t0)
      if (status !== 200) {
        failures += spec.batchSize
        firstFailure ??= `HTTP ${status}: ${text.slice(0, 200)}`
        continue
      }
      const body = JSON.parse(text) as { successful?: unknown[]; failed?: { errorCode: string; errorMessage: string }[] }
      events += body.successful?.length ?? 0
      if (body.failed?.length) {
        failures += body.failed.length
        firstFailure ??= `${body.failed[0]!.errorCode}: ${body.failed[0]!.errorMessage}`
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, client))
  return { requests: latencies.length, events, failures, firstFailure, elapsedMs: performance.now() - started, latenciesMs: latencies }
}

/** Answers parsed to check the lookups really return events (every one would load the client). */
const PARSE_EVERY = 50

async function requests(spec: RequestLoad): Promise<LoadResult> {
  const signer = new RequestSigner(spec.endpoint, spec.credentials)
  let state = spec.seed >>> 0
  const pick = <T>(list: T[]): T => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return list[state % list.length]!
  }
  const build = async (): Promise<SignedRequest> => {
    switch (spec.target) {
      case 'health':
        return { url: `${new URL(spec.endpoint).origin}/health`, method: 'POST', headers: {}, body: '' }
      case 'ListChannels':
        return signer.controlPlane('ListChannels', {})
      case 'LookupEvents:Username':
        return signer.controlPlane('LookupEvents', { LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: pick(spec.users) }] })
      case 'LookupEvents:EventName':
        return signer.controlPlane('LookupEvents', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: pick(spec.eventNames) }] })
    }
  }
  const latencies: number[] = []
  let issued = 0
  let failures = 0
  let firstFailure: string | undefined
  let parsed = 0
  let parsedEvents = 0
  const started = performance.now()
  const deadline = started + spec.maxDurationMs
  const client = async (): Promise<void> => {
    while (issued < spec.maxRequests && performance.now() < deadline) {
      const n = issued++
      const request = await build()
      const t0 = performance.now()
      const response =
        spec.target === 'health'
          ? await send({ url: request.url, method: 'GET', headers: {} })
          : await send(request)
      latencies.push(performance.now() - t0)
      if (response.status !== 200) {
        failures++
        firstFailure ??= `HTTP ${response.status}: ${response.text.slice(0, 200)}`
      } else if (spec.target.startsWith('LookupEvents') && n % PARSE_EVERY === 0) {
        parsed++
        parsedEvents += (JSON.parse(response.text) as { Events?: unknown[] }).Events?.length ?? 0
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, client))
  return {
    requests: latencies.length,
    events: 0,
    failures,
    firstFailure,
    elapsedMs: performance.now() - started,
    latenciesMs: latencies,
    eventsPerAnswer: parsed ? parsedEvents / parsed : undefined,
  }
}
