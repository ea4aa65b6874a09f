import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import { openDatabase } from '../journal/index.js'
import { AccountStore } from './account-store.js'

let dir: string
let server: Database.Database
let other: Database.Database
const masterKey = randomBytes(32)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'account-store-test-'))
  server = openDatabase(join(dir, 'opentrail.db'))
  other = openDatabase(join(dir, 'opentrail.db'))
})
afterEach(() => {
  server.close()
  other.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('AccountStore.lookupSecret', () => {
  it('finds a key again without reading it, yet a delete from another process stops it at once', () => {
    const store = new AccountStore(server, masterKey)
    store.ensureAccount('111122223333')
    const created = store.createAccessKey('111122223333', 'ops')
    expect(store.lookupSecret(created.accessKeyId)?.secret).toBe(created.secretAccessKey)
    expect(store.lookupSecret(created.accessKeyId)?.key.accountId).toBe('111122223333')

    // `opentrail keys delete` runs in another process: another connection to the same file.
    expect(new AccountStore(other, masterKey).deleteAccessKey(created.accessKeyId)).toBe(true)
    expect(store.lookupSecret(created.accessKeyId)).toBeUndefined()
  })

  it('forgets a key this store deletes', () => {
    const store = new AccountStore(server, masterKey)
    store.ensureAccount('111122223333')
    const created = store.createAccessKey('111122223333', 'ops')
    expect(store.lookupSecret(created.accessKeyId)).toBeDefined()
    store.deleteAccessKey(created.accessKeyId)
    expect(store.lookupSecret(created.accessKeyId)).toBeUndefined()
  })
})
