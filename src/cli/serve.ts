/** `opentrail serve`: runs the service until SIGINT/SIGTERM. */
import { startApp } from '../app/index.js'
import { parseConfig } from '../config/index.js'
import type { ConfigFlags } from '../config/index.js'

export async function serve(flags: ConfigFlags): Promise<void> {
  const config = parseConfig(flags)
  const app = await startApp(config)
  if (app.firstAdminKey) {
    // Printed once, on stdout rather than in the logs: the secret is never shown again.
    process.stdout.write(
      [
        '',
        'OpenTrail admin access key (shown once; `opentrail keys create` makes more):',
        `  account:           ${app.accountId}`,
        `  AccessKeyId:       ${app.firstAdminKey.accessKeyId}`,
        `  SecretAccessKey:   ${app.firstAdminKey.secretAccessKey}`,
        '',
        `  aws --endpoint-url ${app.url} cloudtrail lookup-events`,
        '',
      ].join('\n') + '\n',
    )
  }
  process.stdout.write(`OpenTrail listening on ${app.url} (data in ${config.dataDir})\n`)
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    process.stdout.write(`${signal}: shutting down\n`)
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}
