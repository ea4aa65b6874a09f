/** AWS JSON 1.1 value conventions: timestamps are epoch seconds, blobs are base64. */
import { ApiError } from './errors.js'

/**
 * An answer an operation has serialised itself, already in wire form as UTF-8 (LookupEvents
 * builds its page from events it keeps serialised). Bytes rather than a string: a 100 KB
 * page string had to be joined, measured and encoded again for the socket, slower still
 * once one non-Latin-1 character made it a two-byte string (~0.3 ms of a ~1 ms call in a
 * profile at 8 clients; ~0.18 ms as bytes).
 */
export class SerializedAnswer {
  constructor(readonly bytes: Buffer) {}

  get json(): string {
    return this.bytes.toString('utf8')
  }
}

/**
 * Serializes a handler's output: Date → epoch seconds, Buffer → base64. The conversion is
 * a walk before JSON.stringify rather than a replacer, because a replacer takes V8 off its
 * fast serializer (a LookupEvents page serialized ~5x slower that way).
 */
export function toWireJson(value: unknown): string {
  return JSON.stringify(toWireValue(value))
}

/** The value with Dates and Buffers converted; objects without any are returned as they are, not copied. */
function toWireValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000
  if (Buffer.isBuffer(value)) return value.toString('base64')
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    value.forEach((item: unknown, i) => {
      const converted = toWireValue(item)
      if (converted !== item) (copy ??= value.slice())[i] = converted
    })
    return copy ?? value
  }
  if (typeof value === 'object' && value !== null) {
    let copy: Record<string, unknown> | undefined
    for (const [key, item] of Object.entries(value)) {
      const converted = toWireValue(item)
      if (converted !== item) (copy ??= { ...value })[key] = converted
    }
    return copy ?? value
  }
  return value
}

/** Reads an input timestamp: epoch seconds (number), or an ISO string as some clients send. */
export function readTimestamp(value: unknown, member: string): Date | undefined {
  if (value === undefined || value === null) return undefined
  const date =
    typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value) : undefined
  if (!date || Number.isNaN(date.getTime())) {
    throw new ApiError('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must be a timestamp`)
  }
  return date
}

export function readString(input: Record<string, unknown>, member: string, options: { required?: boolean; min?: number; max?: number } = {}): string | undefined {
  const value = input[member]
  if (value === undefined || value === null) {
    if (options.required) throw new ApiError('InvalidParameterException', `${member} is required.`)
    return undefined
  }
  if (typeof value !== 'string') throw new ApiError('InvalidParameterException', `${member} must be a string.`)
  if (options.min !== undefined && value.length < options.min) throw new ApiError('InvalidParameterException', `${member} must be at least ${options.min} characters long.`)
  if (options.max !== undefined && value.length > options.max) throw new ApiError('InvalidParameterException', `${member} must be at most ${options.max} characters long.`)
  return value
}

export function readBoolean(input: Record<string, unknown>, member: string): boolean | undefined {
  const value = input[member]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw new ApiError('InvalidParameterException', `${member} must be a boolean.`)
  return value
}

export function readInteger(input: Record<string, unknown>, member: string): number | undefined {
  const value = input[member]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ApiError('InvalidParameterException', `${member} must be an integer.`)
  return value
}
