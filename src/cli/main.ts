#!/usr/bin/env node
/**
 * The `opentrail` command. `serve` runs the service; `keys` and `import` work on the data
 * dir directly; `lookup` and `channels` talk to a running service through the CloudTrail API.
 */
import { Command, Option } from 'commander'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_RETENTION_DAYS } from '../app/index.js'
import { serve } from './serve.js'
import { createKey, deleteKey, listKeys } from './keys.js'
import { lookup } from './lookup.js'
import { createChannel, listChannels } from './channels.js'
import { importCommand } from './import.js'
import { parseOutputFormat } from './output.js'

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

program.parseAsync().catch((error: unknown) => {
  console.error(`opentrail: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
