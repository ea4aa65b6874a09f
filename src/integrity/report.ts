/**
 * Results of a log validation and their rendering as the AWS CLI's `validate-logs` prints
 * them (awscli/customizations/cloudtrail/validation.py: `_write_status`,
 * `_write_summary_text`): same lines, tabs, blank-line spacing and stream (stdout/stderr).
 */
import { formatEventTime } from '../record/index.js'

export type DigestInvalidReason =
  | 'not found'
  | 'invalid format'
  | 'signature verification failed'
  | 'moved'
  | 'public key not found'
  | 'unable to load public key'
  | 'error'

export type LogInvalidReason = 'not found' | 'invalid format' | 'hash mismatch'

/** One finding, in the order the CLI reports it. `message` is the CLI's line. */
export type ValidationEvent =
  | { type: 'digest'; backfill: boolean; bucket: string; key: string; valid: true; message: string }
  | { type: 'digest'; backfill: boolean; bucket: string; key: string; valid: false; reason: DigestInvalidReason; message: string }
  | { type: 'log'; bucket: string; key: string; valid: true; message: string }
  | { type: 'log'; bucket: string; key: string; valid: false; reason: LogInvalidReason; message: string }
  | { type: 'gap'; backfill: boolean; nextEndTime: Date; lastStartTime: Date; message: string }
  /** Beyond the CLI: a log file of the trail, due for a digest, that no digest lists. */
  | { type: 'unreferenced'; bucket: string; key: string; deliveryTime: Date; message: string }

export interface ValidCount {
  valid: number
  invalid: number
}

export interface ValidationResult {
  trailArn: string
  requestedStart: Date
  requestedEnd: Date
  /** Span covered by valid digests, clipped to the request; undefined when none was valid. */
  foundStart?: Date
  foundEnd?: Date
  events: ValidationEvent[]
  digests: ValidCount
  backfillDigests: ValidCount
  logs: ValidCount
  unreferencedLogs: number
  /** The CLI's exit status: 1 when any digest or log file is invalid (or, here, unreferenced). */
  exitCode: 0 | 1
}

export interface ReportChunk {
  stream: 'stdout' | 'stderr'
  text: string
}

export interface FormattedReport {
  /** Writes in order, for a caller that interleaves the two streams as the CLI does. */
  chunks: ReportChunk[]
  stdout: string
  stderr: string
}

export interface FormatOptions {
  verbose?: boolean
  /** Leave out the unreferenced-log lines, which the AWS CLI does not have. */
  cliCompatible?: boolean
}

export function formatReport(result: ValidationResult, options: FormatOptions = {}): FormattedReport {
  const chunks: ReportChunk[] = []
  const out = (text: string): void => void chunks.push({ stream: 'stdout', text })
  const err = (text: string): void => void chunks.push({ stream: 'stderr', text })
  const show = formatEventTime
  let lastDoubleSpace = true
  const status = (message: string, isError: boolean): void => {
    if (isError) {
      err(lastDoubleSpace ? `${message}\n\n` : `\n${message}\n\n`)
      lastDoubleSpace = true
    } else if (options.verbose) {
      lastDoubleSpace = false
      out(`${message}\n`)
    }
  }

  out(`Validating log files for trail ${result.trailArn} between ${show(result.requestedStart)} and ${show(result.requestedEnd)}\n\n`)
  for (const event of result.events) {
    if (event.type === 'unreferenced' && options.cliCompatible) continue
    status(event.message, event.type === 'gap' || event.type === 'unreferenced' || !event.valid)
  }

  if (!lastDoubleSpace) out('\n')
  out(`Results requested for ${show(result.requestedStart)} to ${show(result.requestedEnd)}\n`)
  const unreferenced = options.cliCompatible ? 0 : result.unreferencedLogs
  const unreferencedLine = `${unreferenced} log files not listed in any digest file`
  const totalValid = result.digests.valid + result.backfillDigests.valid
  const totalInvalid = result.digests.invalid + result.backfillDigests.invalid
  if (!totalValid && !totalInvalid) {
    out('No digests found\n')
    if (unreferenced) out(`${unreferencedLine}\n`)
  } else {
    if (!result.foundStart || !result.foundEnd) out('No valid digests found in range\n')
    else out(`Results found for ${show(result.foundStart)} to ${show(result.foundEnd)}:\n`)
    const ratio = ({ valid, invalid }: ValidCount, name: string): void => {
      const total = valid + invalid
      if (total === 0) return
      out(`\n${valid}/${total} ${name} files valid`)
      if (invalid > 0) out(`, ${invalid}/${total} ${name} files INVALID`)
    }
    ratio(result.digests, 'digest')
    ratio(result.backfillDigests, 'backfill digest')
    ratio(result.logs, 'log')
    if (unreferenced) out(`\n${unreferencedLine}`)
    out('\n')
  }
  return {
    chunks,
    stdout: chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''),
    stderr: chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''),
  }
}
