/**
 * @module import
 * `opentrail import PATH`: CloudTrail log files (and Stratus/OTRF-style dumps) into the journal.
 */
export { importLogs, DEFAULT_IMPORT_BATCH_SIZE } from './import-logs.js'
export type { ImportOptions, ImportProgress } from './import-logs.js'
export { formatImportReport } from './report.js'
export type { ImportReport, BadFile } from './report.js'
export { LogFileError } from './errors.js'
export type { LogFileProblem } from './errors.js'
