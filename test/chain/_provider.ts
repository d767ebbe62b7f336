// Test-only CryptoProvider over node:crypto, so test/chain does not depend on the real providers
// (src/node/node-crypto.ts, src/chain/noble-provider.ts). Ed25519 keys are built from the raw
// 32-byte seed / public key by prefixing the fixed DER headers of RFC 8410 §7 (PKCS#8) and §4
// (SubjectPublicKeyInfo) for id-Ed25519 (1.3.101.112).
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import type { CryptoProvider, Sha256Hasher } from '../../src/core/crypto-provider.js';
import { plain } from '../../src/core/bytes.js';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

function privateKey(seed: Uint8Array) {
  if (seed.length !== 32) throw new TypeError(`expected 32-byte seed, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

export const testProvider: CryptoProvider = {
  name: 'test-node-crypto',
  sha256: (data) => plain(createHash('sha256').update(data).digest()),
  createSha256(): Sha256Hasher {
    const h = createHash('sha256');
    const api: Sha256Hasher = {
      update(data) {
        h.update(data);
        return api;
      },
      digest: () => plain(h.digest()),
    };
    return api;
  },
  ed25519PublicKey(seed) {
    const der = createPublicKey(privateKey(seed)).export({ format: 'der', type: 'spki' });
    return plain(der.subarray(SPKI_ED25519.length));
  },
  ed25519Sign: (message, seed) => plain(sign(null, message, privateKey(seed))),
  ed25519Verify(signature, message, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
  randomBytes: (n) => plain(randomBytes(n)),
};
