/**
 * @module app
 * Configuration and wiring of a running OpenTrail service.
 */
export { parseConfig, parseDuration, ConfigError, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_DATA_DIR, DEFAULT_RETENTION_DAYS } from './config.js'
export type { AppConfig, ConfigFlags } from './config.js'
export { startApp, openServices } from './app.js'
export type { RunningApp, AppServices } from './app.js'
