/** `opentrail keys create|list|delete`: access keys, managed directly in the data dir. */
import { accountFlag, withDataDir } from './offline.js'
import type { DataDirFlags } from './offline.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'

export async function createKey(flags: DataDirFlags & { account?: string; user?: string; output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (s) => {
    const key = s.accounts.createAccessKey(accountFlag(s, flags.account), flags.user ?? 'admin')
    const row = { AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey, Account: key.accountId, UserName: key.userName }
    console.log(render([row], Object.keys(row), flags.output))
  })
}

export async function listKeys(flags: DataDirFlags & { account?: string; output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (s) => {
    const rows = s.accounts.listAccessKeys(flags.account).map((k) => ({
      AccessKeyId: k.accessKeyId,
      Account: k.accountId,
      UserName: k.userName,
      Created: k.createdAt,
    }))
    console.log(render(rows, ['AccessKeyId', 'Account', 'UserName', 'Created'], flags.output))
  })
}

export async function deleteKey(accessKeyId: string, flags: DataDirFlags): Promise<void> {
  await withDataDir(flags, (s) => {
    if (!s.accounts.deleteAccessKey(accessKeyId)) throw new Error(`no access key ${accessKeyId}`)
    console.log(`deleted ${accessKeyId}`)
  })
}
