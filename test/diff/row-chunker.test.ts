import { describe, expect, it } from 'vitest';
import { chunkRows, DEFAULT_TARGET_SIZE, RowChunker, _rowHash, type Chunk, type ChunkerOptions } from '../../src/diff/row-chunker.js';
import type { RowBoundaryScanner } from '../../src/diff/rows.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { toHex, utf8 } from '../../src/core/bytes.js';
import { InputError } from '../../src/core/errors.js';

// A trivial "\n" scanner: the chunker must not depend on the real CSV/JSONL scanners.
function newlineScanner(): RowBoundaryScanner {
  let pos = 0;
  let last = 0;
  return {
    push(piece) {
      const ends: number[] = [];
      for (let i = 0; i < piece.length; i++) if (piece[i] === 10) ends.push(pos + i + 1);
      pos += piece.length;
      if (ends.length > 0) last = ends[ends.length - 1]!;
      return ends;
    },
    end() {
      return last < pos ? [pos] : [];
    },
  };
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau'.split(' ');

/** A deterministic CSV body: `n` rows of ~75 bytes, each ending in ",0\n" or ",1\n". */
function csvRows(n: number, seed = 1): string[] {
  const r = mulberry32(seed);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const words = Array.from({ length: 3 + Math.floor(r() * 8) }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
    rows.push(`${i},user${Math.floor(r() * 1e6)}@example.com,"${words}",${(r() * 100).toFixed(3)},${r() < 0.5 ? 1 : 0}\n`);
  }
  return rows;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Chunk `file` fed in pieces of the given sizes (cycled), through RowChunker directly. */
function chunkPieces(file: Uint8Array, opts: ChunkerOptions, sizes: number[] = [file.length || 1]): Chunk[] {
  const scanner = newlineScanner();
  const chunker = new RowChunker(opts);
  const out: Chunk[] = [];
  for (let off = 0, k = 0; off < file.length; k++) {
    const piece = file.slice(off, off + sizes[k % sizes.length]!);
    off += piece.length;
    out.push(...chunker.push(piece, scanner.push(piece)));
  }
  out.push(...chunker.end(scanner.end()));
  return out;
}

/** Byte equality without vitest's element-by-element deep diff (slow on megabytes). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)).toBe(true);
}

function shape(chunks: Chunk[]): string[] {
  return chunks.map((c) => `${c.offset}+${c.bytes.length}/${c.rows}`);
}

function ids(chunks: Chunk[]): string[] {
  return chunks.map((c) => toHex(nodeProvider.sha256(c.bytes)));
}

/** Chunks of `after` whose SHA-256 is not among the chunks of `before`: what a new version stores. */
function newChunks(before: Chunk[], after: Chunk[]): number {
  const old = new Set(ids(before));
  return ids(after).filter((id) => !old.has(id)).length;
}

function checkInvariants(file: Uint8Array, chunks: Chunk[], totalRows: number, opts: Required<ChunkerOptions>): void {
  expectSameBytes(concat(chunks.map((c) => c.bytes)), file);
  expect(chunks.reduce((n, c) => n + c.rows, 0)).toBe(totalRows);
  let off = 0;
  for (const [i, c] of chunks.entries()) {
    expect(c.offset).toBe(off);
    off += c.bytes.length;
    expect(c.rows).toBeGreaterThan(0);
    // Every chunk ends at a row end (here: after "\n", or at the end of the file).
    if (i < chunks.length - 1) expect(c.bytes[c.bytes.length - 1]).toBe(10);
    // Only one oversized row may exceed maxSize.
    if (c.bytes.length > opts.maxSize) expect(c.rows).toBe(1);
    // Row ends within the chunk: one per row, increasing, each after a "\n" but the file's last.
    expect(c.rowEnds).toHaveLength(c.rows);
    expect(c.rowEnds[c.rowEnds.length - 1]).toBe(c.bytes.length);
    for (const [j, e] of c.rowEnds.entries()) {
      if (j > 0) expect(e).toBeGreaterThan(c.rowEnds[j - 1]!);
      if (i < chunks.length - 1 || j < c.rowEnds.length - 1) expect(c.bytes[e - 1]).toBe(10);
    }
  }
}

describe('_rowHash (MurmurHash3_x86_32)', () => {
  it('matches published vectors', () => {
    expect(_rowHash(new Uint8Array(0), 0)).toBe(0);
    expect(_rowHash(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(_rowHash(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(_rowHash(new Uint8Array(4), 0)).toBe(0x2362f9de);
    expect(_rowHash(utf8('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(_rowHash(utf8('abc'), 0)).toBe(0xb3dd93fa);
    expect(_rowHash(utf8('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(_rowHash(utf8('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('reads a subarray at any byte offset', () => {
    const row = utf8('The quick brown fox jumps over the lazy dog');
    for (let pad = 0; pad < 4; pad++) {
      const b = new Uint8Array(pad + row.length);
      b.set(row, pad);
      expect(_rowHash(b.subarray(pad), 0x9747b28c)).toBe(0x2fa826cd);
    }
  });
});

describe('RowChunker', () => {
  const small: Required<ChunkerOptions> = { minSize: 1024, targetSize: 4096, maxSize: 16384 };
  const rows5k = csvRows(5000, 3);
  const file5k = utf8(rows5k.join(''));

  it('reconstructs the input exactly, at row boundaries', () => {
    const chunks = chunkPieces(file5k, small);
    expect(chunks.length).toBeGreaterThan(50);
    checkInvariants(file5k, chunks, 5000, small);
  });

  it('cuts at the same places whatever the piece sizes', () => {
    const whole = shape(chunkPieces(file5k, small));
    const r = mulberry32(7);
    const random = Array.from({ length: 64 }, () => 1 + Math.floor(r() * 3000));
    for (const sizes of [[1], [7], [4096], random, [file5k.length]]) {
      expect(shape(chunkPieces(file5k, small, sizes)), `pieces ${sizes.slice(0, 3).join(',')}`).toEqual(whole);
    }
  });

  it('chunkRows streams the same chunks as the class', async () => {
    async function* source(): AsyncIterable<Uint8Array> {
      for (let off = 0; off < file5k.length; off += 1000) yield file5k.subarray(off, off + 1000);
    }
    const streamed: Chunk[] = [];
    for await (const c of chunkRows(source(), newlineScanner(), small)) streamed.push(c);
    expect(shape(streamed)).toEqual(shape(chunkPieces(file5k, small)));
    expectSameBytes(concat(streamed.map((c) => c.bytes)), file5k);
  });

  it('chunks copy their bytes, so a source may reuse its buffer', async () => {
    const buf = new Uint8Array(500);
    async function* reusing(): AsyncIterable<Uint8Array> {
      for (let off = 0; off < file5k.length; off += 500) {
        const n = Math.min(500, file5k.length - off);
        buf.set(file5k.subarray(off, off + n));
        yield buf.subarray(0, n);
        buf.fill(0);
      }
    }
    const streamed: Chunk[] = [];
    for await (const c of chunkRows(reusing(), newlineScanner(), small)) streamed.push(c);
    expectSameBytes(concat(streamed.map((c) => c.bytes)), file5k);
  });

  it('empty input gives no chunks', () => {
    expect(chunkPieces(new Uint8Array(0), {})).toEqual([]);
    const c = new RowChunker();
    expect(c.push(new Uint8Array(0), [])).toEqual([]);
    expect(c.end([])).toEqual([]);
  });

  it('keeps a final row without a trailing newline', () => {
    const file = utf8(rows5k.join('') + 'last,row,without,newline');
    const chunks = chunkPieces(file, small, [333]);
    checkInvariants(file, chunks, 5001, small);
    expect(chunks[chunks.length - 1]!.bytes.at(-1)).toBe('e'.charCodeAt(0));
    const one = chunkPieces(utf8('only'), small);
    expect(one).toEqual([{ bytes: utf8('only'), rows: 1, offset: 0, rowEnds: [4] }]);
  });

  it('never splits a row bigger than maxSize: it becomes a chunk of its own', () => {
    const big = 'x'.repeat(50_000) + '\n';
    const file = utf8(rows5k.slice(0, 300).join('') + big + rows5k.slice(300, 600).join(''));
    const chunks = chunkPieces(file, small, [4096]);
    checkInvariants(file, chunks, 601, small);
    const giant = chunks.filter((c) => c.bytes.length > small.maxSize);
    expect(giant).toHaveLength(1);
    expect(giant[0]!.rows).toBe(1);
    expect(giant[0]!.bytes.length).toBe(big.length);
  });

  it('still cuts a file whose rows are all identical (one hash for every row)', () => {
    for (const row of ['a,0\n', 'same,row,every,time,0\n', 'y'.repeat(3000) + ',0\n']) {
      const n = Math.ceil(200_000 / row.length);
      const file = utf8(row.repeat(n));
      const chunks = chunkPieces(file, small, [1000]);
      checkInvariants(file, chunks, n, small);
      expect(chunks.length).toBeGreaterThan(200_000 / small.maxSize);
      for (const c of chunks) expect(c.bytes.length).toBeLessThanOrEqual(small.maxSize);
      // Identical rows cut at the same size each time: every chunk but the last is the same.
      expect(new Set(ids(chunks.slice(0, -1))).size).toBe(1);
      // Inserting a row on top stores at most 2 new chunks (the first and the last).
      const shifted = chunkPieces(utf8('header\n' + row.repeat(n)), small);
      expect(newChunks(chunks, shifted)).toBeLessThanOrEqual(2);
    }
  });

  it('rejects row ends that are out of order, beyond the data, or that stop short of the end', () => {
    const c = new RowChunker(small);
    c.push(utf8('ab\ncd\n'), [3]);
    expect(() => c.push(new Uint8Array(0), [3])).toThrow(InputError);
    expect(() => c.push(new Uint8Array(0), [7])).toThrow(InputError);
    const d = new RowChunker(small);
    d.push(utf8('ab\ncd'), [3]);
    try {
      d.end([]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('INPUT_INVALID');
      expect((e as InputError).data).toEqual({ rowEnd: 3, fileSize: 5 });
    }
  });

  it('rejects inconsistent sizes', () => {
    expect(() => new RowChunker({ minSize: 10, targetSize: 5, maxSize: 100 })).toThrow(InputError);
    expect(() => new RowChunker({ targetSize: 0 })).toThrow(InputError);
    expect(() => new RowChunker({ maxSize: 1.5 })).toThrow(InputError);
  });
});

describe('RowChunker chunk stability on a 100,000-row CSV (default sizes)', () => {
  const rows = csvRows(100_000);
  const before = chunkPieces(utf8(rows.join('')), {}, [1 << 16]);
  const changed = (edit: (rows: string[]) => void): number => {
    const copy = [...rows];
    edit(copy);
    return newChunks(before, chunkPieces(utf8(copy.join('')), {}, [1 << 16]));
  };

  it('chunk sizes stay near the default target (DEFAULT_TARGET_SIZE)', () => {
    const sizes = before.map((c) => c.bytes.length).sort((a, b) => a - b);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const median = sizes[sizes.length >> 1]!;
    const p95 = sizes[Math.floor(sizes.length * 0.95)]!;
    console.log(`100k rows, ${sizes.reduce((a, b) => a + b, 0)} bytes: ${sizes.length} chunks, mean ${Math.round(mean)}, median ${median}, p95 ${p95}`);
    expect(mean).toBeGreaterThan(0.5 * DEFAULT_TARGET_SIZE);
    expect(mean).toBeLessThan(2 * DEFAULT_TARGET_SIZE);
    expect(sizes[0]).toBeGreaterThanOrEqual(DEFAULT_TARGET_SIZE / 4);
    expect(sizes.at(-2)!).toBeLessThanOrEqual(4 * DEFAULT_TARGET_SIZE);
  });

  it('inserting one row at the top changes at most 3 chunks', () => {
    expect(changed((r) => r.unshift('new,inserted@example.com,"row",1.000,0\n'))).toBeLessThanOrEqual(3);
  });

  it('modifying one row in the middle changes at most 3 chunks', () => {
    // Its own chunk, and the next one or two until a cut lands on the same row again.
    expect(changed((r) => (r[50_000] = r[50_000]!.replace('@', '+edited@')))).toBeLessThanOrEqual(3);
  });

  it('deleting one row changes at most 2 chunks', () => {
    expect(changed((r) => r.splice(61_234, 1))).toBeLessThanOrEqual(2);
  });

  it('ten scattered edits change at most ~2 chunks each', () => {
    const n = changed((r) => {
      for (let k = 0; k < 10; k++) {
        const i = 9_000 * k + 1234;
        if (k % 3 === 0) r.splice(i, 0, `${i},ins@example.com,"x",0.000,0\n`);
        else if (k % 3 === 1) r.splice(i, 1);
        else r[i] = r[i]!.replace(',', ',9');
      }
    });
    expect(n).toBeGreaterThanOrEqual(10);
    expect(n).toBeLessThanOrEqual(20);
  });
});
