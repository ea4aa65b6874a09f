/**
 * The CloudTrail client the CLI's online commands use: the AWS SDK's own, pointed at the
 * OpenTrail endpoint, with credentials from the usual AWS chain (environment, profile).
 *
 * The SDK is required, not imported, and only when a command first needs it: an ES import
 * of the CommonJS SDK first parses its sources for their exports, some 40 ms more of every
 * command's start-up, and validate-logs starts its work before it needs the SDK.
 */
import { createRequire } from 'node:module'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { DEFAULT_HOST, DEFAULT_PORT } from '../config/index.js'

export interface ClientFlags {
  endpoint?: string
  region?: string
  profile?: string
}

type CloudTrailSdk = typeof import('@aws-sdk/client-cloudtrail')
let sdk: CloudTrailSdk | undefined

/** The SDK's commands (and client), loaded at the first call. */
export function cloudTrailSdk(): CloudTrailSdk {
  sdk ??= createRequire(import.meta.url)('@aws-sdk/client-cloudtrail') as CloudTrailSdk
  return sdk
}

export function clientRegion(flags: ClientFlags): string {
  return flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
}

export function cloudTrailClient(flags: ClientFlags): CloudTrailClient {
  if (flags.profile) process.env.AWS_PROFILE = flags.profile
  return new (cloudTrailSdk().CloudTrailClient)({
    endpoint: flags.endpoint ?? process.env.OPENTRAIL_ENDPOINT ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`,
    region: clientRegion(flags),
  })
}
