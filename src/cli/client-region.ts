/**
 * The flags of the CLI's online commands, and the Region they sign for, without the AWS SDK
 * (validate-logs needs the Region before the SDK has loaded).
 */
export interface ClientFlags {
  endpoint?: string
  region?: string
  profile?: string
}

export function clientRegion(flags: ClientFlags): string {
  return flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
}
