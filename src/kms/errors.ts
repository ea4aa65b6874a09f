/**
 * Typed failures of the key service. `code` is the AWS KMS exception name (`NotFoundException`,
 * `DisabledException`, ...), so a store failure can report it as S3 does (`KMS.DisabledException`).
 */

export class KmsError extends Error {
  override name = 'KmsError'
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** No key (or alias) by that reference in the given account and Region. */
export class KmsKeyNotFoundError extends KmsError {
  override name = 'KmsKeyNotFoundError'
  constructor(readonly keyRef: string) {
    super('NotFoundException', `no KMS key ${keyRef}`)
  }
}

/** The key is disabled: it neither generates nor decrypts data keys until enabled again. */
export class KmsKeyDisabledError extends KmsError {
  override name = 'KmsKeyDisabledError'
  constructor(readonly keyArn: string) {
    super('DisabledException', `KMS key ${keyArn} is disabled`)
  }
}

/** The alias is already in use in that account and Region. */
export class KmsAliasExistsError extends KmsError {
  override name = 'KmsAliasExistsError'
  constructor(readonly aliasName: string) {
    super('AlreadyExistsException', `alias ${aliasName} already exists`)
  }
}

/** A malformed alias name (or one in the reserved `alias/aws/` space). */
export class KmsInvalidAliasError extends KmsError {
  override name = 'KmsInvalidAliasError'
  constructor(readonly aliasName: string, readonly reason: string) {
    super('ValidationException', `invalid alias ${aliasName}: ${reason}`)
  }
}

/**
 * A wrapped data key that does not open with this key and encryption context: another key,
 * another context, or tampered bytes (KMS's `InvalidCiphertextException`).
 */
export class KmsInvalidCiphertextError extends KmsError {
  override name = 'KmsInvalidCiphertextError'
  constructor(readonly keyArn: string, options?: { cause?: unknown }) {
    super('InvalidCiphertextException', `the wrapped data key does not decrypt under ${keyArn} with this encryption context`, options)
  }
}
