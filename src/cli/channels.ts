/** `opentrail channels create|list`: CloudTrail Lake channels, through the CloudTrail API. */
import { cloudTrailClient, cloudTrailSdk } from './client.js'
import type { ClientFlags } from './client.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'

export async function createChannel(name: string, flags: ClientFlags & { output: OutputFormat }): Promise<void> {
  const out = await cloudTrailClient(flags).send(
    new (cloudTrailSdk().CreateChannelCommand)({ Name: name, Source: 'Custom', Destinations: [{ Type: 'AWS_SERVICE', Location: 'opentrail:journal' }] }),
  )
  console.log(render([{ ChannelArn: out.ChannelArn, Name: out.Name, Source: out.Source }], ['ChannelArn', 'Name', 'Source'], flags.output))
}

export async function listChannels(flags: ClientFlags & { output: OutputFormat }): Promise<void> {
  const client = cloudTrailClient(flags)
  const rows: Record<string, unknown>[] = []
  let NextToken: string | undefined
  do {
    const page = await client.send(new (cloudTrailSdk().ListChannelsCommand)({ NextToken }))
    for (const c of page.Channels ?? []) rows.push({ ChannelArn: c.ChannelArn, Name: c.Name })
    NextToken = page.NextToken
  } while (NextToken)
  console.log(render(rows, ['ChannelArn', 'Name'], flags.output))
}
