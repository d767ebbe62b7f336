// A Signer holds (or reaches) a private key and signs bytes. The keystore in src/node unlocks a
// seed into one; a library user may pass their own (an HSM, a remote signer).
import type { CryptoProvider } from '../core/crypto-provider.js';
import { toHex } from '../core/bytes.js';

export interface Signer {
  /** Lowercase hex SHA-256 of the raw 32-byte Ed25519 public key. */
  readonly fingerprint: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A key's fingerprint: hex SHA-256 of its raw public key (64 digits; shown shortened to 16). */
export function fingerprintOf(crypto: CryptoProvider, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new TypeError(`expected a 32-byte Ed25519 public key, got ${publicKey.length} bytes`);
  return toHex(crypto.sha256(publicKey));
}

export function shortFingerprint(fp: string): string {
  return fp.slice(0, 16);
}

export function seedSigner(crypto: CryptoProvider, seed: Uint8Array): Signer {
  if (seed.length !== 32) throw new TypeError(`expected a 32-byte Ed25519 seed, got ${seed.length} bytes`);
  const publicKey = crypto.ed25519PublicKey(seed);
  const fingerprint = fingerprintOf(crypto, publicKey);
  const sign = crypto.ed25519Signer?.(seed) ?? ((m: Uint8Array) => crypto.ed25519Sign(m, seed));
  return { fingerprint, publicKey, sign };
}
