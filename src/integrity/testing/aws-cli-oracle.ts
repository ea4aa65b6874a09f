/**
 * Test helper: runs the AWS CLI's own validate-logs code (python `awscli`) over a MemoryStore,
 * through testing/aws_cli_oracle.py, so tests compare OpenTrail with the real thing.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { MemoryStore } from './memory-store.js'

const SCRIPT = fileURLToPath(new URL('./aws_cli_oracle.py', import.meta.url))

/** Whether python3 with the AWS CLI (and its `rsa` dependency) is installed. */
export const awsCliAvailable: boolean =
  spawnSync('python3', ['-c', 'import awscli.customizations.cloudtrail.validation'], { stdio: 'ignore' }).status === 0

export interface OraclePublicKey {
  Fingerprint: string
  Value: Buffer
  ValidityStartTime: Date
  ValidityEndTime: Date
}

export interface OracleResult {
  chunks?: [string, string][]
  exitCode?: number
  error?: string
  errorType?: string
  valid?: boolean
  message?: string
}

function serializeStore(store: MemoryStore): unknown[] {
  const objects: unknown[] = []
  for (const [bucket, keys] of store.objects) {
    for (const [key, o] of keys) objects.push({ bucket, key, body: o.body.toString('base64'), metadata: o.metadata })
  }
  return objects
}

function serializeKeys(keys: readonly OraclePublicKey[]): unknown[] {
  return keys.map((k) => ({
    Fingerprint: k.Fingerprint,
    Value: k.Value.toString('base64'),
    ValidityStartTime: k.ValidityStartTime.toISOString(),
    ValidityEndTime: k.ValidityEndTime.toISOString(),
  }))
}

/** Runs several cases in one python process (importing awscli takes seconds). */
export function runOracle(cases: readonly OracleCase[]): OracleResult[] {
  const child = spawnSync('python3', [SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (child.status !== 0) throw new Error(`aws cli oracle failed (${child.status}): ${child.stderr}`)
  return JSON.parse(child.stdout) as OracleResult[]
}

/** An opaque, serialized oracle case. */
export interface OracleCase {
  mode: 'validate' | 'verify'
}

export interface OracleValidateArgs {
  trailArn: string
  bucket: string
  prefix?: string
  accountId?: string
  region: string
  startTime: Date
  endTime: Date
  verbose: boolean
  publicKeys: readonly OraclePublicKey[]
}

/** A validate-logs case over the store's current content (snapshotted now). */
export function validateCase(store: MemoryStore, args: OracleValidateArgs): OracleCase {
  return {
    mode: 'validate',
    objects: serializeStore(store),
    publicKeys: serializeKeys(args.publicKeys),
    trailArn: args.trailArn,
    bucket: args.bucket,
    prefix: args.prefix,
    accountId: args.accountId,
    region: args.region,
    startTime: args.startTime.toISOString(),
    endTime: args.endTime.toISOString(),
    verbose: args.verbose,
  } as OracleCase
}

/** Sha256RSADigestValidator.validate on one stored digest, with the key as ListPublicKeys serves it. */
export function verifyCase(store: MemoryStore, bucket: string, key: string, publicKeyDer: Buffer): OracleCase {
  return { mode: 'verify', objects: serializeStore(store), bucket, key, publicKeyValue: publicKeyDer.toString('base64') } as OracleCase
}
