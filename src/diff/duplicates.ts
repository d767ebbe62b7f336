// Duplicate-key detection during the commit pass, in bounded memory. Every row's key id is hashed
// to 64 bits and looked up in an open-addressing table in one typed array (16 bytes a slot: the
// two 32-bit hash halves, the key's first line, a state), which grows by doubling up to a
// byte budget (default 64 MiB, about 2.9 million distinct keys at the 0.7 load limit). When the
// table is full it is frozen: rows whose key is already in it are still counted in memory, and
// every other row is written as a (hash, line, shown key) record to one of N partition files in a
// temporary directory, chosen by the hash's top bits. Keys in partitions are thus disjoint from
// keys in the table, and every occurrence of one key lands in one partition, so after the pass
// each partition is checked on its own (split again by further hash bits when it is too large for
// the budget). The temporary directory is removed by close(), on success or error.
//
// Equality is by 64-bit hash: the table never holds the key text, so a repeat cannot be confirmed
// against it without a second store as large as the keys. For n distinct keys a false repeat has
// probability about n² / 2^65 (3 × 10^-6 for 10 million keys); the hash is not cryptographic, so
// keys crafted to collide can produce a spurious warning (or a refusal under --strict), never a
// missed duplicate.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowKey } from './changes.js';

export interface DuplicateReport {
  /** Distinct key values that occur more than once. */
  keys: number;
  /** Rows beyond the first for each such key. */
  rows: number;
  /** Up to 5 repeated keys, those whose second occurrence comes first, each with its first few line numbers. */
  examples: { key: RowKey; lines: number[] }[];
}

export interface DuplicateOptions {
  /** Bytes the in-memory table may use before spilling to disk; default 64 MiB (at least 16 slots are always used). */
  memoryBytes?: number;
  /** Partition files used after a spill (2 to 4096, a power of two); default 64. */
  partitions?: number;
  /** Where the temporary directory is made; default os.tmpdir(). */
  tmpDir?: string;
}

const MAX_EXAMPLES = 5;
const MAX_LINES = 5;
const SLOT_BYTES = 16;
const LOAD = 0.7;
const DEFAULT_BUDGET = 64 * 1024 * 1024;
/** Records buffered per partition before a write (20 bytes + the shown key each). */
const PARTITION_BUFFER = 32 * 1024;
/** Bits of the hash's high half a sub-partition level consumes when a partition is split. */
const SPLIT_BITS = 4;

// 64-bit key hash: two 32-bit lanes over the UTF-16 code units, two per 32-bit block, in the
// shape of MurmurHash3_x86_32's block and finalisation steps (Appleby), each lane with its own
// seed and multipliers (those of MurmurHash3_x86_128), cross-added at the end as x86_128 does.
// Results are written to _h1/_h2 to avoid an allocation per row.
let _h1 = 0;
let _h2 = 0;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function hashKey(s: string): void {
  const n = s.length;
  let h1 = 0x9747b28c;
  let h2 = 0x5bd1e995;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
    h1 ^= k1;
    h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, 0x38b34ae5);
    k2 = Math.imul((k2 << 16) | (k2 >>> 16), 0xa1e38b93);
    h2 ^= k2;
    h2 = (Math.imul((h2 << 17) | (h2 >>> 15), 5) + 0x0bcaa747) | 0;
  }
  if (i < n) {
    const k = s.charCodeAt(i);
    let k1 = Math.imul(k, 0xcc9e2d51);
    h1 ^= Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
    k1 = Math.imul(k, 0x38b34ae5);
    h2 ^= Math.imul((k1 << 16) | (k1 >>> 16), 0xa1e38b93);
  }
  h1 ^= n;
  h2 ^= n;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  _h1 = h1 >>> 0;
  _h2 = h2 >>> 0;
}

/** Exposed for tests: the 64-bit hash of a key id as [high, low]. */
export function _keyHash(id: string): [number, number] {
  hashKey(id);
  return [_h1, _h2];
}

interface Example {
  hi: number;
  lo: number;
  key: RowKey;
  lines: number[];
}

/**
 * Open addressing with linear probing over one Uint32Array, four words a slot (one cache line
 * holds four slots, so a probe costs one miss): hash high half, low half, line (low 32 bits),
 * and line high bits × 4 + state (0 empty, 1 seen once, 2 repeated). `find` returns the slot of
 * (hi, lo), or the empty slot where it would go. The low half picks the slot and the high half
 * the partition, so the two uses do not correlate.
 */
class HashTable {
  w: Uint32Array;
  size = 0;
  mask: number;

  /** `reuse`: an array to clear and use instead of a new one, if it is large enough. */
  constructor(capacity: number, reuse?: Uint32Array) {
    this.w = reuse && reuse.length >= capacity * 4 ? reuse.subarray(0, capacity * 4).fill(0) : new Uint32Array(capacity * 4);
    this.mask = capacity - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get full(): boolean {
    return this.size + 1 > this.capacity * LOAD;
  }

  find(hi: number, lo: number): number {
    const w = this.w;
    let i = lo & this.mask;
    while ((w[i * 4 + 3]! & 3) !== 0 && (w[i * 4 + 1] !== lo || w[i * 4] !== hi)) i = (i + 1) & this.mask;
    return i;
  }

  state(slot: number): number {
    return this.w[slot * 4 + 3]! & 3;
  }

  setRepeated(slot: number): void {
    this.w[slot * 4 + 3] = (this.w[slot * 4 + 3]! & ~3) | 2;
  }

  first(slot: number): number {
    return this.w[slot * 4 + 2]! + (this.w[slot * 4 + 3]! >>> 2) * 2 ** 32;
  }

  put(slot: number, hi: number, lo: number, line: number): void {
    const o = slot * 4;
    this.w[o] = hi;
    this.w[o + 1] = lo;
    this.w[o + 2] = line >>> 0;
    this.w[o + 3] = (Math.floor(line / 2 ** 32) << 2) | 1;
    this.size++;
  }

  grown(): HashTable {
    const t = new HashTable(this.capacity * 2);
    const w = this.w;
    for (let i = 0; i < this.capacity; i++) {
      if ((w[i * 4 + 3]! & 3) === 0) continue;
      const s = t.find(w[i * 4]!, w[i * 4 + 1]!) * 4;
      t.w.set(w.subarray(i * 4, i * 4 + 4), s);
    }
    t.size = this.size;
    return t;
  }
}

/** Counts repeats in line order over one table: the in-memory pass, and each partition afterwards. */
class RepeatCounter {
  keys = 0;
  rows = 0;
  examples: Example[] = [];
  table: HashTable;

  constructor(capacity: number, reuse?: Uint32Array) {
    this.table = new HashTable(capacity, reuse);
  }

  /** A row whose key sits at `slot` (already present). `shown` is asked for only for a new example. */
  repeat(slot: number, hi: number, lo: number, line: number, shown: () => RowKey): void {
    const t = this.table;
    this.rows++;
    if (t.state(slot) === 1) {
      t.setRepeated(slot);
      this.keys++;
      // Repeats are met in line order, so the first five found are those whose second occurrence comes first.
      if (this.examples.length < MAX_EXAMPLES) this.examples.push({ hi, lo, key: shown(), lines: [t.first(slot), line] });
      return;
    }
    for (const e of this.examples) {
      if (e.hi === hi && e.lo === lo) {
        if (e.lines.length < MAX_LINES) e.lines.push(line);
        return;
      }
    }
  }
}

/** The largest power-of-two slot count (at least 16) whose table fits in `bytes`. */
function capacityFor(bytes: number): number {
  let cap = 16;
  while (cap * 2 * SLOT_BYTES <= bytes && cap < 2 ** 30) cap *= 2;
  return cap;
}

/** The smallest power-of-two slot count that holds `keys` keys under the load limit. */
function slotsFor(keys: number): number {
  let cap = 16;
  while (keys + 1 > cap * LOAD) cap *= 2;
  return cap;
}

/** Builds a duplicate-key report from (key id, shown key, line) triples given in line order. */
export class DuplicateDetector {
  private readonly budget: number;
  private readonly partitions: number;
  private readonly partitionBits: number;
  private readonly tmpBase: string;
  private mem: RepeatCounter;
  private frozen = false;
  private dir: string | undefined;
  private files: FileHandle[] = [];
  private buffers: Buffer[] = [];
  private fill: number[] = [];
  private pending: number[] = [];
  private queued: Uint8Array;
  private counts: number[] = [];
  private splits = 0;
  private spilled = 0;
  private tables = 1;
  /** The frozen table's array, cleared and reused for each partition's table after the pass. */
  private scratch: Uint32Array | undefined;
  private closed = false;

  constructor(opts: DuplicateOptions = {}) {
    this.budget = opts.memoryBytes ?? DEFAULT_BUDGET;
    this.partitions = opts.partitions ?? 64;
    if (!Number.isInteger(this.partitions) || this.partitions < 2 || this.partitions > 4096 || (this.partitions & (this.partitions - 1)) !== 0) {
      throw new RangeError(`partitions must be a power of two from 2 to 4096, got ${this.partitions}`);
    }
    this.partitionBits = Math.log2(this.partitions);
    this.queued = new Uint8Array(this.partitions);
    this.tmpBase = opts.tmpDir ?? tmpdir();
    this.mem = new RepeatCounter(Math.min(1024, capacityFor(this.budget)));
  }

  /**
   * How the work went: rows written to partition files (0 while all fits in memory), partitions
   * split again, and tables allocated (the partitions reuse the frozen table's array).
   */
  get stats(): { spilledRows: number; splits: number; tables: number } {
    return { spilledRows: this.spilled, splits: this.splits, tables: this.tables };
  }

  add(id: string, shown: RowKey, line: number): void {
    hashKey(id);
    const hi = _h1;
    const lo = _h2;
    let t = this.mem.table;
    let slot = t.find(hi, lo);
    if (t.state(slot) !== 0) return this.mem.repeat(slot, hi, lo, line, () => shown);
    if (!this.frozen && t.full) {
      if (t.capacity * 2 * SLOT_BYTES <= this.budget) {
        t = this.mem.table = t.grown();
        this.tables++;
        slot = t.find(hi, lo);
      } else this.frozen = true;
    }
    if (!this.frozen) return t.put(slot, hi, lo, line);
    this.spill(hi, lo, line, shown);
  }

  private spill(hi: number, lo: number, line: number, shown: RowKey): void {
    const p = hi >>> (32 - this.partitionBits);
    const text = JSON.stringify(shown) ?? 'null';
    const need = 20 + Buffer.byteLength(text);
    if (!this.buffers[p]) {
      this.buffers[p] = Buffer.allocUnsafe(Math.max(PARTITION_BUFFER, need));
      this.fill[p] = 0;
    }
    let b = this.buffers[p]!;
    let o = this.fill[p]!;
    if (o + need > b.length) {
      // Full until drain() writes it: grow (by at most one chunk's rows) rather than block a sync call.
      const bigger = Buffer.allocUnsafe(Math.max(b.length * 2, o + need));
      b.copy(bigger, 0, 0, o);
      b = this.buffers[p] = bigger;
    }
    b.writeUInt32LE(hi, o);
    b.writeUInt32LE(lo, o + 4);
    b.writeDoubleLE(line, o + 8);
    b.writeUInt32LE(need - 20, o + 16);
    b.write(text, o + 20, 'utf8');
    this.fill[p] = o + need;
    this.counts[p] = (this.counts[p] ?? 0) + 1;
    if (o + need >= PARTITION_BUFFER && !this.queued[p]) {
      this.queued[p] = 1;
      this.pending.push(p);
    }
    this.spilled++;
  }

  /** Writes full partition buffers; call between chunks of rows so buffers stay small. */
  async drain(): Promise<void> {
    const todo = this.pending.splice(0);
    for (const p of todo) {
      this.queued[p] = 0;
      await this.flush(p);
    }
  }

  private async flush(p: number): Promise<void> {
    const n = this.fill[p] ?? 0;
    if (!n) return;
    if (!this.dir) this.dir = await mkdtemp(join(this.tmpBase, 'cognify-keys-'));
    this.files[p] ??= await open(join(this.dir, `p${p}`), 'w', 0o600); // keys may be personal data
    await this.files[p]!.write(this.buffers[p]!, 0, n);
    this.fill[p] = 0;
    if (this.buffers[p]!.length > PARTITION_BUFFER) this.buffers[p] = Buffer.allocUnsafe(PARTITION_BUFFER);
  }

  /** The report: in-memory counts plus each partition's, examples merged by second occurrence. */
  async finish(): Promise<DuplicateReport> {
    let keys = this.mem.keys;
    let rows = this.mem.rows;
    const examples = [...this.mem.examples];
    if (this.spilled) {
      // Each partition's table goes in the frozen table's array (partitions are split until their
      // table fits the budget, which that array spans): a new array each left up to the budget
      // in garbage per partition, which V8 collects late, as the 5 GB commit's peak showed.
      this.scratch = this.mem.table.w;
      for (let p = 0; p < this.partitions; p++) await this.flush(p);
      for (const f of this.files.splice(0)) await f?.close();
      this.buffers = [];
      for (let p = 0; p < this.partitions; p++) {
        if (!this.counts[p]) continue;
        const r = await this.checkPartition(join(this.dir!, `p${p}`), this.counts[p]!, 32 - this.partitionBits);
        keys += r.keys;
        rows += r.rows;
        examples.push(...r.examples);
      }
    }
    examples.sort((a, b) => a.lines[1]! - b.lines[1]!);
    return { keys, rows, examples: examples.slice(0, MAX_EXAMPLES).map((e) => ({ key: e.key, lines: e.lines })) };
  }

  /**
   * One partition's repeats. `bitsLeft` is how many high-half bits below the ones that chose this
   * partition are still free to split it by; a partition with more records than the budget could
   * hold as slots is split by SPLIT_BITS of them into sub-files first (a file holding many rows of
   * few keys may end up unsplittable: its table then stays small, since slots are per key).
   */
  private async checkPartition(path: string, records: number, bitsLeft: number): Promise<{ keys: number; rows: number; examples: Example[] }> {
    if (slotsFor(records) * SLOT_BYTES > this.budget && bitsLeft >= SPLIT_BITS) {
      const shift = bitsLeft - SPLIT_BITS;
      this.splits++;
      const subs: FileHandle[] = [];
      const counts = new Array<number>(1 << SPLIT_BITS).fill(0);
      const out: { keys: number; rows: number; examples: Example[] } = { keys: 0, rows: 0, examples: [] };
      try {
        for (let s = 0; s < 1 << SPLIT_BITS; s++) subs.push(await open(`${path}.${s}`, 'w', 0o600));
        const bufs = subs.map(() => ({ b: Buffer.allocUnsafe(PARTITION_BUFFER), n: 0 }));
        for await (const r of records_(path)) {
          const s = (r.hi >>> shift) & ((1 << SPLIT_BITS) - 1);
          const q = bufs[s]!;
          if (q.n + r.raw.length > q.b.length) {
            await subs[s]!.write(q.b, 0, q.n);
            q.n = 0;
            if (r.raw.length > q.b.length) q.b = Buffer.allocUnsafe(r.raw.length);
          }
          r.raw.copy(q.b, q.n);
          q.n += r.raw.length;
          counts[s]!++;
        }
        for (let s = 0; s < subs.length; s++) await subs[s]!.write(bufs[s]!.b, 0, bufs[s]!.n);
      } finally {
        for (const f of subs) await f.close();
      }
      await rm(path);
      for (let s = 0; s < 1 << SPLIT_BITS; s++) {
        if (!counts[s]) {
          await rm(`${path}.${s}`);
          continue;
        }
        const r = await this.checkPartition(`${path}.${s}`, counts[s]!, shift);
        out.keys += r.keys;
        out.rows += r.rows;
        out.examples.push(...r.examples);
      }
      return out;
    }
    const slots = slotsFor(records); // at most one slot per record: never grows
    if (!this.scratch || this.scratch.length < slots * 4) this.tables++; // an unsplittable partition larger than the budget
    const c = new RepeatCounter(slots, this.scratch);
    for await (const r of records_(path)) {
      const t = c.table;
      const slot = t.find(r.hi, r.lo);
      if (t.state(slot) === 0) t.put(slot, r.hi, r.lo, r.line);
      else c.repeat(slot, r.hi, r.lo, r.line, () => JSON.parse(r.raw.toString('utf8', 20)) as RowKey);
    }
    await rm(path);
    return { keys: c.keys, rows: c.rows, examples: c.examples };
  }

  /** Removes the temporary directory, if one was made. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.files.splice(0)) await f?.close().catch(() => undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The records of one partition file, read as a stream. */
async function* records_(path: string): AsyncIterable<{ hi: number; lo: number; line: number; raw: Buffer }> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const b = carry.length ? Buffer.concat([carry, piece]) : piece;
    let o = 0;
    while (o + 20 <= b.length) {
      const len = 20 + b.readUInt32LE(o + 16);
      if (o + len > b.length) break;
      yield { hi: b.readUInt32LE(o), lo: b.readUInt32LE(o + 4), line: b.readDoubleLE(o + 8), raw: b.subarray(o, o + len) };
      o += len;
    }
    carry = b.subarray(o);
  }
}

/** `3 key values repeat (5 extra rows), e.g. "C-0012" at lines 14, 90`, for warnings and errors. */
export function describeDuplicates(r: DuplicateReport): string {
  const e = r.examples[0];
  const example = e ? `, e.g. ${JSON.stringify(e.key)} at lines ${e.lines.join(', ')}` : '';
  return `${r.keys} key value${r.keys === 1 ? ' repeats' : 's repeat'} (${r.rows} extra row${r.rows === 1 ? '' : 's'})${example}`;
}
