/** Why a log file could not be read. The import reports these and moves on to the next file. */

export type LogFileProblem = 'NotFound' | 'Unreadable' | 'NotGzip' | 'CorruptGzip' | 'InvalidJson' | 'NoRecords'

export class LogFileError extends Error {
  override readonly name = 'LogFileError'
  constructor(
    readonly path: string,
    readonly problem: LogFileProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}
