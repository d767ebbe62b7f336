// One small class per error family, each with a stable `code` (tests assert codes, not text),
// structured `data`, and an optional `cause` — the isomorphic-git / sigstore-js pattern.
// Messages are one line: what is wrong, then what to do about it.

export type ErrorCode =
  // input: arguments, files, user-supplied values
  | 'INPUT_INVALID'
  | 'USAGE'
  // encoding
  | 'CBOR_MALFORMED'
  | 'CBOR_TRUNCATED'
  | 'CBOR_NONCANONICAL'
  | 'CBOR_UNSUPPORTED'
  // objects and integrity
  | 'OBJECT_INVALID'
  | 'OBJECT_UNKNOWN_TYPE'
  | 'HASH_MISMATCH'
  | 'LOG_BROKEN'
  | 'PROOF_INVALID'
  // lookup
  | 'NOT_FOUND'
  | 'ID_AMBIGUOUS'
  | 'REF_CONFLICT'
  // repository
  | 'REPO_NOT_FOUND'
  | 'REPO_EXISTS'
  | 'REPO_LOCKED'
  // signatures and trust
  | 'SIGNATURE_INVALID'
  | 'KEY_REVOKED'
  | 'KEY_UNKNOWN'
  | 'ROLE_MISSING'
  | 'POLICY_VIOLATION'
  // keystore
  | 'KEYSTORE_MISSING'
  | 'KEY_NOT_FOUND'
  | 'KEY_AMBIGUOUS'
  | 'KEY_EXISTS'
  | 'PASSPHRASE_WRONG'
  | 'PASSPHRASE_MISSING'
  | 'KEYFILE_INVALID'
  // bundles
  | 'BUNDLE_INVALID'
  | 'BUNDLE_TRUNCATED'
  // remotes
  | 'SYNC_CONFLICT'
  | 'SYNC_DIVERGED'
  // I/O
  | 'IO_FAILED';

export type ErrorData = Record<string, unknown>;

export class CognifyError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;
  /** Name of the public API function that raised it, set by the API layer ("caller"). */
  caller?: string;

  constructor(code: ErrorCode, message: string, data: ErrorData = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.data = data;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Bad arguments, flags or user-supplied files. */
export class InputError extends CognifyError {}
/** A named thing (object, ref, identity, log entry) does not exist. */
export class NotFoundError extends CognifyError {}
/** Stored or received bytes are not what they claim to be: hashes, canonical form, log links. */
export class IntegrityError extends CognifyError {}
/** A signature does not verify, or its key is unknown or revoked. */
export class SignatureError extends CognifyError {}
/** The signer lacks a role, or a rule of the repository forbids the action. */
export class PolicyError extends CognifyError {}
/** Private keys and passphrases. */
export class KeystoreError extends CognifyError {}
/** The repository itself: missing, already there, or locked by another process. */
export class RepoError extends CognifyError {}
/** Bundles (sync). */
export class BundleError extends CognifyError {}

export function isCognifyError(e: unknown): e is CognifyError {
  return e instanceof CognifyError;
}

/** Tag an error with the public function that raised it, as isomorphic-git does. */
export function tagCaller(e: unknown, caller: string): unknown {
  if (e instanceof CognifyError && e.caller === undefined) e.caller = caller;
  return e;
}
