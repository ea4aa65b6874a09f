/** `opentrail topics create|subscribe|unsubscribe|list`: notification topics, on the data dir. */
import { TopicStore } from '../notifications/index.js'
import type { Topic } from '../notifications/index.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'
import { accountFlag, withDataDir } from './offline.js'
import type { DataDirFlags } from './offline.js'

interface TopicFlags extends DataDirFlags {
  account?: string
}

const TOPIC_COLUMNS = ['TopicArn', 'Subscribers', 'Endpoints']

function topicRow(topic: Topic): Record<string, unknown> {
  return { TopicArn: topic.topicArn, Subscribers: topic.subscriptions.length, Endpoints: topic.subscriptions.map((s) => s.endpoint).join('\n') }
}

export async function createTopic(name: string, flags: TopicFlags & { output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const topic = new TopicStore(services.db).create(accountFlag(services, flags.account), region, name)
    console.log(render([topicRow(topic)], TOPIC_COLUMNS, flags.output))
  })
}

export async function subscribeTopic(topicRef: string, url: string, flags: TopicFlags & { output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const scope = { accountId: flags.account ?? services.accountId, region: flags.region === undefined ? undefined : region }
    const subscription = new TopicStore(services.db).subscribe(topicRef, url, scope)
    const row = { SubscriptionArn: subscription.subscriptionArn, Protocol: subscription.protocol, Endpoint: subscription.endpoint }
    console.log(render([row], Object.keys(row), flags.output))
  })
}

export async function unsubscribeTopic(topicRef: string, url: string, flags: TopicFlags): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const scope = { accountId: flags.account ?? services.accountId, region: flags.region === undefined ? undefined : region }
    if (!new TopicStore(services.db).unsubscribe(topicRef, url, scope)) throw new Error(`${url} is not subscribed to ${topicRef}`)
    console.log(`unsubscribed ${url}`)
  })
}

export async function listTopics(flags: TopicFlags & { output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services) => {
    console.log(render(new TopicStore(services.db).list(flags.account).map(topicRow), TOPIC_COLUMNS, flags.output))
  })
}
