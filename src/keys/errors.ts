/** Typed failures of the signing-key store. */

/** The master key that encrypts private keys at rest is not 32 bytes (AES-256). */
export class InvalidMasterKeyError extends Error {
  override readonly name = 'InvalidMasterKeyError'
  readonly retryable = false
  constructor(readonly byteLength: number) {
    super(`signing key master key must be 32 bytes, got ${byteLength}`)
  }
}

/** A stored private key could not be decrypted: wrong master key or a damaged row. */
export class SigningKeyDecryptError extends Error {
  override readonly name = 'SigningKeyDecryptError'
  readonly retryable = false
  constructor(readonly fingerprint: string, readonly region: string, options?: { cause?: unknown }) {
    super(`cannot decrypt signing key ${fingerprint} of region ${region} (wrong master key?)`, options)
  }
}

/** A DER public key is neither PKCS#1 RSAPublicKey nor X.509 SubjectPublicKeyInfo. */
export class PublicKeyFormatError extends Error {
  override readonly name = 'PublicKeyFormatError'
  readonly retryable = false
  constructor(options?: { cause?: unknown }) {
    super('public key is neither PKCS#1 nor SPKI DER', options)
  }
}
