/**
 * @module keys
 * Per-Region RSA signing keys for digest files (CloudTrail's ListPublicKeys) and the
 * public-key encodings CloudTrail uses.
 */
export { SigningKeyStore, DEFAULT_ROTATION_DAYS } from './signing-keys.js'
export type { SigningKey, PublicKeyEntry, SigningKeyStoreOptions } from './signing-keys.js'
export { fingerprintOf, publicKeyFromDer } from './public-key.js'
export { InvalidMasterKeyError, SigningKeyDecryptError, PublicKeyFormatError } from './errors.js'
