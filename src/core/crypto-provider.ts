// The hash and signature provider, injected the way isomorphic-git injects `fs` and `http`,
// so that src/core, src/store and src/chain never import node:crypto. Two implementations:
// src/node/node-crypto.ts (native: ~1.9 GB/s SHA-256, tens of thousands of Ed25519 verifies/s)
// and src/chain/noble-provider.ts (portable, @noble/*). Both must give identical verdicts:
// Ed25519 verification is strict (RFC 8032 §5.1.7 / FIPS 186-5), see src/chain/ed25519-strict.ts.

export interface Sha256Hasher {
  update(data: Uint8Array): Sha256Hasher;
  digest(): Uint8Array;
}

export interface CryptoProvider {
  readonly name: string;
  sha256(data: Uint8Array): Uint8Array;
  createSha256(): Sha256Hasher;
  /** 32-byte public key from a 32-byte secret seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /** 64-byte signature (RFC 8032 §5.1.6). */
  ed25519Sign(message: Uint8Array, seed: Uint8Array): Uint8Array;
  /**
   * A signing function with the key prepared once (expanded secret key, or a native key object),
   * for a signer that signs many messages. Optional: callers fall back to ed25519Sign.
   */
  ed25519Signer?(seed: Uint8Array): (message: Uint8Array) => Uint8Array;
  /** Strict verification; never throws for malformed signatures or keys, returns false. */
  ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  randomBytes(n: number): Uint8Array;
}
