/** Event History retention per account, set with `opentrail accounts set-retention`, applied by the service. */
import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail'
import { CLI, startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'

const DATASET = join(import.meta.dirname, '../../../shared/testdata/invictus-ir-aws-dataset/CloudTrail')
const ACCOUNT = '123837392027'
const dataDir = mkdtempSync(join(tmpdir(), 'opentrail-retention-'))
const opentrail = (...args: string[]) => execFileSync(process.execPath, [CLI, ...args, '--data-dir', dataDir], { encoding: 'utf8' })
const servers: TestServer[] = []

afterAll(async () => {
  for (const s of servers) await s.stop()
  servers[0]?.cleanup()
})

describe('retention per account', () => {
  it('keeps an account\'s events for its own period, applied when the service sweeps', async () => {
    expect(opentrail('import', DATASET, '--retention-days', '3650')).toMatch(/Events imported: 2900/)
    const key = JSON.parse(opentrail('keys', 'create', '--account', ACCOUNT, '--output', 'json'))[0]
    const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }
    const count = async (server: TestServer) => {
      const out = await server.client('us-east-1', credentials).send(
        new LookupEventsCommand({ StartTime: new Date('2023-07-10T00:00:00Z'), EndTime: new Date('2023-07-11T00:00:00Z'), MaxResults: 50 }),
      )
      return out.Events?.length ?? 0
    }

    const first = await startServer({ dataDir, args: ['--retention-days', '3650'] })
    servers.push(first)
    expect(await count(first)).toBe(50)
    await first.stop()

    expect(() => opentrail('accounts', 'set-retention', ACCOUNT, 'soon')).toThrow(/whole number of days/)
    opentrail('accounts', 'set-retention', ACCOUNT, '30')
    const listed = JSON.parse(opentrail('accounts', 'list', '--output', 'json')) as { Account: string; RetentionDays: unknown }[]
    expect(listed.find((a) => a.Account === ACCOUNT)?.RetentionDays).toBe(30)

    // The installation keeps ten years, the account 30 days: its 2023 events are gone.
    const second = await startServer({ dataDir, args: ['--retention-days', '3650'], credentials: first.credentials })
    servers.push(second)
    expect(await count(second)).toBe(0)
  })
})
