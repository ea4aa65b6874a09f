/** `opentrail kms create-key|list-keys|rotate|disable|enable`: the local key service, on the data dir. */
import { KmsKeyStore } from '../kms/index.js'
import type { KmsKey } from '../kms/index.js'
import { render } from './output.js'
import type { OutputFormat } from './output.js'
import { accountFlag, withDataDir } from './offline.js'
import type { DataDirFlags } from './offline.js'

interface KmsFlags extends DataDirFlags {
  account?: string
}

const KEY_COLUMNS = ['KeyArn', 'Aliases', 'Description', 'Enabled', 'KeyVersion', 'Created']

function keyRow(key: KmsKey): Record<string, unknown> {
  return {
    KeyArn: key.arn,
    Aliases: key.aliases.join(' '),
    Description: key.description,
    Enabled: key.enabled,
    KeyVersion: key.currentVersion,
    Created: key.createdAt,
  }
}

export async function createKmsKey(flags: KmsFlags & { alias?: string; description?: string; output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const accountId = accountFlag(services, flags.account)
    const key = new KmsKeyStore(services.db, services.masterKey).createKey(accountId, region, { alias: flags.alias, description: flags.description })
    console.log(render([keyRow(key)], KEY_COLUMNS, flags.output))
  })
}

export async function listKmsKeys(flags: KmsFlags & { output: OutputFormat }): Promise<void> {
  await withDataDir(flags, (services) => {
    const keys = new KmsKeyStore(services.db, services.masterKey).listKeys(flags.account)
    console.log(render(keys.map(keyRow), KEY_COLUMNS, flags.output))
  })
}

export async function rotateKmsKey(keyRef: string, flags: KmsFlags): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const kms = new KmsKeyStore(services.db, services.masterKey)
    const scope = { accountId: flags.account ?? services.accountId, region }
    const version = kms.rotate(keyRef, scope)
    console.log(`rotated ${kms.describeKey(keyRef, scope)!.arn}: new data keys use key version ${version}; older versions still decrypt`)
  })
}

export async function setKmsKeyEnabled(enabled: boolean, keyRef: string, flags: KmsFlags): Promise<void> {
  await withDataDir(flags, (services, { region }) => {
    const kms = new KmsKeyStore(services.db, services.masterKey)
    const scope = { accountId: flags.account ?? services.accountId, region }
    kms.setEnabled(keyRef, enabled, scope)
    console.log(`${enabled ? 'enabled' : 'disabled'} ${kms.describeKey(keyRef, scope)!.arn}`)
  })
}
