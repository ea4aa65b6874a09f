/**
 * ListPublicKeys: the CloudTrail operation that serves the public halves of the digest
 * signing keys. Keys are regional: the Region the request was signed for picks them, as
 * the AWS CLI's validate-logs asks the source Region's endpoint.
 */
import { readString, readTimestamp } from '../api/index.js'
import type { Operation } from '../api/index.js'
import type { PublicKeyEntry } from '../keys/index.js'
import { PublicKeyTimeRangeError } from './errors.js'

/** The key side ListPublicKeys needs (satisfied by keys' SigningKeyStore). */
export interface PublicKeySource {
  currentKey(region: string, now?: Date): { fingerprint: string; publicKeyDer: Buffer; validityStart: Date; validityEnd: Date }
  listPublicKeys(region: string, start: Date, end: Date): PublicKeyEntry[]
}

export function integrityOperations(keys: PublicKeySource): Record<string, Operation> {
  return {
    ListPublicKeys: {
      readOnly: true,
      async handle(input, ctx) {
        const start = readTimestamp(input.StartTime, 'startTime')
        const end = readTimestamp(input.EndTime, 'endTime')
        // NextToken is "reserved for future use": every answer fits one page.
        readString(input, 'NextToken')
        const now = ctx.receivedAt
        if (start && end && start.getTime() > end.getTime()) throw new PublicKeyTimeRangeError(start, end)
        // The Region always has a current key, even before its first digest: make it on demand.
        const current = keys.currentKey(ctx.region, now)
        if (!start && !end) {
          return {
            PublicKeyList: [
              { Value: current.publicKeyDer, ValidityStartTime: current.validityStart, ValidityEndTime: current.validityEnd, Fingerprint: current.fingerprint },
            ],
          }
        }
        const from = start ?? (end && end.getTime() < now.getTime() ? end : now)
        const to = end ?? now
        if (from.getTime() > to.getTime()) throw new PublicKeyTimeRangeError(from, to)
        return { PublicKeyList: keys.listPublicKeys(ctx.region, from, to) }
      },
    },
  }
}
