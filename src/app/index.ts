/**
 * @module app
 * Configuration and wiring of a running OpenTrail service.
 */
export { startApp, openServices } from './app.js'
export type { RunningApp, AppServices } from './app.js'
