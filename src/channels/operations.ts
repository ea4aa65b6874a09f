/** The channel operations of CloudTrail's API: CreateChannel, GetChannel, ListChannels, UpdateChannel, DeleteChannel. */
import { readInteger, readString } from '../api/index.js'
import type { JsonObject, Operation } from '../api/index.js'
import type { Channel, ChannelStore, Destination } from './channel-store.js'
import { ChannelError } from './errors.js'

const NAME_PATTERN = /^[a-zA-Z0-9._-]{3,128}$/
const LOCATION_PATTERN = /^[a-zA-Z0-9._/\-:*]{3,1024}$/

function readName(input: JsonObject, member: string, required: boolean): string | undefined {
  const name = readString(input, member, { required })
  if (name !== undefined && !NAME_PATTERN.test(name)) {
    throw new ChannelError('InvalidParameterException', `Channel name ${name} is not valid: use 3-128 letters, digits, '.', '_' or '-'.`)
  }
  return name
}

function readDestinations(input: JsonObject, required: boolean): Destination[] | undefined {
  const value = input.Destinations
  if (value === undefined || value === null) {
    if (required) throw new ChannelError('InvalidParameterException', 'Destinations is required.')
    return undefined
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > 200) {
    throw new ChannelError('InvalidParameterException', 'Destinations must list 1 to 200 destinations.')
  }
  return value.map((d: unknown) => {
    const dest = d as Record<string, unknown>
    if (typeof dest !== 'object' || dest === null || (dest.Type !== 'EVENT_DATA_STORE' && dest.Type !== 'AWS_SERVICE')) {
      throw new ChannelError('InvalidParameterException', 'Each destination needs a Type of EVENT_DATA_STORE or AWS_SERVICE.')
    }
    if (typeof dest.Location !== 'string' || !LOCATION_PATTERN.test(dest.Location)) {
      throw new ChannelError('InvalidParameterException', 'Each destination needs a Location of 3-1024 characters.')
    }
    return { Type: dest.Type, Location: dest.Location }
  })
}

function describe(channel: Channel): JsonObject {
  return { ChannelArn: channel.arn, Name: channel.name, Source: channel.source, Destinations: channel.destinations }
}

const channelResource = (channel: { arn: string; accountId: string }) => [
  { ARN: channel.arn, accountId: channel.accountId, type: 'AWS::CloudTrail::Channel' },
]

export function channelOperations(store: ChannelStore): Record<string, Operation> {
  return {
    CreateChannel: {
      readOnly: false,
      async handle(input, ctx) {
        const name = readName(input, 'Name', true)!
        const source = readString(input, 'Source', { required: true, min: 1, max: 256 })!
        if (source !== 'Custom') {
          throw new ChannelError('InvalidSourceException', `Source ${source} is not supported: OpenTrail channels take Custom sources.`)
        }
        const destinations = readDestinations(input, true)!
        const channel = store.create({ accountId: ctx.caller.accountId, region: ctx.region, name, source, destinations })
        return { ...describe(channel), Tags: Array.isArray(input.Tags) ? input.Tags : [] }
      },
      resources: (_input, output, ctx) =>
        output ? channelResource({ arn: String(output.ChannelArn), accountId: ctx.caller.accountId }) : [],
    },
    GetChannel: {
      readOnly: true,
      async handle(input, ctx) {
        const channel = store.resolve(readString(input, 'Channel', { required: true })!, ctx.caller.accountId)
        return { ...describe(channel), SourceConfig: { ApplyToAllRegions: true, AdvancedEventSelectors: [] }, IngestionStatus: channel.ingestion }
      },
    },
    ListChannels: {
      readOnly: true,
      async handle(input, ctx) {
        const maxResults = readInteger(input, 'MaxResults') ?? 1000
        if (maxResults < 1 || maxResults > 1000) throw new ChannelError('InvalidParameterException', 'MaxResults must be between 1 and 1000.')
        const token = readString(input, 'NextToken')
        const all = store.list(ctx.caller.accountId)
        const start = token === undefined ? 0 : decodeOffset(token)
        const page = all.slice(start, start + maxResults)
        const next = start + maxResults < all.length ? encodeOffset(start + maxResults) : undefined
        return { Channels: page.map((c) => ({ ChannelArn: c.arn, Name: c.name })), ...(next ? { NextToken: next } : {}) }
      },
    },
    UpdateChannel: {
      readOnly: false,
      async handle(input, ctx) {
        const channel = store.resolve(readString(input, 'Channel', { required: true })!, ctx.caller.accountId)
        const updated = store.update(channel.id, { name: readName(input, 'Name', false), destinations: readDestinations(input, false) })
        return describe(updated)
      },
    },
    DeleteChannel: {
      readOnly: false,
      async handle(input, ctx) {
        const channel = store.resolve(readString(input, 'Channel', { required: true })!, ctx.caller.accountId)
        store.delete(channel.id)
        return {}
      },
    },
  }
}

function encodeOffset(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url')
}

function decodeOffset(token: string): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString())
  if (!m) throw new ChannelError('InvalidNextTokenException', 'The NextToken is not valid.')
  return Number(m[1])
}
