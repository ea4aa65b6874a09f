/** Errors of channels and PutAuditEvents; `code` is the CloudTrail exception name. */
export class ChannelError extends Error {
  override readonly name = 'ChannelError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
