// Object ids: `sha256:<64 lowercase hex>` of an object's canonical bytes (FIPS 180-4 SHA-256).
// Any unique prefix of 7 or more hex digits resolves, as in git (see src/store/object-store.ts).
import { InputError } from './errors.js';
import { toHex } from './bytes.js';

export type ObjectId = `sha256:${string}`;

export const ID_PREFIX = 'sha256:';
export const MIN_PREFIX = 7;
const FULL = /^sha256:[0-9a-f]{64}$/;
const HEXISH = /^(?:sha256:)?([0-9a-fA-F]+)$/;

export function isObjectId(s: unknown): s is ObjectId {
  return typeof s === 'string' && FULL.test(s);
}

export function idFromDigest(digest: Uint8Array): ObjectId {
  if (digest.length !== 32) throw new TypeError(`expected a 32-byte digest, got ${digest.length}`);
  return `sha256:${toHex(digest)}`;
}

/** The 64 hex digits of an id. */
export function idHex(id: ObjectId): string {
  return id.slice(ID_PREFIX.length);
}

/**
 * Normalise user input naming an object: a full id, or 7..64 hex digits with or without the
 * `sha256:` prefix. Returns the lowercase hex digits.
 */
export function parseIdPrefix(input: string): string {
  const m = HEXISH.exec(input.trim());
  if (!m || m[1]!.length > 64) {
    throw new InputError('INPUT_INVALID', `"${input}" is not an object id; expected sha256:<hex> or at least ${MIN_PREFIX} hex digits`, { input });
  }
  const hex = m[1]!.toLowerCase();
  if (hex.length < MIN_PREFIX) {
    throw new InputError('INPUT_INVALID', `id prefix "${input}" is too short; give at least ${MIN_PREFIX} hex digits`, { input });
  }
  return hex;
}

/** Short form for human output: `sha256:` and the first 12 hex digits. */
export function shortId(id: string): string {
  return id.startsWith(ID_PREFIX) ? id.slice(0, ID_PREFIX.length + 12) : id.slice(0, 12);
}
