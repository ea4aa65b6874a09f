/**
 * `opentrail import`: reads CloudTrail log files (and the other shapes real datasets come
 * in) into the journal. Files are read one at a time and records appended in batches, so
 * a large folder never sits in memory whole. Each append resolves once durable; duplicates
 * by eventID are skipped by the journal itself, so importing the same files twice is safe.
 */
import type { Journal } from '../journal/index.js'
import { formatEventTime, normalizeRecord, parseEventTime, validateRecord } from '../record/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { LogFileError } from './errors.js'
import { deliveryDefaults, findLogFiles, readLogFile } from './log-files.js'
import type { ImportReport } from './report.js'

/** Records per journal.append: big enough to share a sync, small enough to bound memory. */
export const DEFAULT_IMPORT_BATCH_SIZE = 1000

const DAY_MS = 86_400_000

export interface ImportProgress {
  filesDone: number
  filesTotal: number
  /** Records read so far (imported, duplicate or invalid). */
  events: number
}

export interface ImportOptions {
  /** Files and folders; folders are walked recursively. */
  paths: string[]
  journal: Journal
  /** The retention the server runs with; older imported events are counted in the report. */
  retentionDays: number
  /** "Now" for the retention count; defaults to Date.now(). */
  nowMs?: number
  batchSize?: number
  /** Called after each file. */
  onProgress?: (progress: ImportProgress) => void
  /** Called once per recipientAccountId, before the first of its events is appended. */
  ensureAccount?: (accountId: string) => Promise<void>
}

export async function importLogs(options: ImportOptions): Promise<ImportReport> {
  const { journal, retentionDays } = options
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE
  const cutoffMs = (options.nowMs ?? Date.now()) - retentionDays * DAY_MS
  const report: ImportReport = {
    filesRead: 0,
    filesSkipped: 0,
    filesBad: [],
    eventsImported: 0,
    duplicatesSkipped: 0,
    invalidRecords: 0,
    invalidReasons: {},
    accounts: [],
    outsideRetention: 0,
    retentionDays,
  }
  const accounts = new Set<string>()
  let oldestMs = Infinity
  let newestMs = -Infinity
  let pending: { record: CloudTrailRecord }[] = []
  let events = 0

  const flush = async () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    const results = await journal.append(batch)
    results.forEach((result, i) => {
      if (result.duplicate) {
        report.duplicatesSkipped++
        return
      }
      report.eventsImported++
      const ms = parseEventTime(batch[i]!.record.eventTime)
      if (ms < cutoffMs) report.outsideRetention++
      if (ms < oldestMs) oldestMs = ms
      if (ms > newestMs) newestMs = ms
    })
  }
  const countInvalid = (reason: string) => {
    report.invalidRecords++
    report.invalidReasons[reason] = (report.invalidReasons[reason] ?? 0) + 1
  }

  const found = await findLogFiles(options.paths)
  report.filesSkipped = found.digestFiles.length
  for (const error of found.missing) report.filesBad.push(badFile(error))
  const filesTotal = found.logFiles.length

  for (const [index, path] of found.logFiles.entries()) {
    let parsed
    try {
      parsed = await readLogFile(path)
    } catch (error) {
      if (!(error instanceof LogFileError)) throw error
      report.filesBad.push(badFile(error))
      options.onProgress?.({ filesDone: index + 1, filesTotal, events })
      continue
    }
    report.filesRead++
    for (let i = 0; i < parsed.badLines; i++) countInvalid('InvalidData: a line is not valid JSON')
    events += parsed.badLines
    const defaults = deliveryDefaults(path)
    for (const raw of parsed.records) {
      events++
      const checked = validateRecord(isObject(raw) ? normalizeRecord(raw, defaults) : raw, { fieldLimits: false })
      if (!checked.ok) {
        countInvalid(`${checked.error.code}: ${checked.error.message}`)
        continue
      }
      const account = checked.record.recipientAccountId
      if (account !== undefined && !accounts.has(account)) {
        accounts.add(account)
        await options.ensureAccount?.(account)
      }
      pending.push({ record: checked.record })
      if (pending.length >= batchSize) await flush()
    }
    options.onProgress?.({ filesDone: index + 1, filesTotal, events })
  }
  await flush()

  report.accounts = [...accounts].sort()
  if (report.eventsImported > 0) {
    report.oldestEventTime = formatEventTime(new Date(oldestMs))
    report.newestEventTime = formatEventTime(new Date(newestMs))
  }
  return report
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function badFile(error: LogFileError): ImportReport['filesBad'][number] {
  return { path: error.path, problem: error.problem, reason: error.message }
}
