/** SigV4 authentication and CloudTrail's error answers, through the real SDK and raw HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { HttpRequest } from '@smithy/protocol-http'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { eventually } from '../support/events.js'

let server: TestServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}

/** Sends a JSON 1.1 request signed with the given secret and date. */
async function rawCall(op: string, body: unknown, opts: { secret?: string; date?: Date; sign?: boolean } = {}) {
  const url = new URL(server.endpoint)
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.${op}`,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const signed =
    opts.sign === false
      ? request
      : await new SignatureV4({
          credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: opts.secret ?? server.credentials.secretAccessKey },
          region: 'us-east-1',
          service: 'cloudtrail',
          sha256: Sha256,
        }).sign(request, { signingDate: opts.date })
  const res = await fetch(server.endpoint + '/', { method: 'POST', headers: signed.headers, body: signed.body as string })
  return { status: res.status, body: (await res.json()) as { __type?: string; message?: string; Events?: unknown[] }, requestId: res.headers.get('x-amzn-requestid') }
}

describe('authentication', () => {
  it('accepts a correctly signed request and returns a request id', async () => {
    const res = await rawCall('LookupEvents', { MaxResults: 1 })
    expect(res.status).toBe(200)
    expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('refuses an unsigned request', async () => {
    const res = await rawCall('LookupEvents', {}, { sign: false })
    expect(res.body.__type).toBe('MissingAuthenticationTokenException')
    expect(res.status).toBe(400)
  })

  it('refuses a wrong secret', async () => {
    const e = await errorOf(server.client('us-east-1', { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'wrong-secret' }).send(new LookupEventsCommand({})))
    expect(e.name).toBe('InvalidSignatureException')
    expect(e.message).toMatch(/signature we calculated does not match/)
  })

  it('refuses an unknown key', async () => {
    const e = await errorOf(server.client('us-east-1', { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'whatever' }).send(new LookupEventsCommand({})))
    expect(e.name).toBe('UnrecognizedClientException')
  })

  it('refuses a request signed more than 15 minutes ago', async () => {
    const res = await rawCall('LookupEvents', {}, { date: new Date(Date.now() - 20 * 60_000) })
    expect(res.body.__type).toBe('InvalidSignatureException')
    expect(res.body.message).toMatch(/Signature expired/)
  })

  it('records refused calls as failed events', async () => {
    await rawCall('DescribeTrails', {}, { secret: 'bad-secret' })
    const events = await eventually(async () => {
      const out = await server.client().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DescribeTrails' }] }))
      const failed = (out.Events ?? []).filter((e) => JSON.parse(e.CloudTrailEvent!).errorCode === 'InvalidSignatureException')
      return failed.length ? failed : undefined
    })
    const record = JSON.parse(events[0]!.CloudTrailEvent!)
    expect(record).toMatchObject({ eventSource: 'cloudtrail.amazonaws.com', errorCode: 'InvalidSignatureException', recipientAccountId: server.accountId })
  })
})

describe('bad input to LookupEvents', () => {
  const cases: [string, unknown, string][] = [
    ['an unknown attribute key', { LookupAttributes: [{ AttributeKey: 'Colour', AttributeValue: 'red' }] }, 'InvalidLookupAttributesException'],
    ['an empty attribute value', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] }, 'InvalidLookupAttributesException'],
    ['MaxResults 0', { MaxResults: 0 }, 'InvalidMaxResultsException'],
    ['MaxResults 51', { MaxResults: 51 }, 'InvalidMaxResultsException'],
    ['start after end', { StartTime: 2_000_000_000, EndTime: 1_000_000_000 }, 'InvalidTimeRangeException'],
    ['a tampered NextToken', { NextToken: 'eyJ0YW1wZXJlZCI6dHJ1ZX0' }, 'InvalidNextTokenException'],
    ['an unknown EventCategory', { EventCategory: 'everything' }, 'InvalidEventCategoryException'],
  ]
  for (const [what, input, code] of cases) {
    it(`answers ${code} for ${what}`, async () => {
      const res = await rawCall('LookupEvents', input)
      expect(res.status).toBe(400)
      expect(res.body.__type).toBe(code)
      expect(res.body.message).toBeTruthy()
    })
  }

  it('answers SerializationException for a body that is not JSON, and keeps serving', async () => {
    const res = await rawCall('LookupEvents', '{oops')
    expect(res.body.__type).toBe('SerializationException')
    expect((await rawCall('LookupEvents', { MaxResults: 1 })).status).toBe(200)
  })

  it('answers UnknownOperationException for an operation it does not have', async () => {
    const res = await rawCall('FlyToTheMoon', {})
    expect(res.body.__type).toBe('UnknownOperationException')
  })

  it('rejects a NextToken used with other parameters', async () => {
    const client = server.client()
    for (let i = 0; i < 3; i++) await client.send(new LookupEventsCommand({ MaxResults: 1 }))
    const first = await client.send(new LookupEventsCommand({ MaxResults: 1 }))
    expect(first.NextToken).toBeTruthy()
    const e = await errorOf(
      client.send(new LookupEventsCommand({ MaxResults: 1, NextToken: first.NextToken, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }] })),
    )
    expect(e.name).toBe('InvalidNextTokenException')
  })

  it('sees only the region a request is signed for', async () => {
    const euClient = new CloudTrailClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials: server.credentials })
    await euClient.send(new LookupEventsCommand({ MaxResults: 1 }))
    const eu = await eventually(async () => {
      const out = await euClient.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'LookupEvents' }] }))
      return out.Events?.length ? out.Events : undefined
    })
    for (const e of eu) expect(JSON.parse(e.CloudTrailEvent!).awsRegion).toBe('eu-west-1')
  })
})
