/** What an import did, and its plain-text form for the CLI. */

export interface BadFile {
  path: string
  /** A LogFileProblem: NotFound, Unreadable, NotGzip, CorruptGzip, InvalidJson, NoRecords. */
  problem: string
  reason: string
}

export interface ImportReport {
  /** Log files whose records were read (even if some records were invalid). */
  filesRead: number
  /** CloudTrail-Digest files found and skipped: they hold hashes of log files, not events. */
  filesSkipped: number
  filesBad: BadFile[]
  eventsImported: number
  /** Records whose eventID was already in the journal (or earlier in this import). */
  duplicatesSkipped: number
  invalidRecords: number
  /** Invalid records by reason (`code: message`). */
  invalidReasons: Record<string, number>
  /** recipientAccountIds of the records read, sorted. */
  accounts: string[]
  /** Imported events older than now - retentionDays. */
  outsideRetention: number
  retentionDays: number
  /** eventTime range of the imported events. */
  oldestEventTime?: string
  newestEventTime?: string
}

export function formatImportReport(report: ImportReport): string {
  const lines = [
    `Files read: ${report.filesRead}` +
      (report.filesSkipped ? `, ${report.filesSkipped} digest file(s) skipped (not event logs)` : ''),
    `Events imported: ${report.eventsImported}` +
      (report.oldestEventTime ? ` (${report.oldestEventTime} to ${report.newestEventTime})` : ''),
    `Duplicates skipped: ${report.duplicatesSkipped}`,
  ]
  if (report.accounts.length) lines.push(`Accounts: ${report.accounts.join(', ')}`)
  if (report.invalidRecords) {
    lines.push(`Invalid records skipped: ${report.invalidRecords}`)
    const reasons = Object.entries(report.invalidReasons).sort((a, b) => b[1] - a[1])
    for (const [reason, count] of reasons) lines.push(`  ${count} × ${reason}`)
  }
  if (report.filesBad.length) {
    lines.push(`Files not imported: ${report.filesBad.length}`)
    for (const bad of report.filesBad) lines.push(`  ${bad.path}: ${bad.reason} (${bad.problem})`)
  }
  if (report.outsideRetention) {
    lines.push(
      `Note: ${report.outsideRetention} imported event(s) are older than the retention window of ` +
        `${report.retentionDays} days. They are stored, but Event History does not show events past the ` +
        `retention window, and the retention sweep may delete them. To keep them, start OpenTrail with a ` +
        `longer retention: --retention-days N (or OPENTRAIL_RETENTION_DAYS=N).`,
    )
  }
  return lines.join('\n')
}
