/** The `opentrail` command as a user runs it: lookup, keys, channels, --help. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail'
import { CLI, startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent } from '../support/events.js'

const execFileAsync = promisify(execFile)
let server: TestServer

async function opentrail(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], {
      env: {
        ...process.env,
        OPENTRAIL_ENDPOINT: server.endpoint,
        AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        ...env,
      },
    })
    return { stdout, stderr, code: 0 }
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number }
    return { stdout: e.stdout, stderr: e.stderr, code: e.code }
  }
}

beforeAll(async () => {
  server = await startServer()
  await putAuditEvents(server.endpoint, server.credentials, {
    channelArn: 'default',
    auditEvents: [
      auditEvent('a', { accountId: server.accountId, eventName: 'CliLookup', userName: 'carol' }),
      auditEvent('b', { accountId: server.accountId, eventName: 'CliLookup', userName: 'dave' }),
      auditEvent('c', { accountId: server.accountId, eventName: 'Other', userName: 'carol' }),
    ],
  })
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

describe('opentrail lookup', () => {
  it('prints JSON with the full records', async () => {
    const out = await opentrail(['lookup', '--event-name', 'CliLookup', '--output', 'json'])
    expect(out.code, out.stderr).toBe(0)
    const rows = JSON.parse(out.stdout)
    expect(rows.map((r: { Username: string }) => r.Username).sort()).toEqual(['carol', 'dave'])
    expect(rows[0].CloudTrailEvent.eventName).toBe('CliLookup')
  })

  it('ANDs several filters', async () => {
    const out = await opentrail(['lookup', '--event-name', 'CliLookup', '--username', 'carol', '--since', '1h', '--output', 'csv'])
    expect(out.code, out.stderr).toBe(0)
    const lines = out.stdout.trim().split('\n')
    expect(lines[0]).toBe('EventTime,EventName,Username,EventSource,ResourceType,ResourceName,EventId')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain(',CliLookup,carol,app.example.com,')
  })

  it('draws a table', async () => {
    const out = await opentrail(['lookup', '--username', 'dave'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/EventName/)
    expect(out.stdout).toMatch(/│ CliLookup|CliLookup/)
  })

  it('says clearly what is wrong with a bad flag', async () => {
    const out = await opentrail(['lookup', '--output', 'xml'])
    expect(out.code).not.toBe(0)
    expect(out.stderr).toMatch(/table, json or csv/)
  })
})

describe('opentrail keys', () => {
  it('creates a key that works, lists it, and deletes it so it stops working at once', async () => {
    const created = await opentrail(['keys', 'create', '--user', 'ops', '--data-dir', server.dataDir, '--output', 'json'])
    expect(created.code, created.stderr).toBe(0)
    const key = JSON.parse(created.stdout)[0]
    expect(key.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
    const client = server.client('us-east-1', { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey })
    await client.send(new LookupEventsCommand({ MaxResults: 1 }))
    const listed = await opentrail(['keys', 'list', '--data-dir', server.dataDir, '--output', 'json'])
    expect(JSON.parse(listed.stdout).map((k: { AccessKeyId: string }) => k.AccessKeyId)).toContain(key.AccessKeyId)
    expect(listed.stdout).not.toContain(key.SecretAccessKey)
    expect((await opentrail(['keys', 'delete', key.AccessKeyId, '--data-dir', server.dataDir])).code).toBe(0)
    await expect(client.send(new LookupEventsCommand({ MaxResults: 1 }))).rejects.toThrow(/security token/)
  })
})

describe('opentrail channels', () => {
  it('creates and lists channels through the API', async () => {
    const created = await opentrail(['channels', 'create', 'from-cli', '--output', 'json'])
    expect(created.code, created.stderr).toBe(0)
    const listed = await opentrail(['channels', 'list', '--output', 'json'])
    expect(JSON.parse(listed.stdout).map((c: { Name: string }) => c.Name)).toEqual(expect.arrayContaining(['default', 'from-cli']))
  })
})

describe('opentrail --help', () => {
  it('documents every command', async () => {
    const out = await opentrail(['--help'])
    for (const command of ['serve', 'lookup', 'import', 'keys', 'channels']) expect(out.stdout).toContain(command)
    const serve = await opentrail(['serve', '--help'])
    for (const flag of ['--port', '--host', '--data-dir', 'OPENTRAIL_PORT', 'OPENTRAIL_ADMIN_ACCESS_KEY_ID']) expect(serve.stdout).toContain(flag)
  })
})
