import { describe, expect, it } from 'vitest';
import { encode, type CborValue } from '../../src/core/cbor.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { RecipeBuilder, recipeChunks, recipeDifference, type RecipeEntry, type RecipeNode } from '../../src/diff/recipe-tree.js';

/** An in-memory node store standing in for the object store. */
function memStore() {
  const nodes = new Map<string, RecipeNode>();
  let reads = 0;
  return {
    put: (n: RecipeNode) => {
      const id = nodeProvider.sha256(encode(n as unknown as CborValue));
      nodes.set(Buffer.from(id).toString('hex'), n);
      return id;
    },
    get: async (id: Uint8Array) => {
      reads++;
      const n = nodes.get(Buffer.from(id).toString('hex'));
      if (!n) throw new Error('missing node');
      return n;
    },
    get size() {
      return nodes.size;
    },
    get reads() {
      return reads;
    },
  };
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function entries(n: number, seed = 1): RecipeEntry[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({ id: nodeProvider.sha256(new TextEncoder().encode(`chunk-${seed}-${i}`)), rows: 1 + Math.floor(r() * 500), bytes: 1 + Math.floor(r() * 65536) }));
}

function build(store: ReturnType<typeof memStore>, list: RecipeEntry[]) {
  const b = new RecipeBuilder(store.put);
  for (const e of list) b.add(e);
  return b.finish();
}

async function all(store: ReturnType<typeof memStore>, tree: ReturnType<typeof build>) {
  const out = [];
  for await (const c of recipeChunks(store.get, tree)) out.push(c);
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Naive reference: multiset difference of two chunk lists, with first-row indexes. */
function naive(a: RecipeEntry[], b: RecipeEntry[]) {
  const withRows = (l: RecipeEntry[]) => {
    let row = 0;
    return l.map((e) => {
      const x = { id: hex(e.id), firstRow: row };
      row += e.rows;
      return x;
    });
  };
  const A = withRows(a);
  const B = withRows(b);
  const count = new Map<string, number>();
  for (const x of B) count.set(x.id, (count.get(x.id) ?? 0) + 1);
  const onlyA = A.filter((x) => {
    const c = count.get(x.id) ?? 0;
    if (c > 0) count.set(x.id, c - 1);
    return c === 0;
  });
  const countA = new Map<string, number>();
  for (const x of A) countA.set(x.id, (countA.get(x.id) ?? 0) + 1);
  const onlyB = B.filter((x) => {
    const c = countA.get(x.id) ?? 0;
    if (c > 0) countA.set(x.id, c - 1);
    return c === 0;
  });
  return { onlyA: onlyA.map((x) => x.id).sort(), onlyB: onlyB.map((x) => x.id).sort() };
}

describe('recipe tree (prolly tree over chunk entries)', () => {
  it('rebuilds the chunk list exactly and keeps totals, for sizes 0..50,000', async () => {
    for (const n of [0, 1, 2, 63, 64, 65, 1000, 50_000]) {
      const s = memStore();
      const list = entries(n);
      const tree = build(s, list);
      if (n === 0) {
        expect(tree).toBeUndefined();
        continue;
      }
      expect(tree!.root.rows).toBe(list.reduce((a, e) => a + e.rows, 0));
      expect(tree!.root.bytes).toBe(list.reduce((a, e) => a + e.bytes, 0));
      const back = await all(s, tree);
      expect(back.map((c) => hex(c.id))).toEqual(list.map((e) => hex(e.id)));
      let row = 0;
      for (const [i, c] of back.entries()) {
        expect(c.firstRow).toBe(row);
        row += list[i]!.rows;
      }
      if (n >= 50_000) expect(tree!.depth).toBeGreaterThanOrEqual(3);
    }
  });

  it('is deterministic: the same entries give the same root', () => {
    const list = entries(5000, 7);
    expect(hex(build(memStore(), list)!.root.id)).toBe(hex(build(memStore(), list)!.root.id));
  });

  it('finds one edited chunk among 50,000 reading only a few nodes', async () => {
    const s = memStore();
    const a = entries(50_000, 3);
    const b = a.slice();
    b[31_337] = { id: nodeProvider.sha256(new TextEncoder().encode('edited')), rows: a[31_337]!.rows, bytes: 999 };
    const ta = build(s, a);
    const tb = build(s, b);
    const d = await recipeDifference(s.get, ta, tb);
    expect(d.onlyA.map((c) => hex(c.id))).toEqual([hex(a[31_337]!.id)]);
    expect(d.onlyB.map((c) => hex(c.id))).toEqual([hex(b[31_337]!.id)]);
    const firstRow = a.slice(0, 31_337).reduce((x, e) => x + e.rows, 0);
    expect(d.onlyA[0]!.firstRow).toBe(firstRow);
    expect(d.onlyB[0]!.firstRow).toBe(firstRow);
    // cost follows the change: a handful of nodes per side, not the ~800 nodes of the tree
    expect(d.nodesRead).toBeLessThanOrEqual(4 * ta!.depth);
  });

  it('an insertion at the top changes nothing else (later chunks keep their ids)', async () => {
    const s = memStore();
    const a = entries(20_000, 4);
    const ins = { id: nodeProvider.sha256(new TextEncoder().encode('inserted')), rows: 1, bytes: 10 };
    const d = await recipeDifference(s.get, build(s, a), build(s, [ins, ...a]));
    expect(d.onlyA).toEqual([]);
    expect(d.onlyB.map((c) => [hex(c.id), c.firstRow])).toEqual([[hex(ins.id), 0]]);
    expect(d.nodesRead).toBeLessThan(20);
  });

  it('matches a naive multiset difference under random edits, inserts, deletes and duplicates', async () => {
    const r = rng(99);
    for (let trial = 0; trial < 20; trial++) {
      const s = memStore();
      const a = entries(200 + Math.floor(r() * 3000), 100 + trial);
      // duplicates: identical chunks repeated (e.g. identical blocks of rows)
      for (let k = 0; k < 5; k++) a.splice(Math.floor(r() * a.length), 0, a[Math.floor(r() * a.length)]!);
      const b = a.slice();
      const ops = 1 + Math.floor(r() * 30);
      for (let k = 0; k < ops; k++) {
        const at = Math.floor(r() * b.length);
        const kind = r();
        const fresh = { id: nodeProvider.sha256(new TextEncoder().encode(`t${trial}-${k}`)), rows: 3, bytes: 30 };
        if (kind < 0.33) b[at] = fresh;
        else if (kind < 0.66) b.splice(at, 0, fresh);
        else b.splice(at, 1);
      }
      const d = await recipeDifference(s.get, build(s, a), build(s, b));
      const want = naive(a, b);
      expect(d.onlyA.map((c) => hex(c.id)).sort()).toEqual(want.onlyA);
      expect(d.onlyB.map((c) => hex(c.id)).sort()).toEqual(want.onlyB);
    }
  });

  it('compares against an empty recipe', async () => {
    const s = memStore();
    const a = entries(100, 5);
    const d = await recipeDifference(s.get, undefined, build(s, a));
    expect(d.onlyA).toEqual([]);
    expect(d.onlyB).toHaveLength(100);
    expect(await recipeDifference(s.get, undefined, undefined)).toEqual({ onlyA: [], onlyB: [], nodesRead: 0 });
  });
});
