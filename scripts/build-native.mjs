#!/usr/bin/env node
/**
 * Builds native/ (validate-logs' fast log file hash, trails' gzip) with npm's own node-gyp,
 * as better-sqlite3 is built. The addon is optional: where it cannot be built, validate-logs
 * hashes with zlib at a fifth of the speed and trails gzip at two thirds, so a failed build
 * warns instead of failing the install.
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
  console.warn(`opentrail: the native addon was not built, so validate-logs and trail delivery will use zlib (slower):\n${why}`)
}
