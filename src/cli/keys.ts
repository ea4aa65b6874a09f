/** `opentrail keys create|list|delete`: access keys, managed directly in the data dir. */
import { openServices } from '../app/index.js'
import { parseConfig } from '../config/index.js'
import { announceFirstAdminKey } from './offline.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'

interface KeyFlags {
  dataDir?: string
}

function withServices<T>(flags: KeyFlags, fn: (s: ReturnType<typeof openServices>) => T): T {
  const config = parseConfig({ dataDir: flags.dataDir })
  const services = openServices(config)
  announceFirstAdminKey(services, config.dataDir)
  try {
    return fn(services)
  } finally {
    void services.close()
  }
}

export function createKey(flags: KeyFlags & { account?: string; user?: string; output: OutputFormat }): void {
  withServices(flags, (s) => {
    const accountId = flags.account ?? s.accountId
    if (!/^\d{12}$/.test(accountId)) throw new Error(`--account must be a 12-digit account id, got ${accountId}`)
    s.ensureAccount(accountId)
    const key = s.accounts.createAccessKey(accountId, flags.user ?? 'admin')
    const row = { AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Account: key.accountId, UserName: key.userName }
    console.log(render([row], Object.keys(row), flags.output))
  })
}

export function listKeys(flags: KeyFlags & { account?: string; output: OutputFormat }): void {
  withServices(flags, (s) => {
    const rows = s.accounts.listAccessKeys(flags.account).map((k) => ({
      AccessKeyId: k.accessKeyId,
      Account: k.accountId,
      UserName: k.userName,
      Created: k.createdAt,
    }))
    console.log(render(rows, ['AccessKeyId', 'Account', 'UserName', 'Created'], flags.output))
  })
}

export function deleteKey(accessKeyId: string, flags: KeyFlags): void {
  withServices(flags, (s) => {
    if (!s.accounts.deleteAccessKey(accessKeyId)) throw new Error(`no access key ${accessKeyId}`)
    console.log(`deleted ${accessKeyId}`)
  })
}
