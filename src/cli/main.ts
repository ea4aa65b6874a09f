#!/usr/bin/env node
/**
 * The `opentrail` command. `serve` runs the service; `keys`, `kms`, `topics`, `cat` and
 * `import` work on the data dir directly; `lookup` and `channels` talk to a running service
 * through the CloudTrail API.
 */
import { Command, Option } from 'commander'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RETENTION_DAYS } from '../config/index.js'
import { parseOutputFormat } from './output-format.js'

/**
 * Each command's module is loaded when that command runs, so `--help` and the offline
 * commands start without loading the AWS SDK and the server (about a second on a busy machine).
 */
function lazy<M extends Record<K, (...args: never[]) => unknown>, K extends keyof M>(load: () => Promise<M>, name: K) {
  return async (...args: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>> =>
    (await load())[name](...args) as Awaited<ReturnType<M[K]>>
}
// The AWS SDK warns on every run under Node 20 that its releases after January 2027 will need
// Node 22; the versions this package pins run on Node 20 (package.json engines), so users
// would see it on every command with nothing to act on. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const serve = lazy(() => import('./serve.js'), 'serve')
const createKey = lazy(() => import('./keys.js'), 'createKey')
const listKeys = lazy(() => import('./keys.js'), 'listKeys')
const deleteKey = lazy(() => import('./keys.js'), 'deleteKey')
const lookup = lazy(() => import('./lookup.js'), 'lookup')
const createChannel = lazy(() => import('./channels.js'), 'createChannel')
const listChannels = lazy(() => import('./channels.js'), 'listChannels')
const importCommand = lazy(() => import('./import.js'), 'importCommand')
const validateLogsCommand = lazy(() => import('./validate-logs.js'), 'validateLogsCommand')
const createKmsKey = lazy(() => import('./kms.js'), 'createKmsKey')
const listKmsKeys = lazy(() => import('./kms.js'), 'listKmsKeys')
const rotateKmsKey = lazy(() => import('./kms.js'), 'rotateKmsKey')
const setKmsKeyEnabled = lazy(() => import('./kms.js'), 'setKmsKeyEnabled')
const createTopic = lazy(() => import('./topics.js'), 'createTopic')
const listTopics = lazy(() => import('./topics.js'), 'listTopics')
const subscribeTopic = lazy(() => import('./topics.js'), 'subscribeTopic')
const unsubscribeTopic = lazy(() => import('./topics.js'), 'unsubscribeTopic')
const catObject = lazy(() => import('./cat.js'), 'catObject')
const listAccounts = lazy(() => import('./accounts.js'), 'listAccounts')
const setRetention = lazy(() => import('./accounts.js'), 'setRetention')

const program = new Command()
program
  .name('opentrail')
  .description('A self-hosted audit trail that speaks AWS CloudTrail\'s API and file formats.')
  .version('0.1.0')
  .showHelpAfterError()

const dataDirOption = () => new Option('--data-dir <dir>', `data directory [env OPENTRAIL_DATA_DIR] (default: ${DEFAULT_DATA_DIR})`)
const outputOption = () => new Option('--output <format>', 'table, json or csv').default('table').argParser(parseOutputFormat)
const clientOptions = (cmd: Command) =>
  cmd
    .option('--endpoint <url>', `OpenTrail endpoint [env OPENTRAIL_ENDPOINT] (default: http://${DEFAULT_HOST}:${DEFAULT_PORT})`)
    .option('--region <region>', 'region to sign for [env AWS_REGION] (default: us-east-1)')
    .option('--profile <name>', 'AWS profile with the access key [env AWS_PROFILE]')

program
  .command('serve')
  .description('run the service: CloudTrail API, PutAuditEvents and Event History')
  .option('--port <port>', `port [env OPENTRAIL_PORT] (default: ${DEFAULT_PORT})`)
  .option('--host <host>', `address to listen on [env OPENTRAIL_HOST] (default: ${DEFAULT_HOST})`)
  .addOption(dataDirOption())
  .option('--retention-days <days>', `Event History retention [env OPENTRAIL_RETENTION_DAYS] (default: ${DEFAULT_RETENTION_DAYS})`)
  .option('--region <region>', 'region of the installation\'s own resources [env OPENTRAIL_REGION] (default: us-east-1)')
  .option('--delivery-interval <duration>', 'how often trails deliver log files [env OPENTRAIL_DELIVERY_INTERVAL] (default: 60s)')
  .option('--digest-interval <duration>', 'how often digest files are written [env OPENTRAIL_DIGEST_INTERVAL] (default: 1h)')
  .option('--ingest-threads <n>', 'worker threads converting PutAuditEvents batches (and, if any, one writing the Event History index), 0 for none [env OPENTRAIL_INGEST_THREADS] (default: cores - 1, at least 1)')
  .option('--s3-endpoint <url>', 'keep buckets in this S3-compatible service [env OPENTRAIL_S3_ENDPOINT] (default: a folder in the data dir)')
  .option('--log-level <level>', 'pino log level [env OPENTRAIL_LOG_LEVEL] (default: info)')
  .addHelpText(
    'after',
    `
First start prints an admin access key once. To set it yourself (automation), export
OPENTRAIL_ADMIN_ACCESS_KEY_ID and OPENTRAIL_ADMIN_SECRET_ACCESS_KEY before the first start.`,
  )
  .action(serve)

clientOptions(
  program
    .command('lookup')
    .description('look up Event History (several filters are ANDed, an OpenTrail extension)')
    .option('--event-name <name>', 'e.g. ConsoleLogin')
    .option('--event-source <source>', 'e.g. iam.amazonaws.com')
    .option('--event-id <id>')
    .option('--username <name>')
    .option('--access-key-id <id>')
    .option('--resource-type <type>', 'e.g. AWS::S3::Bucket')
    .option('--resource-name <name>')
    .option('--read-only <bool>', 'true or false')
    .option('--since <duration>', 'only events from this long ago, e.g. 30m, 1h, 7d')
    .option('--start-time <time>', 'ISO 8601 or epoch seconds')
    .option('--end-time <time>', 'ISO 8601 or epoch seconds')
    .option('--limit <n>', 'at most this many events', '50')
    .option('--insight', 'Insights events instead of management events')
    .addOption(outputOption()),
).action(lookup)

program
  .command('import')
  .description('load existing CloudTrail log files (AWSLogs/ folders, .json.gz, .json, JSON arrays, JSONL)')
  .argument('<path...>', 'files or folders')
  .addOption(dataDirOption())
  .option('--retention-days <days>', 'Event History retention, to report events outside it [env OPENTRAIL_RETENTION_DAYS]')
  .action(async (paths: string[], flags: { dataDir?: string; retentionDays?: string }) => {
    process.exitCode = await importCommand(paths, flags)
  })

const accounts = program.command('accounts').description('accounts and their Event History retention')
accounts.command('list').description('list accounts').addOption(dataDirOption()).addOption(outputOption()).action(listAccounts)
accounts
  .command('set-retention')
  .description('how long Event History keeps an account\'s events (counted from eventTime)')
  .argument('<account>', '12-digit account id')
  .argument('<days>', 'whole days, or "default" for the installation\'s --retention-days')
  .addOption(dataDirOption())
  .action(setRetention)

const keys = program.command('keys').description('access keys (each belongs to one account)')
keys
  .command('create')
  .description('create an access key; its secret is shown once')
  .option('--account <id>', '12-digit account id (default: the installation\'s account; created if new)')
  .option('--user <name>', 'user name recorded in events', 'admin')
  .addOption(dataDirOption())
  .addOption(outputOption())
  .action(createKey)
keys.command('list').description('list access keys').option('--account <id>').addOption(dataDirOption()).addOption(outputOption()).action(listKeys)
keys.command('delete').description('delete an access key').argument('<access-key-id>').addOption(dataDirOption()).action(deleteKey)

const channels = program.command('channels').description('channels for events from outside AWS (PutAuditEvents)')
clientOptions(channels.command('create').description('create a channel').argument('<name>').addOption(outputOption())).action(createChannel)
clientOptions(channels.command('list').description('list channels').addOption(outputOption())).action(listChannels)

const accountOption = (what: string) => new Option('--account <id>', `12-digit account id ${what} (default: the installation's account)`)
const regionOption = () => new Option('--region <region>', 'region of the resource [env OPENTRAIL_REGION] (default: us-east-1)')
const keyRefHelp = `
KEY is a key id, key ARN, alias name (alias/NAME) or alias ARN; key ids and alias names are
looked up in --account and --region.`

const kms = program
  .command('kms')
  .description('KMS-like keys that encrypt delivered log files at rest (a trail\'s KmsKeyId)')
  .addHelpText(
    'after',
    `
Keys live in the data dir, their key material sealed with the installation master key
(<data-dir>/master.key). A trail with a KmsKeyId delivers log files encrypted with a fresh
data key per file (SSE-KMS); \`opentrail cat\` and log-file validation read them decrypted.`,
  )
kms
  .command('create-key')
  .description('create a key (ARN arn:aws:kms:REGION:ACCOUNT:key/UUID)')
  .addOption(accountOption('that owns the key; created if new'))
  .addOption(regionOption())
  .option('--alias <name>', 'also name it alias/NAME (unique per account and region)')
  .option('--description <text>', 'free text shown by list-keys')
  .addOption(dataDirOption())
  .addOption(outputOption())
  .addHelpText('after', `
Example:
  opentrail kms create-key --alias trail-logs
  opentrail kms create-key --account 111122223333 --region eu-west-1`)
  .action(createKmsKey)
kms
  .command('list-keys')
  .description('list keys with their aliases, state and current key version')
  .addOption(accountOption('whose keys to list; all accounts when absent'))
  .addOption(dataDirOption())
  .addOption(outputOption())
  .action(listKmsKeys)
kms
  .command('rotate')
  .description('rotate a key: new data keys use new key material; files encrypted before still decrypt')
  .argument('<key>', 'key id, key ARN, alias/NAME or alias ARN')
  .addOption(accountOption('of the key'))
  .addOption(regionOption())
  .addOption(dataDirOption())
  .addHelpText('after', keyRefHelp)
  .action(rotateKmsKey)
kms
  .command('disable')
  .description('disable a key: deliveries with it fail and its files cannot be read until it is enabled')
  .argument('<key>', 'key id, key ARN, alias/NAME or alias ARN')
  .addOption(accountOption('of the key'))
  .addOption(regionOption())
  .addOption(dataDirOption())
  .addHelpText('after', keyRefHelp)
  .action((key: string, flags: object) => setKmsKeyEnabled(false, key, flags))
kms
  .command('enable')
  .description('enable a disabled key again')
  .argument('<key>', 'key id, key ARN, alias/NAME or alias ARN')
  .addOption(accountOption('of the key'))
  .addOption(regionOption())
  .addOption(dataDirOption())
  .addHelpText('after', keyRefHelp)
  .action((key: string, flags: object) => setKmsKeyEnabled(true, key, flags))

const topics = program
  .command('topics')
  .description('notification topics (a trail\'s SnsTopicName): webhook URLs told of each delivered log file')
  .addHelpText(
    'after',
    `
After delivering log files, a trail with SnsTopicName POSTs to each subscriber a body shaped
like an SNS HTTP notification: {"Type":"Notification","MessageId":...,"TopicArn":...,
"Message":"{\\"s3Bucket\\":...,\\"s3ObjectKey\\":[...]}","Timestamp":...}, with header
x-amz-sns-message-type: Notification. Failed deliveries are retried 3 times, then reported in
the trail's status (LatestNotificationError).`,
  )
topics
  .command('create')
  .description('create a topic (ARN arn:aws:sns:REGION:ACCOUNT:NAME); creating an existing one is a no-op')
  .argument('<name>', '1-256 letters, digits, - or _')
  .addOption(accountOption('that owns the topic; created if new'))
  .addOption(regionOption())
  .addOption(dataDirOption())
  .addOption(outputOption())
  .action(createTopic)
topics
  .command('subscribe')
  .description('add a webhook URL to a topic')
  .argument('<topic>', 'topic name or ARN')
  .argument('<url>', 'http:// or https:// URL that receives the POSTs')
  .addOption(accountOption('of the topic'))
  .option('--region <region>', 'region of the topic, when its name is in several regions')
  .addOption(dataDirOption())
  .addOption(outputOption())
  .addHelpText('after', `
Example:
  opentrail topics subscribe trail-notices https://hooks.example.com/cloudtrail`)
  .action(subscribeTopic)
topics
  .command('unsubscribe')
  .description('remove a webhook URL from a topic')
  .argument('<topic>', 'topic name or ARN')
  .argument('<url>', 'the subscribed URL, or its subscription ARN')
  .addOption(accountOption('of the topic'))
  .option('--region <region>', 'region of the topic, when its name is in several regions')
  .addOption(dataDirOption())
  .action(unsubscribeTopic)
topics
  .command('list')
  .description('list topics and their subscribers')
  .addOption(accountOption('whose topics to list; all accounts when absent'))
  .addOption(dataDirOption())
  .addOption(outputOption())
  .action(listTopics)

program
  .command('cat')
  .description('print a delivered log or digest file, decrypted and gunzipped')
  .argument('<object>', 'a file under <data-dir>/buckets/, or s3://BUCKET/KEY, or BUCKET/KEY')
  .option('--raw', 'print the stored bytes without gunzipping (still decrypted)')
  .addOption(dataDirOption())
  .option('--s3-endpoint <url>', 'read BUCKET/KEY from this S3-compatible service [env OPENTRAIL_S3_ENDPOINT] (default: the folder store in the data dir)')
  .addHelpText(
    'after',
    `
Files encrypted at rest with a KMS key of this data dir (SSE-KMS) are decrypted with it; on
S3 the service decrypts them. Files that are not gzip are printed as they are.

Examples:
  opentrail cat .opentrail/buckets/my-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/FILE.json.gz
  opentrail cat s3://my-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/FILE.json.gz | jq .Records[0]`,
  )
  .action(catObject)

clientOptions(
  program
    .command('validate-logs')
    .description('validate delivered log files against their signed digest files (as `aws cloudtrail validate-logs`)')
    .requiredOption('--trail-arn <arn>', 'ARN of the trail')
    .requiredOption('--start-time <time>', 'ISO 8601 or epoch seconds')
    .option('--end-time <time>', 'ISO 8601 or epoch seconds (default: now)')
    .option('--s3-bucket <bucket>', 'bucket of the digests (default: the trail\'s, from DescribeTrails)')
    .option('--s3-prefix <prefix>', 'key prefix of the digests (default: the trail\'s)')
    .option('--account-id <id>', 'account whose log files to validate (default: the trail ARN\'s)')
    .option('--verbose', 'also print every valid file')
    .addOption(dataDirOption())
    .option('--s3-endpoint <url>', 'read objects from this S3-compatible service [env OPENTRAIL_S3_ENDPOINT, AWS_ENDPOINT_URL_S3] (default: the data dir\'s buckets folder)')
    .option('--pending-grace <duration>', 'log files delivered this recently are not yet expected in a digest (default: 75m)'),
).action(async (flags: Parameters<typeof validateLogsCommand>[0]) => {
  process.exitCode = await validateLogsCommand(flags)
})

program.parseAsync().catch((error: unknown) => {
  console.error(`opentrail: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
