/** What every API handler knows about the request it serves. */
import type { SerializedAnswer } from './wire.js'

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

/** One CloudTrail control-plane operation (AWS JSON 1.1); its answer is a JSON object, or one it serialised itself. */
export interface Operation<Answer extends JsonObject | SerializedAnswer = JsonObject> {
  /** Read-only operations are recorded with readOnly true and responseElements null. */
  readOnly: boolean
  handle(input: JsonObject, ctx: RequestContext): Promise<Answer>
  /** Resources the call acts on, for the recorded event. */
  resources?(input: JsonObject, output: JsonObject | undefined, ctx: RequestContext): { ARN: string; accountId: string; type: string }[]
}

/** Operations by name, as the server dispatches them. */
export type OperationTable = Record<string, Operation<JsonObject | SerializedAnswer>>
