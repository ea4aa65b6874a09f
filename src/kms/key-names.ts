/**
 * KMS names: key ARNs `arn:aws:kms:<region>:<account>:key/<uuid>`, alias names `alias/<name>`
 * and alias ARNs `arn:aws:kms:<region>:<account>:alias/<name>`. Pure functions.
 */
import { KmsInvalidAliasError } from './errors.js'

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:aws:kms:${region}:${accountId}:key/${keyId}`
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:aws:kms:${region}:${accountId}:${aliasName}`
}

/** What a key reference names; KMS accepts all four forms wherever a key is expected. */
export type ParsedKeyRef =
  | { type: 'keyId'; keyId: string }
  | { type: 'keyArn'; region: string; accountId: string; keyId: string }
  | { type: 'alias'; aliasName: string }
  | { type: 'aliasArn'; region: string; accountId: string; aliasName: string }

const ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key\/[^/]+|alias\/.+)$/

export function parseKeyRef(ref: string): ParsedKeyRef {
  const arn = ARN.exec(ref)
  if (arn) {
    const [, region, accountId, resource] = arn
    if (resource.startsWith('key/')) return { type: 'keyArn', region, accountId, keyId: resource.slice('key/'.length) }
    return { type: 'aliasArn', region, accountId, aliasName: resource }
  }
  if (ref.startsWith('alias/')) return { type: 'alias', aliasName: ref }
  return { type: 'keyId', keyId: ref }
}

// KMS's own rule for alias names: 1-256 characters of letters, digits, `/`, `_` and `-`.
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/

/** `name` or `alias/name` → `alias/name`; throws KmsInvalidAliasError for names KMS would refuse. */
export function normalizeAliasName(alias: string): string {
  const name = alias.startsWith('alias/') ? alias : `alias/${alias}`
  if (!ALIAS_NAME.test(name)) throw new KmsInvalidAliasError(name, 'use 1-250 letters, digits, /, _ or - after alias/')
  // AWS keeps `alias/aws/*` for its own managed keys.
  if (name.startsWith('alias/aws/')) throw new KmsInvalidAliasError(name, 'alias/aws/ is reserved for AWS managed keys')
  return name
}

/**
 * The encryption context as authenticated bytes: pairs sorted by name, so the same context
 * given in any order opens the same data key (as KMS treats it).
 */
export function canonicalContext(context: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
