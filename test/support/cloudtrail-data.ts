/**
 * A minimal CloudTrail Data client for tests: `@aws-sdk/client-cloudtrail-data` is not
 * published on the npm registry this project installs from, so requests are signed here
 * with the SDK's own SigV4 signer, exactly as that client would sign them. The AWS CLI's
 * `aws cloudtrail-data put-audit-events` is exercised too, in the e2e tests.
 */
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { HttpRequest } from '@smithy/protocol-http'

export interface AuditEvent {
  id: string
  eventData: string
  eventDataChecksum?: string
}

export interface PutAuditEventsResult {
  status: number
  body: {
    successful?: { id: string; eventID: string }[]
    failed?: { id: string; errorCode: string; errorMessage: string }[]
    message?: string
    __type?: string
  }
  errorType?: string
}

export async function putAuditEvents(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  input: { channelArn: string; externalId?: string; auditEvents: AuditEvent[] } | { channelArn: string; rawBody: string },
  region = 'us-east-1',
): Promise<PutAuditEventsResult> {
  const url = new URL(endpoint)
  const query: Record<string, string> = { channelArn: input.channelArn }
  if ('externalId' in input && input.externalId) query.externalId = input.externalId
  const body = 'rawBody' in input ? input.rawBody : JSON.stringify({ auditEvents: input.auditEvents })
  const signer = new SignatureV4({ credentials, region, service: 'cloudtrail-data', sha256: Sha256 })
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/PutAuditEvents',
      query,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    }),
  )
  const response = await fetch(`${endpoint}/PutAuditEvents?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: signed.headers,
    body,
  })
  return {
    status: response.status,
    body: (await response.json()) as PutAuditEventsResult['body'],
    errorType: response.headers.get('x-amzn-errortype') ?? undefined,
  }
}
