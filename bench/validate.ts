/**
 * Section "validate" (log file integrity): how fast `opentrail validate-logs` checks a trail's
 * log files against their signed digests, next to `openssl dgst -sha256` hashing the same files.
 *
 * The bucket is made by the real service: the default trail (log file validation on) of a
 * fresh installation with a 1 s delivery interval and a 5 s digest interval, fed realistic
 * records through the running app's journal, until every log file is listed in a digest.
 * 5 s, not less: then a digest lists several log files, as an hourly one does, and
 * validateLogs hashes one digest's log files concurrently.
 * validate-logs asks the running service for the public keys (ListPublicKeys), so the
 * measurement runs against a restarted service whose delivery and digest intervals are an
 * hour: the bucket stays as it is while it is read (the requests' own management events
 * would otherwise become new log files and digests).
 *
 * Timed, best of RUNS, runs interleaved so machine noise hits all alike:
 * - the CLI as a user runs it, a child process (`node dist/src/cli/main.js validate-logs`),
 *   start-up included;
 * - `validateLogs()` in this process over the folder store (no process start-up);
 * - `openssl dgst -sha256` over the same log files as stored (.json.gz), and over their
 *   uncompressed content (gunzipped beforehand, untimed).
 * Throughput is bytes / second with MB = 10^6 bytes.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { gunzipSync } from 'node:zlib'
import { CloudTrailClient, DescribeTrailsCommand, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail'
import { startApp } from '../src/app/index.js'
import type { RunningApp } from '../src/app/index.js'
import { validateLogs } from '../src/integrity/index.js'
import type { PublicKey, ValidationResult } from '../src/integrity/index.js'
import { FileObjectStore } from '../src/storage/index.js'
import { historyRecords } from './events.js'
import type { SectionResult } from './report.js'
import { BENCH_CREDENTIALS, benchConfig } from './server.js'
import { formatBytes, formatMs, formatNumber } from './stats.js'

const CLI = join(import.meta.dirname, '../src/cli/main.js')
const DELIVERY_INTERVAL = '1s'
const DIGEST_INTERVAL = '5s'
/** While measuring: nothing is delivered or digested. */
const FROZEN_INTERVAL = '1h'
const TARGET_RATIO = 0.8
const RUNS = 3
const BATCH = 500
const POLL_MS = 250
const SETTLE_TIMEOUT_MS = 180_000
/** Files per openssl invocation, far below the kernel's argument-length limit. */
const OPENSSL_CHUNK = 1_000
const SEED = 77_001
const MB = 1e6

export interface ValidateBenchOptions {
  /** Events appended to make the bucket. */
  events: number
}

/** The bucket as the poller sees it: log files (key → record count) and what the digests list. */
interface BucketScan {
  logs: Map<string, number>
  digests: Set<string>
  referenced: Map<string, string>
}

export async function benchValidate(options: ValidateBenchOptions, log: (line: string) => void): Promise<SectionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-bench-validate-'))
  const dataDir = join(dir, 'data')
  const bucketsDir = join(dataDir, 'buckets')
  let app: RunningApp | undefined
  try {
    // ---- 1. a realistic trail bucket, made by the service itself ----
    const startTime = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000)
    app = await startApp(benchConfig(dataDir, { deliveryInterval: DELIVERY_INTERVAL, digestInterval: DIGEST_INTERVAL }))
    log(`  appending ${formatNumber(options.events, 0)} events (delivery every ${DELIVERY_INTERVAL}, digests every ${DIGEST_INTERVAL})...`)
    const fillStarted = performance.now()
    const records = historyRecords(app.accountId, options.events, SEED, Date.now(), 0)
    for (let done = 0; done < options.events; ) {
      const eventTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
      const batch = []
      for (let i = 0; i < BATCH && done < options.events; i++, done++) {
        const record = records.next().value!
        record.eventTime = eventTime
        batch.push({ record })
      }
      await app.journal.append(batch)
    }
    const appendMs = performance.now() - fillStarted
    log(`  appended in ${formatMs(appendMs)}; waiting until every event is in a log file listed in a digest...`)
    const scan: BucketScan = { logs: new Map(), digests: new Set(), referenced: new Map() }
    const settleDeadline = performance.now() + SETTLE_TIMEOUT_MS
    for (;;) {
      scanBucket(bucketsDir, scan)
      const delivered = [...scan.logs.values()].reduce((a, b) => a + b, 0)
      const unlisted = [...scan.logs.keys()].filter((k) => !scan.referenced.has(k)).length
      if (delivered >= options.events && unlisted === 0) break
      if (performance.now() > settleDeadline) throw new Error(`bucket did not settle: ${delivered}/${options.events} events delivered, ${unlisted} log files in no digest`)
      await sleep(POLL_MS)
    }
    const settleMs = performance.now() - fillStarted
    const endTime = new Date(Math.ceil(Date.now() / 1000) * 1000)
    await app.close()
    app = undefined

    // ---- 2. the service again, frozen, for ListPublicKeys ----
    app = await startApp(benchConfig(dataDir, { deliveryInterval: FROZEN_INTERVAL, digestInterval: FROZEN_INTERVAL }))
    const before = bucketListing(bucketsDir)
    const client = new CloudTrailClient({ endpoint: app.url, region: 'us-east-1', credentials: BENCH_CREDENTIALS })
    const { trailList = [] } = await client.send(new DescribeTrailsCommand({}))
    const trail = trailList.find((t) => t.LogFileValidationEnabled && t.S3BucketName)
    if (!trail?.TrailARN || !trail.S3BucketName) throw new Error('the installation has no trail with log file validation')
    const trailArn = trail.TrailARN
    const bucket = trail.S3BucketName
    const region = trail.HomeRegion ?? 'us-east-1'

    // The log files a full validation reads, and their uncompressed copies for openssl.
    const logKeys = [...scan.logs.keys()].sort()
    const gzPaths = logKeys.map((k) => join(bucketsDir, bucket, ...k.split('/')))
    const rawDir = join(dir, 'uncompressed')
    mkdirSync(rawDir)
    let gzBytes = 0
    let rawBytes = 0
    const rawPaths = gzPaths.map((p, i) => {
      const gz = readFileSync(p)
      const raw = gunzipSync(gz)
      gzBytes += gz.length
      rawBytes += raw.length
      const out = join(rawDir, `${String(i).padStart(6, '0')}.json`)
      writeFileSync(out, raw)
      return out
    })
    // The same bytes: openssl's hashes of the uncompressed files are the digests' hashValues.
    const opensslHashes = await opensslDgst(rawPaths)
    const mismatched = logKeys.filter((k, i) => scan.referenced.get(k) !== opensslHashes.hashes[i]).length
    if (mismatched > 0) throw new Error(`${mismatched} uncompressed log files do not hash to their digest's hashValue`)

    const publicKeys = async (start: Date, end: Date): Promise<PublicKey[]> => {
      const out = await client.send(new ListPublicKeysCommand({ StartTime: start, EndTime: end }))
      return (out.PublicKeyList ?? []).map((k) => ({ Value: Buffer.from(k.Value ?? new Uint8Array()), ValidityStartTime: k.ValidityStartTime, ValidityEndTime: k.ValidityEndTime, Fingerprint: k.Fingerprint ?? '' }))
    }
    const cliArgs = [
      CLI, 'validate-logs',
      '--trail-arn', trailArn,
      '--start-time', startTime.toISOString(),
      '--end-time', endTime.toISOString(),
      '--s3-bucket', bucket,
      '--data-dir', dataDir,
      '--endpoint', app.url,
      '--region', region,
      // Every log file is listed by now, so all of them are also checked for being listed.
      '--pending-grace', '0s',
    ]
    const cliEnv = { ...process.env, AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey, AWS_PROFILE: '', AWS_SESSION_TOKEN: '' }
    const expectedSummary = `${logKeys.length}/${logKeys.length} log files valid`

    const times = { cli: [] as number[], inProcess: [] as number[], opensslGz: [] as number[], opensslRaw: [] as number[] }
    let lastResult: ValidationResult | undefined
    for (let run = 1; run <= RUNS; run++) {
      log(`  run ${run}/${RUNS}: validate-logs CLI, validateLogs() in process, openssl on .json.gz, openssl on uncompressed...`)
      const cli = await timedProcess(process.execPath, cliArgs, cliEnv)
      if (cli.code !== 0 || !cli.stdout.includes(expectedSummary)) {
        throw new Error(`validate-logs exited ${cli.code} without "${expectedSummary}":\n${cli.stdout.slice(-2_000)}\n${cli.stderr.slice(-2_000)}`)
      }
      times.cli.push(cli.ms)

      const t0 = performance.now()
      const result = await validateLogs({
        store: new FileObjectStore(bucketsDir),
        bucket,
        region,
        trailArn,
        startTime,
        endTime,
        publicKeys,
        pendingGraceSeconds: 0,
        ownBodies: true, // as the CLI passes it for the same store
      })
      times.inProcess.push(performance.now() - t0)
      if (result.exitCode !== 0 || result.logs.valid !== logKeys.length || result.logs.invalid !== 0 || result.unreferencedLogs !== 0) {
        throw new Error(`validateLogs: exit ${result.exitCode}, ${result.logs.valid} valid / ${result.logs.invalid} invalid log files (expected ${logKeys.length}), ${result.unreferencedLogs} unreferenced`)
      }
      lastResult = result

      times.opensslGz.push((await opensslDgst(gzPaths)).ms)
      times.opensslRaw.push((await opensslDgst(rawPaths)).ms)
    }
    const after = bucketListing(bucketsDir)
    if (after !== before) throw new Error('the bucket changed while it was measured')

    const best = {
      cli: Math.min(...times.cli),
      inProcess: Math.min(...times.inProcess),
      opensslGz: Math.min(...times.opensslGz),
      opensslRaw: Math.min(...times.opensslRaw),
    }
    const rate = (bytes: number, ms: number): number => bytes / MB / (ms / 1000)
    const cliRaw = rate(rawBytes, best.cli)
    const cliGz = rate(gzBytes, best.cli)
    const inRaw = rate(rawBytes, best.inProcess)
    const inGz = rate(gzBytes, best.inProcess)
    const sslRaw = rate(rawBytes, best.opensslRaw)
    const sslGz = rate(gzBytes, best.opensslGz)
    const mbps = (v: number): string => `${formatNumber(v, 0)} MB/s`
    const digests = (lastResult?.digests.valid ?? 0) + (lastResult?.backfillDigests.valid ?? 0)
    const cliRatio = cliRaw / sslRaw
    return {
      section: 'validate',
      rows: [
        { metric: 'validate-logs CLI (uncompressed MB/s)', value: mbps(cliRaw), baseline: `openssl ${mbps(sslRaw)} (uncompressed)`, ratio: cliRatio, target: `>= ${TARGET_RATIO} of openssl dgst -sha256`, pass: cliRatio >= TARGET_RATIO },
        { metric: 'validateLogs() in process (uncompressed MB/s)', value: mbps(inRaw), baseline: `openssl ${mbps(sslRaw)} (uncompressed)`, ratio: inRaw / sslRaw },
        { metric: 'validate-logs CLI (.json.gz MB/s)', value: mbps(cliGz), baseline: `openssl ${mbps(sslGz)} (.json.gz)`, ratio: cliGz / sslGz },
        { metric: 'validateLogs() in process (.json.gz MB/s)', value: mbps(inGz), baseline: `openssl ${mbps(sslGz)} (.json.gz)`, ratio: inGz / sslGz },
        { metric: 'validate-logs CLI wall time', value: formatMs(best.cli), baseline: `openssl ${formatMs(best.opensslRaw)}` },
        { metric: 'validateLogs() wall time', value: formatMs(best.inProcess), baseline: `openssl ${formatMs(best.opensslRaw)}` },
        { metric: 'CLI cost beyond validateLogs() (start-up, data dir, output)', value: formatMs(best.cli - best.inProcess), baseline: `openssl ${formatMs(best.opensslRaw)}` },
      ],
      notes: [
        `bucket: ${formatNumber(options.events, 0)} events in ${formatNumber(logKeys.length, 0)} log files (${formatBytes(gzBytes)} gzipped, ${formatBytes(rawBytes)} uncompressed, ${(rawBytes / gzBytes).toFixed(1)}:1) listed by ${formatNumber(digests, 0)} digests; made by the default trail with delivery every ${DELIVERY_INTERVAL} and digests every ${DIGEST_INTERVAL} in ${formatMs(settleMs)} (appends ${formatMs(appendMs)}).`,
        `each run checks every digest signature and every log file's SHA-256, and that no log file is missing from the digests (--pending-grace 0s); all ${formatNumber(logKeys.length, 0)} files valid in every run. Best of ${RUNS}; MB = 10^6 bytes.`,
        'the target compares uncompressed bytes: a digest\'s hashValue is the SHA-256 of the log file\'s uncompressed content, so validate-logs (like the AWS CLI) must gunzip every file and hash the result; openssl over the uncompressed copies does only the hashing of the very same bytes (its hashes were checked to equal the digests\' hashValues). The .json.gz rows hash only the stored bytes, a lighter job than validation, shown for transparency.',
        `CLI = \`node dist/src/cli/main.js validate-logs\` as a child process, start-up included (the service must run: validate-logs gets the public keys through ListPublicKeys; it was restarted with ${FROZEN_INTERVAL} intervals so the bucket stays unchanged). openssl: one \`openssl dgst -sha256 file…\` per ${formatNumber(OPENSSL_CHUNK, 0)} files; all files in the page cache.`,
        `runs (ms) CLI ${times.cli.map((t) => t.toFixed(0)).join(', ')}; in process ${times.inProcess.map((t) => t.toFixed(0)).join(', ')}; openssl .gz ${times.opensslGz.map((t) => t.toFixed(0)).join(', ')}; openssl uncompressed ${times.opensslRaw.map((t) => t.toFixed(0)).join(', ')}.`,
      ],
      figures: {
        events: options.events,
        logFiles: logKeys.length,
        digests,
        gzBytes,
        rawBytes,
        cliMs: best.cli,
        inProcessMs: best.inProcess,
        opensslGzMs: best.opensslGz,
        opensslRawMs: best.opensslRaw,
        cliUncompressedMBps: cliRaw,
        inProcessUncompressedMBps: inRaw,
        opensslUncompressedMBps: sslRaw,
        opensslGzMBps: sslGz,
        ratio: cliRatio,
        inProcessRatio: inRaw / sslRaw,
      },
    }
  } finally {
    await app?.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Adds newly seen log files (with their record counts) and digests (with the files they list) to `scan`. */
function scanBucket(bucketsDir: string, scan: BucketScan): void {
  if (!existsSync(bucketsDir)) return
  for (const bucket of readdirSync(bucketsDir)) {
    const root = join(bucketsDir, bucket)
    for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!rel.endsWith('.json.gz') || rel.includes(`${sep}.metadata${sep}`) || rel.startsWith(`.metadata${sep}`)) continue
      const key = rel.split(sep).join('/')
      if (key.includes('/CloudTrail-Digest/')) {
        if (scan.digests.has(key)) continue
        const digest = JSON.parse(gunzipSync(readFileSync(join(root, rel))).toString('utf8')) as { logFiles?: { s3Object: string; hashValue: string }[] }
        scan.digests.add(key)
        for (const f of digest.logFiles ?? []) scan.referenced.set(f.s3Object, f.hashValue)
      } else if (key.includes('/CloudTrail/') && !scan.logs.has(key)) {
        const body = JSON.parse(gunzipSync(readFileSync(join(root, rel))).toString('utf8')) as { Records?: unknown[] }
        scan.logs.set(key, body.Records?.length ?? 0)
      }
    }
  }
}

/** Every file's path and size: to tell that the bucket did not change during the measurement. */
function bucketListing(bucketsDir: string): string {
  return readdirSync(bucketsDir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((rel) => `${rel}:${statSync(join(bucketsDir, rel)).size}`)
    .join('\n')
}

async function opensslDgst(paths: string[]): Promise<{ ms: number; hashes: string[] }> {
  const hashes: string[] = []
  let ms = 0
  for (let i = 0; i < paths.length; i += OPENSSL_CHUNK) {
    const chunk = paths.slice(i, i + OPENSSL_CHUNK)
    const run = await timedProcess('openssl', ['dgst', '-sha256', ...chunk], process.env)
    if (run.code !== 0) throw new Error(`openssl dgst exited ${run.code}: ${run.stderr.slice(0, 500)}`)
    ms += run.ms
    // "SHA2-256(path)= hex" (OpenSSL 3) or "SHA256(path)= hex" (1.1), in argument order.
    for (const line of run.stdout.split('\n')) {
      const m = /= ([0-9a-f]{64})$/.exec(line)
      if (m) hashes.push(m[1]!)
    }
  }
  if (hashes.length !== paths.length) throw new Error(`openssl printed ${hashes.length} hashes for ${paths.length} files`)
  return { ms, hashes }
}

/** Runs a program to its end; the time is from spawning to its exit. */
function timedProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }))
  })
}
