// Row-level helpers of the diff engine (src/diff/diff.ts): reading one-sided chunks and splitting
// them into rows, keys read straight from a row's bytes, row comparison helpers, the multiset
// difference of flat chunk lists, and the heaviest increasing subsequence used for moves.
import type { PartitionSpill } from './spill.js';
import { createCsvScanner } from './csv-scanner.js';
import { createJsonlScanner } from './jsonl-scanner.js';
import { escapePointerToken } from './jsonl-parse.js';
import type { ChunkAt } from './recipe-tree.js';
import type { SideChunk, TableSide } from './table-side.js';

/** A row read from a one-sided chunk, before keying. */
export interface Pending {
  row: number;
  bytes: Uint8Array;
  offset: number;
  raw: string;
}

export const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether any spilled row of B has the very same bytes as a row of A with its key. */
export function spilledTwins(spill: PartitionSpill, parts: number): boolean {
  for (let p = 0; p < parts; p++) {
    const ra = spill.read(0, p);
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < ra.length; i++) {
      const k = ra.key(i);
      const list = byKey.get(k);
      if (list) list.push(i);
      else byKey.set(k, [i]);
    }
    const rb = spill.read(1, p);
    for (let j = 0; j < rb.length; j++) {
      const cands = byKey.get(rb.key(j));
      if (!cands) continue;
      const bytes = rb.bytes(j);
      if (cands.some((i) => sameRowBytes(ra.bytes(i), bytes))) return true;
    }
  }
  return false;
}

/**
 * The key of a JSONL row whose first member is the key field (`token` is `{"id":`), read without
 * parsing the row: a string without escapes, or a number, true, false or null. Undefined
 * otherwise (the row is parsed). Gives the id jsonKey gives for the same value.
 */
export function topLevelKey(bytes: Uint8Array, token: Uint8Array): string | undefined {
  if (bytes.length <= token.length) return undefined;
  for (let i = 0; i < token.length; i++) if (bytes[i] !== token[i]) return undefined;
  const start = token.length;
  if (bytes[start] === 0x22) {
    for (let i = start + 1; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c === 0x5c || c < 0x20) return undefined;
      if (c === 0x22) {
        try {
          return strictUtf8.decode(bytes.subarray(start + 1, i));
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  }
  let i = start;
  while (i < bytes.length && bytes[i] !== 0x2c && bytes[i] !== 0x7d && bytes[i] !== 0x20) i++;
  const lit = Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1');
  if (lit === 'true' || lit === 'false' || lit === 'null') return `\u0000${lit}`;
  if (!/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(lit)) return undefined;
  return `\u0000${JSON.stringify(Number(lit))}`;
}

/**
 * Field `k` of a CSV row when no quote appears up to its end, else undefined (parse the row).
 * Equal to parseCsvRow(...)[k] whenever it returns; invalid UTF-8 is left to the parser to report.
 */
export function plainField(bytes: Uint8Array, k: number, delimiter: number, quote: number): string | undefined {
  let field = 0;
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === quote) return undefined;
    if (c === delimiter || c === 0x0a || c === 0x0d) {
      if (field === k) {
        try {
          return strictUtf8.decode(bytes.subarray(start, i));
        } catch {
          return undefined;
        }
      }
      if (c !== delimiter) return undefined;
      field++;
      start = i + 1;
    }
  }
  return undefined;
}

/** Reads items in order with up to `window` reads in flight (store reads wait on I/O threads). */
export async function* readAhead<T, R>(items: T[], read: (item: T) => Promise<R>, window = 32): AsyncIterable<[T, R]> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  for (let k = 0; k < items.length; k++) {
    while (next < items.length && next < k + window) {
      const p = read(items[next++]!);
      p.catch(() => undefined); // handled when its turn comes, or dropped if an earlier read failed
      inFlight.push(p);
    }
    // A read that fails is reported where its turn comes; later reads are not awaited.
    yield [items[k]!, await inFlight[k]!];
  }
}

/** The chunks' bytes in order; a plain file's adjacent chunks are read in runs of up to 1 MiB. */
export async function* readChunks(side: TableSide, chunks: (ChunkAt & { offset?: number })[]): AsyncIterable<[ChunkAt & { offset?: number }, Uint8Array]> {
  if (!side.readRun) {
    yield* readAhead(chunks, (c) => side.read(c));
    return;
  }
  const runs: (ChunkAt & { offset?: number })[][] = [];
  for (const c of chunks) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    const fits = run && last && (side.adjacentRuns ? (last.offset ?? 0) + last.bytes === c.offset && (c.offset ?? 0) + c.bytes - (run[0]!.offset ?? 0) <= 1 << 20 : run.length < 64);
    if (fits) run!.push(c);
    else runs.push([c]);
  }
  for await (const [run, parts] of readAhead(runs, (r) => side.readRun!(r), 4)) {
    for (let k = 0; k < run.length; k++) yield [run[k]!, parts[k]!];
  }
}

/** Row ends within one chunk (chunks start at a row boundary, outside any quote). */
export function rowEndsOf(side: TableSide, bytes: Uint8Array): number[] {
  const scanner = side.kind === 'json' ? createJsonlScanner() : createCsvScanner({ delimiter: side.dialect!.delimiter, quote: side.dialect!.quote ?? null });
  const ends = scanner.push(bytes);
  for (const e of scanner.end()) ends.push(e);
  return ends;
}


/** Row bytes without the line terminator, as a string usable as a map key (one char per byte). */
export function rawKey(bytes: Uint8Array): string {
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end--;
  if (bytes[end - 1] === 0x0d) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

export function sameRowBytes(x: Uint8Array, y: Uint8Array): boolean {
  let ex = x.length;
  if (x[ex - 1] === 0x0a) ex--;
  if (x[ex - 1] === 0x0d) ex--;
  let ey = y.length;
  if (y[ey - 1] === 0x0a) ey--;
  if (y[ey - 1] === 0x0d) ey--;
  if (ex !== ey) return false;
  return Buffer.from(x.buffer, x.byteOffset, ex).equals(Buffer.from(y.buffer, y.byteOffset, ey));
}

export const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function looseEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  const sx = typeof x === 'string' ? x.trim() : JSON.stringify(x);
  const sy = typeof y === 'string' ? y.trim() : JSON.stringify(y);
  if (sx === sy) return true;
  if (sx !== undefined && sy !== undefined && NUMERIC.test(sx) && NUMERIC.test(sy)) return Number(sx) === Number(sy);
  return false;
}

/** Leaves of a JSON value: [pointer, pointer with array indexes as "*", value]; empty containers are leaves. */
export function leaves(value: unknown, out: [string, string, unknown][] = [], path = '', gen = ''): [string, string, unknown][] {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push([path, gen, value]);
    for (let k = 0; k < value.length; k++) leaves(value[k], out, `${path}/${k}`, `${gen}/*`);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) out.push([path, gen, value]);
    for (const key of keys) {
      const t = escapePointerToken(key);
      leaves((value as Record<string, unknown>)[key], out, `${path}/${t}`, `${gen}/${t}`);
    }
  } else out.push([path, gen, value]);
  return out;
}

export const under = (p: string, prefix: string) => p === prefix || p.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
export const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/'));

/** Multiset difference of two flat chunk lists by id; equal chunks pair up in file order. */
export function chunkDifference(a: SideChunk[], b: SideChunk[]): { onlyA: SideChunk[]; onlyB: SideChunk[]; pairs: [SideChunk, SideChunk][] } {
  // Keyed by id bytes 4..7 (SHA-256, so spread evenly), confirmed on the whole id.
  const hash = (id: Uint8Array) => (id[4]! | (id[5]! << 8) | (id[6]! << 16) | (id[7]! << 24)) >>> 0;
  const waiting = new Map<number, SideChunk[]>();
  for (const c of a) {
    const h = hash(c.id);
    const list = waiting.get(h);
    if (list) list.push(c);
    else waiting.set(h, [c]);
  }
  const onlyB: SideChunk[] = [];
  const pairs: [SideChunk, SideChunk][] = [];
  const taken = new Set<SideChunk>();
  for (const c of b) {
    const list = waiting.get(hash(c.id));
    const k = list ? list.findIndex((o) => Buffer.compare(o.id, c.id) === 0) : -1;
    if (k === -1) onlyB.push(c);
    else {
      const mate = list!.splice(k, 1)[0]!;
      pairs.push([mate, c]);
      taken.add(mate);
    }
  }
  return { onlyA: taken.size ? a.filter((c) => !taken.has(c)) : a, onlyB, pairs };
}

/**
 * Indexes of a heaviest strictly increasing subsequence of `xs` (each element weighs
 * `weights[i]`): a Fenwick tree of best sums over the values' ranks, O(n log n).
 */
export function heaviestIncreasing(xs: number[], weights: number[]): Set<number> {
  const n = xs.length;
  const ranks = [...new Set(xs)].sort((p, q) => p - q);
  const rankOf = new Map(ranks.map((v, k) => [v, k + 1]));
  const best = new Float64Array(ranks.length + 1); // prefix maxima of sums, by rank
  const at = new Int32Array(ranks.length + 1).fill(-1); // the element ending that best sum
  const prev = new Int32Array(n).fill(-1);
  const sum = new Float64Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    const r = rankOf.get(xs[i]!)!;
    let bestSum = 0;
    let bestAt = -1;
    for (let k = r - 1; k > 0; k -= k & -k) {
      if (best[k]! > bestSum) {
        bestSum = best[k]!;
        bestAt = at[k]!;
      }
    }
    sum[i] = bestSum + weights[i]!;
    prev[i] = bestAt;
    for (let k = r; k <= ranks.length; k += k & -k) {
      if (sum[i]! > best[k]!) {
        best[k] = sum[i]!;
        at[k] = i;
      }
    }
    if (top === -1 || sum[i]! > sum[top]!) top = i;
  }
  const out = new Set<number>();
  for (let k = top; k !== -1; k = prev[k]!) out.add(k);
  return out;
}
