/**
 * @module config
 * The service's configuration: flags and environment parsed into a frozen typed value.
 * Kept apart from the wiring so the CLI can show defaults without loading the service.
 */
export {
  parseConfig,
  parseDuration,
  ConfigError,
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_DATA_DIR,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_REGION,
  DEFAULT_DELIVERY_INTERVAL_MS,
  DEFAULT_DIGEST_INTERVAL_MS,
  RETENTION_SWEEP_INTERVAL_MS,
} from './config.js'
export type { AppConfig, ConfigFlags, S3Settings } from './config.js'
