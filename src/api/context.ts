/** What every API handler knows about the request it serves. */

export interface Caller {
  accountId: string
  accessKeyId: string
  userName: string
}

export interface RequestContext {
  requestId: string
  /** The region the request was signed for: CloudTrail is regional. */
  region: string
  caller: Caller
  sourceIp: string
  userAgent?: string
  /** When the server received the request. */
  receivedAt: Date
}

export type JsonObject = Record<string, unknown>

/** One CloudTrail control-plane operation (AWS JSON 1.1). */
export interface Operation {
  /** Read-only operations are recorded with readOnly true and responseElements null. */
  readOnly: boolean
  handle(input: JsonObject, ctx: RequestContext): Promise<JsonObject>
  /** Resources the call acts on, for the recorded event. */
  resources?(input: JsonObject, output: JsonObject | undefined, ctx: RequestContext): { ARN: string; accountId: string; type: string }[]
}

export type OperationTable = Record<string, Operation>
