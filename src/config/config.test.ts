import { describe, expect, it } from 'vitest'
import { availableParallelism } from 'node:os'
import { ConfigError, parseConfig, parseDuration } from './config.js'

describe('parseConfig', () => {
  it('defaults ingest threads to one fewer than the cores, at least one', () => {
    expect(parseConfig({}, {}).ingestThreads).toBe(Math.max(1, availableParallelism() - 1))
  })

  it('takes ingest threads from the flag before the environment, 0 meaning the event loop', () => {
    expect(parseConfig({ ingestThreads: '0' }, { OPENTRAIL_INGEST_THREADS: '3' }).ingestThreads).toBe(0)
    expect(parseConfig({}, { OPENTRAIL_INGEST_THREADS: '3' }).ingestThreads).toBe(3)
    expect(() => parseConfig({ ingestThreads: '-1' }, {})).toThrow(ConfigError)
    expect(() => parseConfig({ ingestThreads: 'many' }, {})).toThrow(/whole number/)
  })

  it('reads durations with units', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('2m')).toBe(120_000)
    expect(() => parseDuration('soon')).toThrow(ConfigError)
  })
})
