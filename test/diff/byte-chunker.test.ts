import { describe, expect, it } from 'vitest';
import { ByteChunker, type ByteChunk } from '../../src/diff/byte-chunker.js';
import { nodeProvider } from '../../src/node/node-crypto.js';

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function chunk(data: Uint8Array, pieces: number[] | 'whole', opts = {}): ByteChunk[] {
  const c = new ByteChunker(opts);
  const out: ByteChunk[] = [];
  if (pieces === 'whole') out.push(...c.push(data));
  else {
    let p = 0;
    for (let i = 0; p < data.length; i++) {
      const n = pieces[i % pieces.length]!;
      out.push(...c.push(data.subarray(p, p + n)));
      p += n;
    }
  }
  out.push(...c.end());
  return out;
}

const ids = (cs: ByteChunk[]) => cs.map((c) => Buffer.from(nodeProvider.sha256(c.bytes)).toString('hex'));

describe('byte chunker (FastCDC)', () => {
  const data = random(3 * 1024 * 1024, 42);

  it('reassembles the input exactly, with sizes within bounds and near the target', () => {
    const cs = chunk(data, 'whole');
    expect(Buffer.concat(cs.map((c) => c.bytes)).equals(Buffer.from(data))).toBe(true);
    let off = 0;
    for (const [i, c] of cs.entries()) {
      expect(c.offset).toBe(off);
      off += c.bytes.length;
      if (i < cs.length - 1) {
        expect(c.bytes.length).toBeGreaterThan(16 * 1024);
        expect(c.bytes.length).toBeLessThanOrEqual(256 * 1024);
      }
    }
    const mean = data.length / cs.length;
    expect(mean).toBeGreaterThan(32 * 1024);
    expect(mean).toBeLessThan(128 * 1024);
  });

  it('cuts at the same places however the input is split', () => {
    // byte-at-a-time on a 200 KB prefix (slow path), larger pieces on the whole input
    const cases: [number[], Uint8Array][] = [
      [[1], data.subarray(0, 200_000)],
      [[7, 4096, 13], data],
      [[65536], data],
      [[300_000, 1], data],
    ];
    for (const [pieces, input] of cases) expect(ids(chunk(input, pieces))).toEqual(ids(chunk(input, 'whole')));
    expect(ids(chunk(data, 'whole')).length).toBeGreaterThan(10);
  });

  it('keeps boundaries after an insertion or an edit: only neighbouring chunks change', () => {
    const before = new Set(ids(chunk(data, 'whole')));
    const inserted = new Uint8Array(data.length + 100);
    inserted.set(data.subarray(0, 1_000_000));
    inserted.set(random(100, 7), 1_000_000);
    inserted.set(data.subarray(1_000_000), 1_000_100);
    const after = ids(chunk(inserted, 'whole'));
    expect(after.filter((h) => !before.has(h)).length).toBeLessThanOrEqual(2);
    const edited = data.slice();
    edited[2_000_000]! ^= 0xff;
    expect(ids(chunk(edited, 'whole')).filter((h) => !before.has(h)).length).toBeLessThanOrEqual(2);
  });

  it('handles empty, tiny and constant inputs', () => {
    expect(chunk(new Uint8Array(0), 'whole')).toEqual([]);
    expect(chunk(new Uint8Array(10).fill(1), 'whole').map((c) => c.bytes.length)).toEqual([10]);
    // constant bytes never match the mask: every chunk is cut at the maximum size
    const flat = chunk(new Uint8Array(1024 * 1024).fill(0), 'whole');
    expect(flat.map((c) => c.bytes.length)).toEqual([262144, 262144, 262144, 262144]);
    expect(() => new ByteChunker({ minSize: 10, targetSize: 5, maxSize: 20 })).toThrow(RangeError);
  });
});
