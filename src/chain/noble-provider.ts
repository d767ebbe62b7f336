// Portable CryptoProvider: @noble/hashes (SHA-256, SHA-512) and @noble/ed25519, randomness from
// globalThis.crypto.getRandomValues. No node:* imports, so it runs in browsers and workers too.
//
// Verification gives the same verdict as the native path (src/node/node-crypto.ts) for every
// input: the byte rules of ed25519-strict.ts run first, the point A is decoded with noble's strict
// decoder (the `zip215: false` branch: y < p, no x = 0 with sign bit), and the group equation is
// the cofactorless one that OpenSSL checks, [S]B - [k]A == R compared on encodings
// (RFC 8032 §5.1.7 step 3, "sufficient"). noble's own verify() uses the cofactored equation and
// would accept ed25519-speccheck cases 4 and 5, which OpenSSL rejects; see ed25519-strict.ts.

import * as ed from '@noble/ed25519';
import { sha256 as _sha256, sha512 } from '@noble/hashes/sha2.js';
import type { CryptoProvider, Sha256Hasher } from '../core/crypto-provider.js';
import { InputError } from '../core/errors.js';
import { assertSignInputs, passesStrictChecks } from './ed25519-strict.js';

// noble-ed25519 v3 needs a synchronous SHA-512 for getPublicKey/sign (README "hashes").
ed.hashes.sha512 = sha512;

const _N = ed.Point.CURVE().n; // L, the prime order of the base point
const _B = ed.Point.BASE;

function _numberLE(b: Uint8Array): bigint {
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

function _eq32(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 32; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** RFC 8032 §5.1.7, cofactorless, after the shared strict pre-checks. Never throws. */
function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(message instanceof Uint8Array)) return false;
  if (!passesStrictChecks(signature, publicKey)) return false;
  try {
    const A = ed.Point.fromBytes(publicKey, false); // throws when y has no square root
    const r = signature.subarray(0, 32);
    const s = _numberLE(signature.subarray(32, 64)); // < L by the pre-check
    // k = SHA-512(R || A || M) mod L, over the bytes as received (§5.1.7 step 2).
    const h = sha512.create().update(r).update(publicKey).update(message).digest();
    const k = _numberLE(h) % _N;
    // [S]B - [k]A must encode to exactly R. Both scalars may be 0, hence the unsafe multiply.
    const rCheck = _B.multiply(s, false).subtract(A.multiply(k, false));
    return _eq32(rCheck.toBytes(), r);
  } catch {
    return false;
  }
}

function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InputError('INPUT_INVALID', `expected a non-negative integer byte count, got ${n}`);
  }
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call (WebCrypto §10.1.1).
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

function createSha256(): Sha256Hasher {
  const h = _sha256.create();
  const hasher: Sha256Hasher = {
    update(data: Uint8Array) {
      h.update(data);
      return hasher;
    },
    digest: () => h.digest(),
  };
  return hasher;
}

export const nobleProvider: CryptoProvider = Object.freeze({
  name: 'noble',
  sha256: (data: Uint8Array) => _sha256(data),
  createSha256,
  ed25519PublicKey(seed: Uint8Array): Uint8Array {
    assertSignInputs(new Uint8Array(0), seed);
    return ed.getPublicKey(seed);
  },
  ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array {
    assertSignInputs(message, seed);
    return ed.sign(message, seed);
  },
  ed25519Verify,
  randomBytes,
});
