/**
 * Finding log files under the paths given to `opentrail import`, and reading the records
 * out of one. Three shapes are accepted: a CloudTrail log file (`{"Records":[...]}`), a bare
 * JSON array of records (Stratus Red Team's detonation logs), and JSON Lines, one record
 * per line (OTRF Security-Datasets). Any of them may be gzipped.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, sep } from 'node:path'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { LogFileError } from './errors.js'

const gunzipAsync = promisify(gunzip)

/** Names read when walking a folder; other files there (READMEs, licences, YAML) are ignored. */
const LOG_FILE_NAME = /\.(json|jsonl|ndjson)(\.gz)?$/i

export interface FoundFiles {
  /** Files to read, in a stable order. */
  logFiles: string[]
  /** CloudTrail-Digest files: integrity records, not events. */
  digestFiles: string[]
  /** Paths that do not exist or cannot be listed. */
  missing: LogFileError[]
}

/** Digest files are named `<acct>_CloudTrail-Digest_<region>_...` under `.../CloudTrail-Digest/...`. */
export function isDigestFile(path: string): boolean {
  return basename(path).includes('_CloudTrail-Digest_') || path.split(sep).includes('CloudTrail-Digest')
}

/**
 * Lists the files to import. A file given by name is read whatever its extension; in a
 * folder only `.json`, `.jsonl`, `.ndjson` (optionally `.gz`) files are, at any depth.
 */
export async function findLogFiles(paths: string[]): Promise<FoundFiles> {
  const found: FoundFiles = { logFiles: [], digestFiles: [], missing: [] }
  const add = (file: string) => (isDigestFile(file) ? found.digestFiles : found.logFiles).push(file)
  for (const path of paths) {
    let info
    try {
      info = await stat(path)
    } catch (cause) {
      found.missing.push(new LogFileError(path, 'NotFound', 'no such file or folder', { cause }))
      continue
    }
    if (!info.isDirectory()) {
      add(path)
      continue
    }
    try {
      for await (const file of walk(path)) if (LOG_FILE_NAME.test(file)) add(file)
    } catch (cause) {
      found.missing.push(new LogFileError(path, 'Unreadable', 'the folder cannot be listed', { cause }))
    }
  }
  return found
}

/** Files under a folder, depth first, each folder's entries sorted by name. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true })
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const entry of entries) {
    const path = join(dir, entry.name)
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(path)).isDirectory())
    if (isDir) yield* walk(path)
    else yield path
  }
}

export interface ParsedLogFile {
  /** The records as found (not yet checked). */
  records: unknown[]
  /** JSON Lines that did not parse; counted as invalid records. */
  badLines: number
}

/** Reads one file, gunzipping it when it is gzip, and returns its records. Throws LogFileError. */
export async function readLogFile(path: string): Promise<ParsedLogFile> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (cause) {
    throw new LogFileError(path, 'Unreadable', 'the file cannot be read', { cause })
  }
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
  if (!isGzip && /\.gz$/i.test(path)) throw new LogFileError(path, 'NotGzip', 'named .gz but not gzip data')
  if (isGzip) {
    try {
      bytes = await gunzipAsync(bytes)
    } catch (cause) {
      throw new LogFileError(path, 'CorruptGzip', 'the gzip data is corrupt or truncated', { cause })
    }
  }
  return parseLogText(path, bytes.toString('utf8'))
}

/** Splits a file's text into records, whichever of the three shapes it has. */
export function parseLogText(path: string, text: string): ParsedLogFile {
  const body = text.replace(/^\uFEFF/, '').trim()
  if (body === '') throw new LogFileError(path, 'NoRecords', 'the file is empty')
  if (body.startsWith('[')) {
    const value = parseJson(body)
    if (!Array.isArray(value)) throw new LogFileError(path, 'InvalidJson', 'the file is not valid JSON')
    return { records: value, badLines: 0 }
  }
  if (!body.startsWith('{')) throw new LogFileError(path, 'InvalidJson', 'the file is not JSON')

  const whole = parseJson(body)
  if (whole !== undefined) {
    const obj = whole as Record<string, unknown>
    if (Array.isArray(obj.Records)) return { records: obj.Records, badLines: 0 }
    // A one-line JSON Lines file is a single record.
    if (looksLikeRecord(obj)) return { records: [obj], badLines: 0 }
    throw new LogFileError(path, 'NoRecords', 'the JSON object has no Records array')
  }
  return parseJsonLines(path, body)
}

function parseJsonLines(path: string, body: string): ParsedLogFile {
  const records: unknown[] = []
  let badLines = 0
  for (const line of body.split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '') continue
    const value = parseJson(trimmed)
    if (value === undefined) badLines++
    else records.push(value)
  }
  // Not one line parsed: the file is not JSON Lines, just broken JSON.
  if (records.length === 0) throw new LogFileError(path, 'InvalidJson', 'the file is not valid JSON')
  return { records, badLines }
}

function looksLikeRecord(obj: Record<string, unknown>): boolean {
  return 'eventVersion' in obj || 'eventTime' in obj || 'eventName' in obj || '@timestamp' in obj
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/**
 * Account and Region a file was delivered for, from CloudTrail's file name
 * (`<acct>_CloudTrail_<region>_<time>_<id>.json.gz`) or its `AWSLogs/<acct>/CloudTrail/<region>/`
 * folder; used only for records that lack recipientAccountId or awsRegion.
 */
export function deliveryDefaults(path: string): { accountId?: string; region?: string } {
  const name = /^(\d{12})_CloudTrail(?:-Insight)?_([a-z0-9-]+)_/.exec(basename(path))
  if (name) return { accountId: name[1], region: name[2] }
  const parts = path.split(sep)
  const i = parts.lastIndexOf('AWSLogs')
  if (i >= 0) {
    const rest = parts.slice(i + 1).filter((p) => !p.startsWith('o-')) // org trails add the organization id
    if (/^\d{12}$/.test(rest[0] ?? '') && rest[1] === 'CloudTrail') {
      return { accountId: rest[0], ...(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(rest[2] ?? '') ? { region: rest[2] } : {}) }
    }
  }
  return {}
}
