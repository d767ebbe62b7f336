// Ed25519 on both providers: published vectors (RFC 8032 §7.1, Wycheproof, ed25519-speccheck),
// the strict byte rules of src/chain/ed25519-strict.ts, and seeded property tests. Every input is
// run through BOTH providers and their verdicts must be identical.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ed from '@noble/ed25519';
import type { CryptoProvider } from '../../src/core/crypto-provider.js';
import { fromHex, toHex, utf8 } from '../../src/core/bytes.js';
import { isCognifyError } from '../../src/core/errors.js';
import {
  isCanonicalPointEncoding,
  isCanonicalScalar,
  isSmallOrderEncoding,
  SMALL_ORDER_ENCODINGS,
  strictRejection,
} from '../../src/chain/ed25519-strict.js';
import { nobleProvider } from '../../src/chain/noble-provider.js';
import { nodeProvider, opensslProvider } from '../../src/node/node-crypto.js';

// Three Ed25519 backends: libsodium (nodeProvider, the default), OpenSSL, noble (portable).
const providers: CryptoProvider[] = [nodeProvider, opensslProvider, nobleProvider];

function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

/** Verify on every provider; fail unless they agree; return the common verdict. */
function verifyBoth(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean {
  const verdicts = providers.map((p) => p.ed25519Verify(sig, msg, pk));
  if (verdicts.some((v) => v !== verdicts[0])) {
    throw new Error(`providers disagree: ${providers.map((p, i) => `${p.name}=${verdicts[i]}`).join(' ')} sig=${toHex(sig)} pk=${toHex(pk)}`);
  }
  return verdicts[0]!;
}

it('uses libsodium for the default native provider (sodium-native is installed by npm ci)', () => {
  expect(nodeProvider.name).toBe('node+sodium');
  expect(opensslProvider.name).toBe('node+openssl');
});

// Deterministic PRNG for property tests (splitmix32-style), so failures reproduce.
function prng(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  };
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
const IDENTITY = fromHex(SMALL_ORDER_ENCODINGS[0]!);

describe('RFC 8032 §7.1 test vectors', () => {
  type V = { name: string; secretKey: string; publicKey: string; message: string; signature: string };
  const { vectors: vs } = vectors<{ vectors: V[] }>('rfc8032-ed25519.json');

  it('has the five Ed25519 vectors', () => {
    expect(vs.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
  });

  for (const p of providers) {
    for (const v of vs) {
      it(`${p.name}: ${v.name} public key, signature, verify`, () => {
        const seed = fromHex(v.secretKey);
        const msg = fromHex(v.message);
        expect(toHex(p.ed25519PublicKey(seed))).toBe(v.publicKey);
        expect(toHex(p.ed25519Sign(msg, seed))).toBe(v.signature);
        expect(p.ed25519Verify(fromHex(v.signature), msg, fromHex(v.publicKey))).toBe(true);
      });
    }
  }

  it('TEST SHA(abc) signs SHA-512("abc")', async () => {
    const { createHash } = await import('node:crypto');
    expect(createHash('sha512').update('abc').digest('hex')).toBe(vs[4]!.message);
  });
});

describe('Wycheproof ed25519_test.json (subset)', () => {
  type T = { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: string };
  type G = { publicKey: { pk: string }; tests: T[] };
  const doc = vectors<{ numberOfTests: number; testGroups: G[] }>('wycheproof-ed25519.json');
  const cases = doc.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));

  it('has the documented number of cases, covering every flag category', () => {
    expect(cases.length).toBe(doc.numberOfTests);
    expect(cases.length).toBeGreaterThanOrEqual(60);
    const flags = new Set(cases.flatMap((c) => c.flags));
    for (const f of ['Valid', 'Ktv', 'InvalidKtv', 'InvalidSignature', 'InvalidEncoding', 'SignatureMalleability',
      'SignatureWithGarbage', 'TruncatedSignature', 'CompressedSignature', 'TinkOverflow']) {
      expect(flags, f).toContain(f);
    }
  });

  // The file has no "acceptable" results; were one added, the rule is: both providers must agree,
  // and the verdict is whatever ed25519-strict.ts decides (asserted by verifyBoth).
  for (const c of cases) {
    it(`tcId ${c.tcId} ${c.flags.join(',')} ${c.comment.slice(0, 40)} -> ${c.result}`, () => {
      const got = verifyBoth(fromHex(c.sig), fromHex(c.msg), fromHex(c.pk));
      if (c.result === 'valid') expect(got).toBe(true);
      else if (c.result === 'invalid') expect(got).toBe(false);
    });
  }
});

describe('ed25519-speccheck (small-order, mixed-order, non-canonical cases)', () => {
  type C = { case: number; comment: string; msg: string; pub_key: string; sig: string; result: string; rejectedBy: string | null };
  const { cases } = vectors<{ cases: C[] }>('ed25519-speccheck.json');

  it('has 12 cases', () => expect(cases.length).toBe(12));

  for (const c of cases) {
    it(`case ${c.case}: ${c.comment} -> ${c.result}`, () => {
      const sig = fromHex(c.sig);
      const pk = fromHex(c.pub_key);
      expect(verifyBoth(sig, fromHex(c.msg), pk)).toBe(c.result === 'valid');
      const pre = strictRejection(sig, pk);
      expect(pre ?? (c.result === 'valid' ? null : 'EQUATION')).toBe(c.rejectedBy);
    });
  }
});

describe('strict byte rules (ed25519-strict.ts)', () => {
  it('SMALL_ORDER_ENCODINGS is exactly E[8] = {[i]T}, T of order 8', () => {
    const T = ed.Point.fromBytes(fromHex(SMALL_ORDER_ENCODINGS[1]!), false);
    const multiples = new Set<string>();
    let Q = ed.Point.ZERO;
    for (let i = 0; i < 8; i++) {
      multiples.add(Q.toHex());
      expect(Q.isSmallOrder()).toBe(true);
      Q = Q.add(T);
    }
    expect(Q.is0()).toBe(true); // order divides 8
    expect(T.multiply(4n, false).is0()).toBe(false); // and is exactly 8
    expect(multiples).toEqual(new Set(SMALL_ORDER_ENCODINGS));
    for (const e of SMALL_ORDER_ENCODINGS) expect(isSmallOrderEncoding(fromHex(e))).toBe(true);
  });

  it('S must be < L (bytewise, little-endian)', () => {
    const at = (n: bigint) => isCanonicalScalar(le32(n));
    expect(at(0n)).toBe(true);
    expect(at(L - 1n)).toBe(true);
    expect(at(L)).toBe(false);
    expect(at(L + 1n)).toBe(false);
    expect(at(2n ** 256n - 1n)).toBe(false);
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const b = rnd(32);
      b[31]! &= 0x1f; // keep values near L so both sides of the bound are hit
      let n = 0n;
      for (let j = 31; j >= 0; j--) n = (n << 8n) | BigInt(b[j]!);
      expect(isCanonicalScalar(b), toHex(b)).toBe(n < L);
    }
  });

  it('point encodings must have y < p and no x = 0 with the sign bit', () => {
    for (let y = 0n; y < 19n; y++) {
      // y + p: the non-canonical spellings of y, with either sign bit
      const b = le32(y + P);
      expect(isCanonicalPointEncoding(b), `y=${y}+p`).toBe(false);
      b[31]! |= 0x80;
      expect(isCanonicalPointEncoding(b), `y=${y}+p, sign`).toBe(false);
    }
    expect(isCanonicalPointEncoding(le32(P - 1n))).toBe(true); // (0, -1), canonical
    const withSign = (n: bigint) => {
      const b = le32(n);
      b[31]! |= 0x80;
      return b;
    };
    expect(isCanonicalPointEncoding(withSign(1n))).toBe(false); // (0, 1) with sign 1
    expect(isCanonicalPointEncoding(withSign(P - 1n))).toBe(false); // (0, -1) with sign 1
    expect(isCanonicalPointEncoding(withSign(0n))).toBe(true); // (-sqrt(-1), 0): x != 0
    expect(isCanonicalPointEncoding(nodeProvider.ed25519PublicKey(new Uint8Array(32)))).toBe(true);
  });

  it('rejects every small-order public key and R, and every non-canonical spelling of them', () => {
    // With A small-order, R = identity and S = 0, OpenSSL alone accepts any message when A is
    // the identity; the shared pre-check refuses all of these on both providers.
    const msg = utf8('any message');
    const zeroS = new Uint8Array(32);
    const spellings: Uint8Array[] = [];
    for (const e of SMALL_ORDER_ENCODINGS) spellings.push(fromHex(e));
    for (let y = 0n; y < 19n; y++) spellings.push(le32(y + P), le32(y + P | (1n << 255n)));
    spellings.push(le32(1n | (1n << 255n)), le32(P - 1n | (1n << 255n)));
    for (const a of spellings) {
      for (const r of [IDENTITY, ...SMALL_ORDER_ENCODINGS.map(fromHex)]) {
        const sig = new Uint8Array([...r, ...zeroS]);
        expect(verifyBoth(sig, msg, a), `A=${toHex(a)} R=${toHex(r)}`).toBe(false);
      }
      expect(strictRejection(new Uint8Array(64).fill(1), a)).toMatch(/^A_(SMALL_ORDER|NOT_CANONICAL)$/);
    }
  });

  it('rejects a small-order R even with an honest key', () => {
    const seed = new Uint8Array(32).fill(9);
    const pk = nodeProvider.ed25519PublicKey(seed);
    for (const e of SMALL_ORDER_ENCODINGS) {
      const sig = new Uint8Array(64);
      sig.set(fromHex(e));
      expect(strictRejection(sig, pk)).toBe('R_SMALL_ORDER');
      expect(verifyBoth(sig, utf8('m'), pk)).toBe(false);
    }
  });

  it('reports the first broken rule', () => {
    const pk = nodeProvider.ed25519PublicKey(new Uint8Array(32).fill(3));
    const sig = nodeProvider.ed25519Sign(utf8('x'), new Uint8Array(32).fill(3));
    expect(strictRejection(sig, pk)).toBeUndefined();
    expect(strictRejection(sig.subarray(0, 63), pk)).toBe('SIGNATURE_LENGTH');
    expect(strictRejection(sig, pk.subarray(0, 31))).toBe('PUBLIC_KEY_LENGTH');
    const bigS = sig.slice();
    bigS.set(le32(L), 32);
    expect(strictRejection(bigS, pk)).toBe('S_NOT_CANONICAL');
    const badR = sig.slice();
    badR.set(le32(P + 2n), 0);
    expect(strictRejection(badR, pk)).toBe('R_NOT_CANONICAL');
    expect(strictRejection(sig, le32(P + 5n))).toBe('A_NOT_CANONICAL');
  });
});

describe('verify never throws', () => {
  const seed = new Uint8Array(32).fill(5);
  const pk = nodeProvider.ed25519PublicKey(seed);
  const sig = nodeProvider.ed25519Sign(utf8('m'), seed);

  it('returns false for wrong types and lengths on both providers', () => {
    const bad: unknown[] = [undefined, null, 'str', 42, {}, [], new Uint8Array(0), new Uint8Array(65), new Uint16Array(32)];
    for (const p of providers) {
      for (const b of bad) {
        expect(p.ed25519Verify(b as Uint8Array, utf8('m'), pk)).toBe(false);
        expect(p.ed25519Verify(sig, utf8('m'), b as Uint8Array)).toBe(false);
        expect(p.ed25519Verify(sig, b as Uint8Array, pk)).toBe(false);
      }
      expect(p.ed25519Verify(sig, utf8('m'), pk)).toBe(true);
    }
  });

  it('returns false, on both, for canonical-looking keys and R that are not on the curve', () => {
    let found = 0;
    for (let y = 2n; found < 8 && y < 200n; y++) {
      const enc = le32(y);
      let onCurve = true;
      try {
        ed.Point.fromBytes(enc, false);
      } catch {
        onCurve = false;
      }
      if (onCurve) continue;
      found++;
      expect(verifyBoth(sig, utf8('m'), enc)).toBe(false); // A off the curve
      const s2 = sig.slice();
      s2.set(enc, 0);
      expect(verifyBoth(s2, utf8('m'), pk)).toBe(false); // R off the curve
    }
    expect(found).toBe(8);
  });

  it('signing rejects a wrong-size seed with INPUT_INVALID on both', () => {
    for (const p of providers) {
      for (const s of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)]) {
        let err: unknown;
        try {
          p.ed25519Sign(utf8('m'), s);
        } catch (e) {
          err = e;
        }
        expect(isCognifyError(err) && err.code).toBe('INPUT_INVALID');
        expect(() => p.ed25519PublicKey(s)).toThrow(/32-byte/);
      }
    }
  });
});

describe('properties (seeded)', () => {
  it('sign -> verify holds, and both providers sign identically (Ed25519 is deterministic)', () => {
    const rnd = prng(0xc0ff1e);
    for (let i = 0; i < 40; i++) {
      const seed = rnd(32);
      const msg = rnd(rnd(1)[0]! * 4);
      const pk = nodeProvider.ed25519PublicKey(seed);
      expect(toHex(nobleProvider.ed25519PublicKey(seed))).toBe(toHex(pk));
      const sig = nodeProvider.ed25519Sign(msg, seed);
      expect(toHex(nobleProvider.ed25519Sign(msg, seed))).toBe(toHex(sig));
      expect(verifyBoth(sig, msg, pk)).toBe(true);
    }
  });

  it('every single flipped bit of signature, public key and message fails on both (one key, exhaustive)', () => {
    const seed = prng(1)(32);
    const msg = utf8('cognify: flip me');
    const pk = nobleProvider.ed25519PublicKey(seed);
    const sig = nobleProvider.ed25519Sign(msg, seed);
    for (let bit = 0; bit < 512; bit++) expect(verifyBoth(flipBit(sig, bit), msg, pk), `sig bit ${bit}`).toBe(false);
    for (let bit = 0; bit < 256; bit++) expect(verifyBoth(sig, msg, flipBit(pk, bit)), `pk bit ${bit}`).toBe(false);
    for (let bit = 0; bit < msg.length * 8; bit++) expect(verifyBoth(sig, flipBit(msg, bit), pk), `msg bit ${bit}`).toBe(false);
  });

  it('a random flipped bit fails on both (many keys)', () => {
    const rnd = prng(42);
    const pick = (n: number) => ((rnd(1)[0]! << 8) | rnd(1)[0]!) % n;
    for (let i = 0; i < 60; i++) {
      const seed = rnd(32);
      const msg = rnd(1 + pick(200));
      const pk = nodeProvider.ed25519PublicKey(seed);
      const sig = nodeProvider.ed25519Sign(msg, seed);
      expect(verifyBoth(flipBit(sig, pick(512)), msg, pk)).toBe(false);
      expect(verifyBoth(sig, msg, flipBit(pk, pick(256)))).toBe(false);
      expect(verifyBoth(sig, flipBit(msg, pick(msg.length * 8)), pk)).toBe(false);
      // appending or dropping a message byte fails too
      expect(verifyBoth(sig, new Uint8Array([...msg, 0]), pk)).toBe(false);
      expect(verifyBoth(sig, msg.subarray(0, msg.length - 1), pk)).toBe(false);
    }
  });

  it('S + L (malleated signature) fails on both', () => {
    const rnd = prng(99);
    for (let i = 0; i < 10; i++) {
      const seed = rnd(32);
      const msg = rnd(16);
      const pk = nodeProvider.ed25519PublicKey(seed);
      const sig = nodeProvider.ed25519Sign(msg, seed);
      let s = 0n;
      for (let j = 63; j >= 32; j--) s = (s << 8n) | BigInt(sig[j]!);
      const mal = sig.slice();
      mal.set(le32(s + L), 32);
      expect(verifyBoth(mal, msg, pk)).toBe(false);
    }
  });
});

describe('SHA-256 and randomness', () => {
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // FIPS 180-2 B.1
  for (const p of providers) {
    it(`${p.name}: sha256 one-shot and incremental agree with FIPS 180-2`, () => {
      expect(toHex(p.sha256(utf8('abc')))).toBe(abc);
      expect(toHex(p.createSha256().update(utf8('a')).update(utf8('bc')).digest())).toBe(abc);
      expect(p.sha256(utf8('abc')).constructor).toBe(Uint8Array);
    });
    it(`${p.name}: randomBytes`, () => {
      expect(p.randomBytes(0).length).toBe(0);
      const big = p.randomBytes(70_000);
      expect(big.length).toBe(70_000);
      expect(big.subarray(65_536).some((x) => x !== 0)).toBe(true);
      expect(() => p.randomBytes(-1)).toThrow();
    });
  }
});

describe('prepared signers (seedSigner)', () => {
  it('sign exactly as ed25519Sign on every provider', async () => {
    const { seedSigner } = await import('../../src/chain/signer.js');
    const rand = prng(77);
    for (const p of providers) {
      const seed = rand(32);
      const signer = seedSigner(p, seed);
      expect(toHex(signer.publicKey)).toBe(toHex(p.ed25519PublicKey(seed)));
      for (let i = 0; i < 5; i++) {
        const msg = rand(i * 37);
        expect(toHex(signer.sign(msg))).toBe(toHex(p.ed25519Sign(msg, seed)));
      }
    }
  });
});
