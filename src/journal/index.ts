/**
 * @module journal
 * The append-only, durable journal and the projections that read it from their own cursors.
 */
export type { AppendInput, AppendOptions, AppendResult, EncodedRecord, Journal, JournalBatch, JournalEntry, RecordKeys } from './types.js'
export { JournalPushback } from './types.js'
export { SqliteJournal, DEFAULT_MAX_QUEUED_EVENTS } from './sqlite-journal.js'
export type { Outcome, Projection, ProjectionStatus, ProjectionRunnerOptions } from './projection.js'
export { ProjectionRunner } from './projection.js'
export { openDatabase, withoutSync } from './database.js'
export { RecordCodec } from './codec.js'
export type { RecordDictionary } from './codec.js'
