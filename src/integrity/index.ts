/**
 * @module integrity
 * CloudTrail log file integrity: signed, chained digest files (building and writing them
 * per trail and Region) and the `validate-logs` check, compatible with the AWS CLI's.
 */
export { buildDigest, digestStringToSign, SIGNATURE_ALGORITHM, HASH_ALGORITHM } from './digest.js'
export type { DigestInput, DigestLogFile, PreviousDigest, BuiltDigest } from './digest.js'
export { DigestChain, DEFAULT_DIGEST_INTERVAL_SECONDS } from './digest-writer.js'
export type { ChainId, ChainConfig, ChainLocation, DigestSigner, DigestChainOptions, WrittenDigest } from './digest-writer.js'
export { digestFileKey } from './digest-key.js'
export type { TrailLocation } from './digest-key.js'
export { validateLogs, DEFAULT_LOG_CONCURRENCY, DEFAULT_PENDING_GRACE_SECONDS } from './validate.js'
export type { ValidateLogsOptions, PublicKey, LogStore } from './validate.js'
export { formatReport } from './report.js'
export type { ValidationResult, ValidationEvent, ValidCount, FormattedReport, FormatOptions, ReportChunk, DigestInvalidReason, LogInvalidReason } from './report.js'
export { sha256OfGunzipped } from './log-hash.js'
export { NoPublicKeysError, InvalidTimeRangeError, InvalidTrailArnError } from './errors.js'
export { TrailDigests, DEFAULT_STOP_GRACE_MS } from './trail-digests.js'
export type { DigestTrail, DigestTrailSource, DigestDeliveryStatus, TrailDigestsOptions } from './trail-digests.js'
export { integrityOperations } from './operations.js'
export type { PublicKeySource } from './operations.js'
export type { ChainState } from './digest-writer.js'
export { PublicKeyTimeRangeError } from './errors.js'
