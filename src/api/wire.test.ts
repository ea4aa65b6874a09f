import { describe, expect, it } from 'vitest'
import { toWireJson } from './wire.js'

describe('toWireJson', () => {
  it('writes Dates as epoch seconds and Buffers as base64, at any depth', () => {
    const when = new Date('2024-05-01T12:00:00.500Z')
    const out = JSON.parse(toWireJson({ At: when, List: [{ Key: Buffer.from('hi'), Times: [when] }], Name: 'x', None: null }))
    expect(out).toEqual({ At: when.getTime() / 1000, List: [{ Key: 'aGk=', Times: [when.getTime() / 1000] }], Name: 'x', None: null })
  })

  it('leaves the value it was given unchanged', () => {
    const when = new Date(0)
    const value = { Events: [{ EventTime: when, CloudTrailEvent: '{"a":1}' }] }
    toWireJson(value)
    expect(value.Events[0]!.EventTime).toBe(when)
  })

  it('drops undefined members as JSON does', () => {
    expect(toWireJson({ A: undefined, B: [undefined], C: 1 })).toBe('{"B":[null],"C":1}')
  })
})
