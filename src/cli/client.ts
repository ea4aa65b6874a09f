/**
 * The CloudTrail client the CLI's online commands use: the AWS SDK's own, pointed at the
 * OpenTrail endpoint, with credentials from the usual AWS chain (environment, profile).
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { DEFAULT_HOST, DEFAULT_PORT } from '../config/index.js'
import { clientRegion, type ClientFlags } from './client-region.js'

export type { ClientFlags } from './client-region.js'

export function cloudTrailClient(flags: ClientFlags): CloudTrailClient {
  if (flags.profile) process.env.AWS_PROFILE = flags.profile
  return new CloudTrailClient({
    endpoint: flags.endpoint ?? process.env.OPENTRAIL_ENDPOINT ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`,
    region: clientRegion(flags),
  })
}
