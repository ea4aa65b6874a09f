/**
 * The CloudTrail event record, as CloudTrail writes it into log files.
 *
 * Every documented field is typed; unknown fields are kept as they are (the index
 * signature), so a record read from a log file round-trips unchanged in meaning.
 */

export type IdentityType =
  | 'Root' | 'IAMUser' | 'AssumedRole' | 'Role' | 'FederatedUser' | 'Directory' | 'AWSAccount'
  | 'AWSService' | 'Unknown' | 'SAMLUser' | 'WebIdentityUser' | 'IdentityCenterUser'

export interface SessionIssuer {
  type?: string
  principalId?: string
  arn?: string
  accountId?: string
  userName?: string
  [extra: string]: unknown
}

export interface SessionContext {
  sessionIssuer?: SessionIssuer
  webIdFederationData?: { federatedProvider?: string; attributes?: Record<string, unknown>; [extra: string]: unknown }
  attributes?: { creationDate?: string; mfaAuthenticated?: string; [extra: string]: unknown }
  sourceIdentity?: string
  ec2RoleDelivery?: string
  [extra: string]: unknown
}

export interface UserIdentity {
  type?: IdentityType | string
  principalId?: string
  arn?: string
  accountId?: string
  accessKeyId?: string
  userName?: string
  invokedBy?: string
  identityProvider?: string
  sessionContext?: SessionContext
  onBehalfOf?: { userId?: string; identityStoreArn?: string; [extra: string]: unknown }
  credentialId?: string
  [extra: string]: unknown
}

export interface RecordResource {
  ARN?: string
  accountId?: string
  type?: string
  [extra: string]: unknown
}

export interface TlsDetails {
  tlsVersion?: string
  cipherSuite?: string
  clientProvidedHostHeader?: string
  [extra: string]: unknown
}

export type EventCategory =
  | 'Management' | 'Data' | 'NetworkActivity' | 'Insight' | 'ConfigurationItem' | 'Evidence' | 'ActivityAuditLog'

export type EventType =
  | 'AwsApiCall' | 'AwsServiceEvent' | 'AwsConsoleAction' | 'AwsConsoleSignIn' | 'AwsCloudTrailInsight' | 'AwsVpceEvent'
  | 'ActivityLog'

export interface CloudTrailRecord {
  eventVersion: string
  userIdentity?: UserIdentity
  /** UTC, `YYYY-MM-DDThh:mm:ssZ`. */
  eventTime: string
  eventSource?: string
  eventName?: string
  awsRegion: string
  sourceIPAddress?: string
  userAgent?: string
  errorCode?: string
  errorMessage?: string
  requestParameters?: Record<string, unknown> | null
  responseElements?: Record<string, unknown> | null
  additionalEventData?: Record<string, unknown>
  requestID?: string
  eventID: string
  readOnly?: boolean
  resources?: RecordResource[]
  eventType?: EventType | string
  apiVersion?: string
  managementEvent?: boolean
  recipientAccountId?: string
  serviceEventDetails?: Record<string, unknown>
  sharedEventID?: string
  vpcEndpointId?: string
  vpcEndpointAccountId?: string
  eventCategory?: EventCategory | string
  addendum?: Record<string, unknown>
  sessionCredentialFromConsole?: string
  edgeDeviceDetails?: Record<string, unknown>
  tlsDetails?: TlsDetails
  eventContext?: Record<string, unknown>
  insightDetails?: Record<string, unknown>
  [extra: string]: unknown
}

/** The eventVersion OpenTrail writes on records it creates. */
export const CURRENT_EVENT_VERSION = '1.11'
