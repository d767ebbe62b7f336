// Strict Ed25519 acceptance rules, checked on the raw bytes BEFORE any backend runs its group
// equation, so that the native path (OpenSSL, src/node/node-crypto.ts) and the portable path
// (@noble/ed25519, src/chain/noble-provider.ts) return identical verdicts for every input.
//
// Why a shared pre-check is needed at all (measured with Node 20 / OpenSSL 3.0 and noble 3.2):
//  - OpenSSL decodes A leniently: it accepts y >= p and "x = 0 with the sign bit set", and it
//    accepts small-order A (A = identity, R = identity, S = 0 verifies for ANY message).
//  - noble `{ zip215: false }` rejects all of those, but uses the cofactored equation
//    [8][S]B = [8]R + [8][k]A, while OpenSSL checks the cofactorless [S]B = R + [k]A by comparing
//    encodings. The two disagree when R or A carries a torsion component (ed25519-speccheck
//    cases 4 and 5, test/vectors/ed25519-speccheck.json).
// So: the rules below run first on both paths, and both paths use the cofactorless equation
// (noble-provider.ts implements it with noble's Point; RFC 8032 §5.1.7 step 3: checking
// [S]B = R + [k]A' is "sufficient"; §8.8 notes the two equations can disagree on crafted
// signatures, which is exactly what must not happen here). The result is the rule set of libsodium's
// crypto_sign_verify_detached and ed25519-dalek's verify_strict:
//
//  1. |signature| = 64 and |A| = 32 bytes.                                   RFC 8032 §5.1.7 step 1
//  2. S < L, compared on bytes; rejects S + nL malleability.                 RFC 8032 §5.1.7 step 1, §8.4
//  3. R and A are canonical encodings: y < p, and not x = 0 with the sign
//     bit set (the only x = 0 points are y = 1 and y = p - 1).               RFC 8032 §5.1.3 steps 1, 4
//  4. A is not one of the 8 small-order points. FIPS 186-5 EdDSA verification expects "the public
//     key is checked for validity" (public-key validation per SP 800-186 App. D refuses the neutral
//     element and low-order points); with a small-order A one signature can verify for many
//     messages without any secret (speccheck case 0; OpenSSL accepts it, noble zip215:false not).
//  5. R is not one of the 8 small-order points (libsodium, dalek verify_strict). An honest signer's
//     R = [r]B has order L, so this never rejects a genuine signature.
//
// Not checked: full subgroup membership ([L]A = 0) of a "mixed-order" A or R. That costs a scalar
// multiplication per call, and with the cofactorless equation on both paths it cannot split the
// verdicts; speccheck case 3 (mixed A, mixed R) is accepted by both, as by libsodium and OpenSSL.
//
// Every check here is a handful of byte comparisons: no point decompression, no bigint.

import { InputError } from '../core/errors.js';

/** Ed25519 signature length in bytes (RFC 8032 §5.1.6: R || S). */
export const SIGNATURE_LENGTH = 64;
/** Ed25519 public key and secret seed length in bytes (RFC 8032 §5.1.5). */
export const PUBLIC_KEY_LENGTH = 32;
export const SEED_LENGTH = 32;

/** Why a signature was refused before the group equation ran. */
export type StrictRejection =
  | 'SIGNATURE_LENGTH'
  | 'PUBLIC_KEY_LENGTH'
  | 'S_NOT_CANONICAL'
  | 'R_NOT_CANONICAL'
  | 'A_NOT_CANONICAL'
  | 'R_SMALL_ORDER'
  | 'A_SMALL_ORDER';

// L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 §5.1).
const _L = hexLE('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

// The 8-torsion subgroup E[8], canonical encodings ([i]T for a generator T of order 8, as listed
// by curve25519-dalek and ed25519-speccheck). Non-canonical encodings of these points (y + p for
// y < 19, or x = 0 with the sign bit set) never reach this list: rule 3 rejects them first.
// test/chain/ed25519.test.ts recomputes the list with noble's Point.
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000', // order 1: (0, 1)
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4: (-sqrt(-1), 0)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2: (0, -1)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4: (sqrt(-1), 0)
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
];
const _SMALL = SMALL_ORDER_ENCODINGS.map(hexLE);

function hexLE(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** True when the 32-byte little-endian integer at `offset` is < L (RFC 8032 §5.1.7 step 1). */
export function isCanonicalScalar(b: Uint8Array, offset = 0): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = b[offset + i]!;
    const l = _L[i]!;
    if (x < l) return true;
    if (x > l) return false;
  }
  return false; // S == L
}

/**
 * True when the 32 bytes at `offset` are a canonical point encoding as far as bytes can tell
 * (RFC 8032 §5.1.3): y < p = 2^255 - 19, and not (x = 0 with sign bit 1). Whether y has a
 * square root (the point is on the curve) is left to the backend.
 */
export function isCanonicalPointEncoding(b: Uint8Array, offset = 0): boolean {
  const last = b[offset + 31]!;
  // y >= p  <=>  y in [2^255 - 19, 2^255 - 1]: low byte >= 0xed, bytes 1..30 = 0xff, top 7 bits set.
  if ((last & 0x7f) === 0x7f && b[offset]! >= 0xed && allBytes(b, offset + 1, offset + 31, 0xff)) {
    return false;
  }
  if (last & 0x80) {
    // x = 0 only for y = 1 and y = p - 1; their sign bit must be 0.
    const first = b[offset]!;
    if (first === 0x01 && last === 0x80 && allBytes(b, offset + 1, offset + 31, 0x00)) return false;
    if (first === 0xec && last === 0xff && allBytes(b, offset + 1, offset + 31, 0xff)) return false;
  }
  return true;
}

/** True when the 32 bytes at `offset` are the canonical encoding of a point of order 1, 2, 4 or 8. */
export function isSmallOrderEncoding(b: Uint8Array, offset = 0): boolean {
  const first = b[offset]!;
  // Cheap filter: the small-order encodings start with 0x00, 0x01, 0x26, 0xc7 or 0xec.
  if (first !== 0x00 && first !== 0x01 && first !== 0x26 && first !== 0xc7 && first !== 0xec) return false;
  outer: for (const p of _SMALL) {
    for (let i = 0; i < 32; i++) if (b[offset + i] !== p[i]) continue outer;
    return true;
  }
  return false;
}

function allBytes(b: Uint8Array, from: number, to: number, v: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== v) return false;
  return true;
}

/**
 * The first strictness rule that (signature, publicKey) breaks, or undefined when all hold and the
 * backend may run the group equation. Never throws; non-Uint8Array input counts as a wrong length.
 */
export function strictRejection(signature: unknown, publicKey: unknown): StrictRejection | undefined {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return 'SIGNATURE_LENGTH';
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) return 'PUBLIC_KEY_LENGTH';
  if (!isCanonicalScalar(signature, 32)) return 'S_NOT_CANONICAL';
  if (!isCanonicalPointEncoding(signature, 0)) return 'R_NOT_CANONICAL';
  if (!isCanonicalPointEncoding(publicKey, 0)) return 'A_NOT_CANONICAL';
  if (isSmallOrderEncoding(publicKey, 0)) return 'A_SMALL_ORDER';
  if (isSmallOrderEncoding(signature, 0)) return 'R_SMALL_ORDER';
  return undefined;
}

/** True when every strictness rule holds (see the header of this file). */
export function passesStrictChecks(signature: unknown, publicKey: unknown): boolean {
  return strictRejection(signature, publicKey) === undefined;
}

/** Guard for signing inputs, shared so both providers throw the same error for the same mistake. */
export function assertSignInputs(message: unknown, seed: unknown): void {
  if (!(message instanceof Uint8Array)) {
    throw new InputError('INPUT_INVALID', `expected the message as a Uint8Array, got ${describe(message)}`);
  }
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    throw new InputError(
      'INPUT_INVALID',
      `expected a ${SEED_LENGTH}-byte Ed25519 secret seed, got ${describe(seed)}`,
    );
  }
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  return v === null ? 'null' : typeof v;
}
