/** The real AWS CLI against OpenTrail: `cloudtrail` and `cloudtrail-data` commands work unchanged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { aws, hasAwsCli } from '../support/aws-cli.js'
import { eventData } from '../support/events.js'
import { ListChannelsCommand } from '@aws-sdk/client-cloudtrail'

const available = hasAwsCli()
if (!available) {
  if (process.env.CI) throw new Error('the AWS CLI (aws) is required in CI')
  console.warn('skipping AWS CLI tests: aws not found')
}

let server: TestServer
beforeAll(async () => {
  if (available) server = await startServer()
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

describe.skipIf(!available)('AWS CLI', () => {
  const run = (args: string[], region?: string) => aws(args, { endpoint: server.endpoint, credentials: server.credentials, region })

  it('puts audit events with `aws cloudtrail-data put-audit-events` and finds them with `aws cloudtrail lookup-events`', async () => {
    const channels = JSON.parse((await run(['cloudtrail', 'list-channels'])).stdout)
    const channelArn = channels.Channels.find((c: { Name: string }) => c.Name === 'default').ChannelArn
    const name = `CliEvent${Date.now()}`
    const data = JSON.stringify(eventData({ accountId: server.accountId, eventName: name, userName: 'cli-user' }))
    const checksum = createHash('sha256').update(data).digest('base64')
    const put = await run([
      'cloudtrail-data', 'put-audit-events', '--channel-arn', channelArn,
      '--audit-events', JSON.stringify([{ id: 'cli-1', eventData: data, eventDataChecksum: checksum }]),
    ])
    expect(put.code, put.stderr).toBe(0)
    const putOut = JSON.parse(put.stdout)
    expect(putOut.failed).toEqual([])
    expect(putOut.successful[0].id).toBe('cli-1')

    const lookup = await run(['cloudtrail', 'lookup-events', '--lookup-attributes', `AttributeKey=EventName,AttributeValue=${name}`])
    expect(lookup.code, lookup.stderr).toBe(0)
    const events = JSON.parse(lookup.stdout).Events
    expect(events).toHaveLength(1)
    expect(events[0].EventId).toBe(putOut.successful[0].eventID)
    expect(events[0].Username).toBe('cli-user')
    expect(JSON.parse(events[0].CloudTrailEvent).eventName).toBe(name)
  })

  it('pages lookup-events with the CLI paginator', async () => {
    // Each recorded API call is an event; make sure there are more than one page's worth.
    for (let i = 0; i < 4; i++) await server.client().send(new ListChannelsCommand({}))
    const out = await run(['cloudtrail', 'lookup-events', '--max-items', '3', '--page-size', '1'])
    expect(out.code, out.stderr).toBe(0)
    const parsed = JSON.parse(out.stdout)
    expect(parsed.Events).toHaveLength(3)
    expect(parsed.NextToken).toBeTruthy()
  })

  it('reports CloudTrail error codes the CLI understands', async () => {
    const out = await run(['cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=x', '--max-results', '51'])
    expect(out.code).not.toBe(0)
    expect(out.stderr).toMatch(/InvalidMaxResultsException/)
  })

  it('manages channels', async () => {
    const created = await run(['cloudtrail', 'create-channel', '--name', 'cli-channel', '--source', 'Custom', '--destinations', 'Type=AWS_SERVICE,Location=opentrail:journal'])
    expect(created.code, created.stderr).toBe(0)
    const arn = JSON.parse(created.stdout).ChannelArn
    const got = JSON.parse((await run(['cloudtrail', 'get-channel', '--channel', arn])).stdout)
    expect(got.Name).toBe('cli-channel')
    expect((await run(['cloudtrail', 'delete-channel', '--channel', arn])).code).toBe(0)
    const again = await run(['cloudtrail', 'get-channel', '--channel', arn])
    expect(again.stderr).toMatch(/ChannelNotFoundException/)
  })
})
