#!/usr/bin/env node
/**
 * Builds native/ (the fast log file hash of validate-logs) with npm's own node-gyp, as
 * better-sqlite3 is built. The addon is optional: where it cannot be built, validate-logs
 * hashes with zlib at a fifth of the speed, so a failed build warns instead of failing
 * the install.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const nodeGyp = process.env.npm_config_node_gyp
const cwd = fileURLToPath(new URL('../native/', import.meta.url))
const result = nodeGyp
  ? spawnSync(process.execPath, [nodeGyp, 'rebuild'], { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  : spawnSync('node-gyp', ['rebuild'], { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
if (result.status !== 0) {
  const why = result.error?.message ?? result.stderr.split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 5).join('\n')
  console.warn(`opentrail: the native log hash was not built, so validate-logs will use zlib (slower):\n${why}`)
}
