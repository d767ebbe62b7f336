// An in-memory chunk and recipe-node store for the commit-pass tests (ingest, Parquet): each
// chunk is checked against its id on the way in, and kept as a copy (sources may reuse buffers).
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { encode, type CborValue } from '../../src/core/cbor.js';
import type { RecipeNode } from '../../src/diff/recipe-tree.js';
import { nodeProvider } from '../../src/node/node-crypto.js';

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function memRepo() {
  const chunks = new Map<string, Uint8Array>();
  const nodes = new Map<string, RecipeNode>();
  return {
    chunks,
    nodes,
    putChunk: async (id: Uint8Array, bytes: Uint8Array) => {
      expect(hex(id)).toBe(createHash('sha256').update(bytes).digest('hex'));
      if (chunks.has(hex(id))) return false;
      chunks.set(hex(id), bytes.slice());
      return true;
    },
    putNode: (n: RecipeNode) => {
      const id = nodeProvider.sha256(encode(n as unknown as CborValue));
      nodes.set(hex(id), n);
      return id;
    },
    getNode: async (id: Uint8Array) => nodes.get(hex(id))!,
  };
}

/** The bytes as a stream of `size`-byte pieces. */
export async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
