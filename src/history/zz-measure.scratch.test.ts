import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { it } from 'vitest'
import { openDatabase, ProjectionRunner, SqliteJournal } from '../journal/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { HistoryIndex } from './index.js'

const DIR = '/work/shared/testdata/invictus-ir-aws-dataset/CloudTrail'
it('measure', async () => {
  const src = readdirSync(DIR).filter((f) => f.endsWith('.gz')).flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(DIR, f))).toString()) as { Records: CloudTrailRecord[] }).Records)
  const dir = mkdtempSync(join(tmpdir(), 'hm-'))
  const db = openDatabase(join(dir, 'db'))
  const journal = new SqliteJournal(db)
  const now = Date.parse('2024-06-01T00:00:00Z')
  const history = new HistoryIndex(db, journal, { tokenKey: 'x'.repeat(32), now: () => now })
  const runner = new ProjectionRunner(journal, history)
  runner.start()
  const N = 100_000
  let jsonBytes = 0
  const start = now - 89 * 86_400_000
  for (let i = 0; i < N; i += 5000) {
    const batch = []
    for (let j = i; j < i + 5000; j++) {
      const r = structuredClone(src[j % src.length]!)
      r.eventID = `${(j).toString(16).padStart(8, '0')}-1111-4222-8333-${Math.random().toString(16).slice(2, 14).padEnd(12, '0')}`
      r.eventTime = new Date(start + Math.floor((j / N) * 88 * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z')
      // Fresh session keys now and then, as real temporary credentials rotate.
      if (r.userIdentity?.accessKeyId?.startsWith('ASIA')) r.userIdentity.accessKeyId = `ASIA${Math.floor(j / 500).toString().padStart(16, '0')}`
      jsonBytes += Buffer.byteLength(JSON.stringify(r))
      batch.push({ record: r })
    }
    await journal.append(batch)
  }
  await runner.caughtUp()
  db.pragma('wal_checkpoint(TRUNCATE)')
  const rows = db.prepare("SELECT name, sum(pgsize) AS bytes, count(*) AS pages, sum(unused) AS unused, sum(ncell) AS cells, sum(payload) AS payload FROM dbstat GROUP BY name ORDER BY bytes DESC").all() as { name: string; bytes: number }[]
  console.log('json bytes/event', (jsonBytes / N).toFixed(0))
  let total = 0, hist = 0
  for (const r of rows) { total += r.bytes; if (r.name.includes('history')) hist += r.bytes; console.log(r.name.padEnd(40), (r.bytes / N).toFixed(1), 'B/event', JSON.stringify(r)) }
  console.log('total', (total / N).toFixed(1), 'history', (hist / N).toFixed(1), 'ratio to json', (total / jsonBytes).toFixed(3))
  const pageSize = db.pragma('page_size', { simple: true })
  console.log('page_size', pageSize)
  const plan = (sql: string, ...p: unknown[]) => console.log(sql.replace(/\s+/g, ' ').slice(0, 90), '\n   ', (db.prepare('EXPLAIN QUERY PLAN ' + sql).all(...p) as { detail: string }[]).map((r) => r.detail).join(' | '))
  plan('SELECT p.time, p.seq FROM history_postings p WHERE p.scope = 1 AND p.attr = 1 AND p.value = 3 AND p.time >= 0 AND p.time <= 1e13 AND p.seq <= 1e9 AND (p.time < 5 OR p.seq < 5) AND EXISTS (SELECT 1 FROM history_postings f WHERE f.scope = p.scope AND f.attr = 2 AND f.value = 4 AND f.time = p.time AND f.seq = p.seq) AND EXISTS (SELECT 1 FROM history_events e WHERE e.scope = p.scope AND e.ro = 1 AND e.time = p.time AND e.seq = p.seq) ORDER BY p.time DESC, p.seq DESC LIMIT 51')
  const arm = 'SELECT time, seq FROM (SELECT time, seq FROM history_events e WHERE e.scope = 1 AND e.ro = ? AND e.time >= 0 AND e.time <= 1e13 AND e.seq <= 1e9 ORDER BY e.time DESC, e.seq DESC LIMIT 51)'
  plan(`${arm} UNION ALL ${arm} UNION ALL ${arm} ORDER BY time DESC, seq DESC LIMIT 51`, 0, 1, 2)
  plan('SELECT ro, time, seq FROM history_events WHERE scope = 1 AND ro IN (0, 1, 2) AND time < 5 LIMIT 5000')
  const base = { accountId: '123837392027', region: 'us-east-1' }
  const time = async (label: string, q: Parameters<HistoryIndex['lookup']>[0]) => {
    const t = performance.now(); let n = 0; let tok: string | undefined; let pages = 0
    do { const p = await history.lookup({ ...q, nextToken: tok }); n += p.events.length; tok = p.nextToken; pages++ } while (tok && pages < 20)
    console.log(label, n, 'events', pages, 'pages', ((performance.now() - t) / pages).toFixed(2), 'ms/page')
  }
  const ts = performance.now(); const hh = (history as any); for (let k = 0; k < 20; k++) await hh.lookup({ ...base, attributes: [], maxResults: 50 }); console.log("repeat first page", ((performance.now() - ts) / 20).toFixed(2)); const tg = performance.now(); for (let k = 0; k < 20; k++) await journal.getBySeq(Array.from({ length: 50 }, (_, i) => 1000 + i * 7)); console.log("getBySeq 50", ((performance.now() - tg) / 20).toFixed(2))
  await time('no attr', { ...base, attributes: [] })
  await time('ReadOnly=false', { ...base, attributes: [{ key: 'ReadOnly', value: 'false' }] })
  await time('EventName', { ...base, attributes: [{ key: 'EventName', value: 'ListBuckets' }] })
  await time('rare AND', { ...base, attributes: [{ key: 'EventSource', value: 'ec2.amazonaws.com' }, { key: 'EventName', value: 'GetPasswordData' }, { key: 'ReadOnly', value: 'true' }] })
  const t = performance.now()
  const purged = await history.purgeOlderThan(new Date(start + 30 * 86_400_000))
  console.log('purged', purged, ((performance.now() - t)).toFixed(0), 'ms')
  await runner.stop()
}, 600_000)
