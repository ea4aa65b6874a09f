/**
 * @module kms
 * A KMS-like key service (keys, aliases, rotation, data keys for envelope encryption) and
 * the object-store decorator that encrypts log files at rest with it.
 */
/** Keys and data keys. */
export { KmsKeyStore, DATA_KEY_BYTES } from './key-store.js'
export type { KmsKey, DataKey, EncryptionContext, KeyScope } from './key-store.js'
/** Names and ARNs. */
export { keyArn, aliasArn, parseKeyRef, normalizeAliasName } from './key-names.js'
export type { ParsedKeyRef } from './key-names.js'
/** Typed failures; `code` is the KMS exception name. */
export {
  KmsError,
  KmsAliasExistsError,
  KmsInvalidAliasError,
  KmsInvalidCiphertextError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
} from './errors.js'
/** Encryption at rest of folder-store objects. */
export { EncryptingObjectStore, withEncryption, objectContext, SSE_METADATA } from './encrypting-store.js'
export type { DataKeyService } from './encrypting-store.js'
