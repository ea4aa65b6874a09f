import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WalSync } from './wal-sync.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wal-sync-test-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('WalSync', () => {
  it('resolves every waiter, those that arrive while an fsync runs included', async () => {
    const path = join(dir, 'db-wal')
    writeFileSync(path, 'frame 1\n')
    const wal = new WalSync(path)
    const first = wal.sync()
    appendFileSync(path, 'frame 2\n')
    const during = Array.from({ length: 20 }, () => wal.sync())
    await expect(Promise.all([first, ...during])).resolves.toHaveLength(21)
    await wal.close()
  })

  it('rejects when the file cannot be synced, and syncs again once it can', async () => {
    const path = join(dir, 'db-wal')
    const wal = new WalSync(path)
    await expect(wal.sync()).rejects.toThrow(/ENOENT/)
    writeFileSync(path, 'frame 1\n')
    await expect(wal.sync()).resolves.toBeUndefined()
    await wal.close()
  })
})
