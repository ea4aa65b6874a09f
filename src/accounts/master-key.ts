/** The installation's master key: 32 random bytes in `<dataDir>/master.key`, readable by the owner only. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'

export function loadOrCreateMasterKey(dataDir: string): Buffer {
  const path = join(dataDir, 'master.key')
  if (existsSync(path)) {
    const key = readFileSync(path)
    if (key.length !== 32) throw new Error(`${path} is not a 32-byte key`)
    return key
  }
  const key = randomBytes(32)
  writeFileSync(path, key, { mode: 0o600, flag: 'wx' })
  return key
}
