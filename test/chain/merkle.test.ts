// src/chain/merkle.ts against published RFC 6962 vectors, the independent Python reference in
// test/vectors/gen_rfc6962.py, and tamper probes (any changed proof, index, size or root fails).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/core/bytes.js';
import {
  consistencyProof,
  emptyRoot,
  type Frontier,
  frontierAppend,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/chain/merkle.js';
import { testProvider } from './_provider.js';

interface InclusionVector { index: number; size: number; proof: string[] }
interface ConsistencyVector { m: number; n: number; proof: string[] }
interface Vectors {
  published: {
    leaves_hex: string[];
    roots: string[];
    node_hashes: string[][];
    inclusion: InclusionVector[];
    consistency: ConsistencyVector[];
  };
  generated: {
    leaf_hashes: string[];
    roots: string[];
    inclusion: InclusionVector[];
    consistency: ConsistencyVector[];
  };
}

const V: Vectors = JSON.parse(readFileSync(new URL('../vectors/rfc6962-merkle.json', import.meta.url), 'utf8'));
const P = testProvider; // a CryptoProvider
const H = (d: Uint8Array) => testProvider.sha256(d); // a bare hash function
const hexes = (hs: Uint8Array[]) => hs.map(toHex);
const unhex = (hs: string[]) => hs.map(fromHex);

const pubLeaves = V.published.leaves_hex.map((x) => leafHash(P, fromHex(x)));
const genLeaves = Array.from({ length: 64 }, (_, i) => leafHash(H, utf8(`leaf-${i}`)));

function flip(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}
const BITS = [0, 7, 128, 255]; // first, end of first byte, a middle bit, last
/** Levels above the leaves in a tree of n leaves: the bit length of n - 1. */
const height = (n: number) => (n <= 1 ? 0 : (n - 1).toString(2).length);

describe('hashing (RFC 9162 §2.1.1)', () => {
  it('empty root is SHA-256("")', () => {
    expect(toHex(emptyRoot(P))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(rootFromLeafHashes(H, []))).toBe(V.published.roots[0]);
  });

  it('leaf and node hashes use the 0x00 / 0x01 prefixes', () => {
    expect(toHex(leafHash(P, new Uint8Array(0)))).toBe(V.published.node_hashes[0]![0]);
    const l = fromHex(V.published.node_hashes[0]![0]!);
    const r = fromHex(V.published.node_hashes[0]![1]!);
    expect(toHex(nodeHash(P, l, r))).toBe(V.published.node_hashes[1]![0]);
    expect(toHex(nodeHash(H, l, r))).toBe(toHex(P.sha256(new Uint8Array([1, ...l, ...r]))));
  });

  it('published node hashes of the 8-leaf tree', () => {
    V.published.node_hashes.forEach((row, level) =>
      row.forEach((want, i) => {
        const w = 2 ** level;
        expect(toHex(rootFromLeafHashes(P, pubLeaves.slice(i * w, (i + 1) * w))), `level ${level} #${i}`).toBe(want);
      }),
    );
  });

  it('published roots for sizes 0..8', () => {
    V.published.roots.forEach((want, n) => {
      expect(toHex(rootFromLeafHashes(P, pubLeaves, n))).toBe(want);
      expect(toHex(rootFromLeafHashes(P, (i) => pubLeaves[i]!, n))).toBe(want);
    });
    expect(V.published.roots[8]).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
    expect(V.published.roots[1]).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('generated leaf hashes and roots for sizes 0..64', () => {
    expect(hexes(genLeaves)).toEqual(V.generated.leaf_hashes);
    V.generated.roots.forEach((want, n) => expect(toHex(rootFromLeafHashes(H, genLeaves, n)), `n=${n}`).toBe(want));
  });

  it('rejects bad arguments with InputError', () => {
    expect(() => rootFromLeafHashes(H, genLeaves, 65)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => rootFromLeafHashes(H, [new Uint8Array(31)])).toThrow(/expected 32 bytes, got 31/);
    expect(() => rootFromLeafHashes(H, (i) => genLeaves[i]!)).toThrow(/tree size is required/);
    expect(() => rootFromLeafHashes(H, genLeaves, -1)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});

describe('frontier', () => {
  it('frontierRoot equals rootFromLeafHashes for every size 0..200', () => {
    const leaves = Array.from({ length: 200 }, (_, i) => leafHash(H, utf8(`entry ${i}`)));
    let f: Frontier = [];
    expect(toHex(frontierRoot(H, f))).toBe(toHex(emptyRoot(H)));
    for (let n = 1; n <= 200; n++) {
      const prev = f;
      const prevHex = hexes(prev);
      f = frontierAppend(P, f, n - 1, leaves[n - 1]!);
      expect(hexes(prev)).toEqual(prevHex); // the input frontier is not mutated
      expect(f.length).toBe(n.toString(2).replace(/0/g, '').length);
      expect(toHex(frontierRoot(H, f)), `n=${n}`).toBe(toHex(rootFromLeafHashes(H, leaves, n)));
      // The frontier holds the perfect-subtree roots, largest first.
      let start = 0;
      f.forEach((node, j) => {
        const w = 2 ** Math.floor(Math.log2(n - start));
        expect(toHex(node), `n=${n} j=${j}`).toBe(toHex(rootFromLeafHashes(H, leaves.slice(start, start + w))));
        start += w;
      });
    }
  });

  it('matches the generated roots', () => {
    let f: Frontier = [];
    genLeaves.forEach((l, i) => {
      f = frontierAppend(H, f, i, l);
      expect(toHex(frontierRoot(H, f))).toBe(V.generated.roots[i + 1]);
    });
  });

  it('rejects a frontier that does not fit the size', () => {
    expect(() => frontierAppend(H, [], 1, genLeaves[0]!)).toThrow(/has 1 subtree roots, got 0/);
    expect(() => frontierAppend(H, [genLeaves[0]!], 2, genLeaves[1]!)).not.toThrow();
    expect(() => frontierAppend(H, [genLeaves[0]!], 3, genLeaves[1]!)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => frontierAppend(H, [], 0, new Uint8Array(33))).toThrow(/expected 32 bytes, got 33/);
    expect(() => frontierAppend(H, [], 0.5, genLeaves[0]!)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  it('published proofs of the 8-leaf tree', () => {
    for (const v of V.published.inclusion) {
      const proof = inclusionProof(P, pubLeaves, v.index, v.size);
      expect(hexes(proof), `${v.index}/${v.size}`).toEqual(v.proof);
      const root = fromHex(V.published.roots[v.size]!);
      expect(verifyInclusion(P, pubLeaves[v.index]!, v.index, v.size, unhex(v.proof), root)).toBe(true);
    }
  });

  it('RFC 6962 §2.1.3 example: audit paths in the 7-leaf tree', () => {
    // a..f, d6 are leaf hashes; g = (a,b), h = (c,d), i = (e,f), j = d6, k = (g,h), l = (i,j).
    const [a, b, c, d, e, f, j] = pubLeaves.slice(0, 7) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const g = nodeHash(H, a, b);
    const h = nodeHash(H, c, d);
    const i = nodeHash(H, e, f);
    const k = nodeHash(H, g, h);
    const l = nodeHash(H, i, j);
    const path = (m: number) => hexes(inclusionProof(H, pubLeaves, m, 7));
    expect(path(0)).toEqual(hexes([b, h, l]));
    expect(path(3)).toEqual(hexes([c, g, l]));
    expect(path(4)).toEqual(hexes([f, j, k]));
    expect(path(6)).toEqual(hexes([i, k]));
    // ... and the consistency examples of the same section.
    const proof = (m: number) => hexes(consistencyProof(H, pubLeaves, m, 7));
    expect(proof(3)).toEqual(hexes([c, d, g, l]));
    expect(proof(4)).toEqual(hexes([l]));
    expect(proof(6)).toEqual(hexes([i, j, k]));
  });

  it('every generated proof for sizes 1..64, from an array and from an accessor', () => {
    for (const v of V.generated.inclusion) {
      expect(hexes(inclusionProof(H, genLeaves, v.index, v.size)), `${v.index}/${v.size}`).toEqual(v.proof);
      const root = fromHex(V.generated.roots[v.size]!);
      expect(verifyInclusion(H, genLeaves[v.index]!, v.index, v.size, unhex(v.proof), root)).toBe(true);
    }
    expect(hexes(inclusionProof(P, (i) => genLeaves[i]!, 5, 37))).toEqual(
      V.generated.inclusion.find((v) => v.index === 5 && v.size === 37)!.proof,
    );
  });

  it('reads each leaf hash at most once per proof', () => {
    let reads = 0;
    inclusionProof(H, (i) => (reads++, genLeaves[i]!), 17, 64);
    expect(reads).toBe(63); // every leaf but the proven one
  });

  it('rejects every tampered proof, index, size and root', () => {
    let probes = 0;
    const R = V.generated.roots.map(fromHex);
    for (const v of V.generated.inclusion) {
      if (v.size > 24 && v.index % 9 !== 4) continue; // keep the suite fast; small trees in full
      const leaf = genLeaves[v.index]!;
      const root = R[v.size]!;
      const proof = unhex(v.proof);
      const ok = (pf: Uint8Array[], idx = v.index, size = v.size, r = root, lf = leaf) =>
        verifyInclusion(H, lf, idx, size, pf, r);
      expect(ok(proof)).toBe(true);
      const bad: boolean[] = [];
      // Wrong index: every other index of the tree, and the first one past it.
      for (let idx = 0; idx <= v.size; idx++) if (idx !== v.index) bad.push(ok(proof, idx));
      // Wrong size. Against that size's own root (a genuine checkpoint of another size): always
      // rejected. Against this root: rejected whenever the tree height differs. At equal height
      // the RFC algorithm may accept, when the path has the same shape (e.g. leaf 0 of 5 and of 8
      // leaves): the size is bound to the root by the checkpoint signature, not by the proof.
      for (let size = 0; size <= Math.min(66, 2 * v.size + 2); size++) {
        if (size === v.size) continue;
        if (size <= 64) bad.push(ok(proof, v.index, size, R[size]!));
        if (height(size) !== height(v.size)) bad.push(ok(proof, v.index, size));
      }
      proof.forEach((_, j) =>
        BITS.forEach((bit) => bad.push(ok(proof.map((p, q) => (q === j ? flip(p, bit) : p))))),
      );
      bad.push(ok([...proof, root]));
      bad.push(ok([...proof, new Uint8Array(32)]));
      bad.push(ok([new Uint8Array(32), ...proof]));
      proof.forEach((_, j) => bad.push(ok(proof.filter((__, q) => q !== j))));
      if (proof.length >= 2) bad.push(ok([...proof].reverse()));
      BITS.forEach((bit) => bad.push(ok(proof, v.index, v.size, flip(root, bit))));
      BITS.forEach((bit) => bad.push(ok(proof, v.index, v.size, root, flip(leaf, bit))));
      if (proof.length > 0) bad.push(ok(proof.map((p) => p.subarray(0, 31))));
      bad.push(ok(proof, -1), ok(proof, v.index + 0.5), ok(proof, v.index, Number.NaN));
      expect(bad.every((x) => x === false), `${v.index}/${v.size}`).toBe(true);
      probes += bad.length;
    }
    expect(probes).toBeGreaterThan(20_000);
  });

  it('edge cases: empty tree, single leaf', () => {
    expect(verifyInclusion(H, genLeaves[0]!, 0, 0, [], emptyRoot(H))).toBe(false);
    expect(verifyInclusion(H, genLeaves[0]!, 0, 1, [], genLeaves[0]!)).toBe(true);
    expect(verifyInclusion(H, genLeaves[0]!, 0, 1, [genLeaves[1]!], genLeaves[0]!)).toBe(false);
    expect(() => inclusionProof(H, genLeaves, 0, 0)).toThrow(/outside a tree of 0 leaves/);
    expect(() => inclusionProof(H, genLeaves, 3, 3)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => inclusionProof(H, genLeaves, 0, 65)).toThrow(/exceeds the 64 leaf hashes/);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  it('published proofs of the 8-leaf tree', () => {
    for (const v of V.published.consistency) {
      expect(hexes(consistencyProof(P, pubLeaves, v.m, v.n)), `${v.m}->${v.n}`).toEqual(v.proof);
      const [r1, r2] = [fromHex(V.published.roots[v.m]!), fromHex(V.published.roots[v.n]!)];
      expect(verifyConsistency(P, v.m, v.n, unhex(v.proof), r1, r2)).toBe(true);
    }
  });

  it('every generated proof for 1 <= m <= n <= 64', () => {
    for (const v of V.generated.consistency) {
      expect(hexes(consistencyProof(H, genLeaves, v.m, v.n)), `${v.m}->${v.n}`).toEqual(v.proof);
      const [r1, r2] = [fromHex(V.generated.roots[v.m]!), fromHex(V.generated.roots[v.n]!)];
      expect(verifyConsistency(H, v.m, v.n, unhex(v.proof), r1, r2), `${v.m}->${v.n}`).toBe(true);
    }
  });

  it('rejects every tampered proof, size and root', () => {
    let probes = 0;
    const R = V.generated.roots.map(fromHex);
    for (const v of V.generated.consistency) {
      if (v.m === v.n || (v.n > 20 && v.m % 9 !== 4)) continue; // small trees in full, then a sample
      const proof = unhex(v.proof);
      const ok = (pf: Uint8Array[], m = v.m, n = v.n, r1 = R[v.m]!, r2 = R[v.n]!) => verifyConsistency(H, m, n, pf, r1, r2);
      expect(ok(proof)).toBe(true);
      const bad: boolean[] = [];
      // Wrong old size: rejected with its own root and with this one. Wrong new size: rejected
      // with its own root, and with this one whenever the tree height differs (see inclusion).
      for (let m = 0; m <= v.n + 1; m++) if (m !== v.m) bad.push(ok(proof, m, v.n, R[m]!), ok(proof, m));
      for (let n = 0; n <= Math.min(66, 2 * v.n + 2); n++) {
        if (n === v.n) continue;
        if (n <= 64) bad.push(ok(proof, v.m, n, R[v.m]!, R[n]!));
        if (height(n) !== height(v.n)) bad.push(ok(proof, v.m, n));
      }
      bad.push(ok(proof, v.n, v.m, R[v.n]!, R[v.m]!)); // m > n
      proof.forEach((_, j) =>
        BITS.forEach((bit) => bad.push(ok(proof.map((p, q) => (q === j ? flip(p, bit) : p))))),
      );
      bad.push(ok([...proof, R[v.n]!]));
      bad.push(ok([...proof, new Uint8Array(32)]));
      bad.push(ok([R[v.m]!, ...proof]));
      proof.forEach((_, j) => bad.push(ok(proof.filter((__, q) => q !== j))));
      bad.push(ok([]));
      if (proof.length >= 2) bad.push(ok([...proof].reverse()));
      BITS.forEach((bit) => bad.push(ok(proof, v.m, v.n, flip(R[v.m]!, bit)), ok(proof, v.m, v.n, R[v.m]!, flip(R[v.n]!, bit))));
      bad.push(ok(proof.map((p) => p.subarray(1))));
      bad.push(ok(proof, -1), ok(proof, v.m, Number.POSITIVE_INFINITY), ok(proof, v.m + 0.5));
      expect(bad.every((x) => x === false), `${v.m}->${v.n}`).toBe(true);
      probes += bad.length;
    }
    expect(probes).toBeGreaterThan(20_000);
  });

  it('edge cases: m = n, m = 0, m > n', () => {
    const R = V.generated.roots.map(fromHex);
    // m = n: empty proof and equal roots.
    expect(verifyConsistency(H, 5, 5, [], R[5]!, R[5]!)).toBe(true);
    expect(verifyConsistency(H, 0, 0, [], R[0]!, R[0]!)).toBe(true);
    expect(verifyConsistency(H, 5, 5, [], R[5]!, R[6]!)).toBe(false);
    expect(verifyConsistency(H, 5, 5, [R[5]!], R[5]!, R[5]!)).toBe(false);
    // m = 0: empty proof, and the old root must be the empty-tree root.
    expect(consistencyProof(H, genLeaves, 0, 9)).toEqual([]);
    expect(verifyConsistency(H, 0, 9, [], R[0]!, R[9]!)).toBe(true);
    expect(verifyConsistency(H, 0, 9, [], R[1]!, R[9]!)).toBe(false);
    expect(verifyConsistency(H, 0, 9, [R[9]!], R[0]!, R[9]!)).toBe(false);
    // m > n.
    expect(verifyConsistency(H, 9, 5, [], R[9]!, R[5]!)).toBe(false);
    expect(() => consistencyProof(H, genLeaves, 9, 5)).toThrow(/old tree size 9 exceeds new tree size 5/);
    expect(() => consistencyProof(H, genLeaves, 1, 65)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('works with lazily read leaf hashes', () => {
    const v = V.generated.consistency.find((x) => x.m === 13 && x.n === 50)!;
    expect(hexes(consistencyProof(P, (i) => genLeaves[i]!, 13, 50))).toEqual(v.proof);
  });
});

describe('from stored subtrees (the nodes frontierAppend reports, as the audit log indexes them)', () => {
  // Append the 64 generated leaves, keeping every perfect subtree the appends complete.
  const nodes = new Map<string, Uint8Array>();
  let f: Frontier = [];
  genLeaves.forEach((leaf, i) => {
    f = frontierAppend(H, f, i, leaf, (level, index, hash) => nodes.set(`${level}/${index}`, hash));
  });
  const reads: string[] = [];
  const tree = {
    subtree: (level: number, index: number) => {
      reads.push(`${level}/${index}`);
      const b = level === 0 ? genLeaves[index] : nodes.get(`${level}/${index}`);
      if (!b) throw new Error(`no subtree ${level}/${index}`);
      return b;
    },
  };

  it('an append reports one subtree per trailing 1 bit of the size, each the MTH of its leaves', () => {
    expect(nodes.size).toBe(63); // a tree of 64 leaves has 63 interior nodes, all perfect
    for (const [k, hash] of nodes) {
      const [level, index] = k.split('/').map(Number) as [number, number];
      const span = 2 ** level;
      expect(toHex(hash), k).toBe(toHex(rootFromLeafHashes(H, genLeaves.slice(index * span, (index + 1) * span))));
    }
  });

  it('gives every generated root and proof, reading O(log² n) subtrees', () => {
    const limit = (n: number) => (height(n) + 1) ** 2;
    for (let n = 1; n <= 64; n++) {
      reads.length = 0;
      expect(toHex(rootFromLeafHashes(H, tree, n)), `root ${n}`).toBe(V.generated.roots[n]);
      expect(reads.length, `root ${n}`).toBeLessThanOrEqual(height(n) + 1);
    }
    for (const v of V.generated.inclusion) {
      reads.length = 0;
      expect(hexes(inclusionProof(H, tree, v.index, v.size)), `${v.index}/${v.size}`).toEqual(v.proof);
      expect(reads.length, `${v.index}/${v.size}`).toBeLessThanOrEqual(limit(v.size));
    }
    for (const v of V.generated.consistency) {
      reads.length = 0;
      expect(hexes(consistencyProof(H, tree, v.m, v.n)), `${v.m}→${v.n}`).toEqual(v.proof);
      expect(reads.length, `${v.m}→${v.n}`).toBeLessThanOrEqual(limit(v.n));
    }
  });

  it('a subtree of the wrong length is refused, not folded in', () => {
    const bad = { subtree: (level: number, index: number) => (level === 1 && index === 0 ? new Uint8Array(31) : tree.subtree(level, index)) };
    expect(() => rootFromLeafHashes(H, bad, 3)).toThrow(/subtree hash 1\/0/);
  });
});
