// The log's subject ids, which verify's last phase skips among all objects because the replay
// already checked them (hash, references, signature under the key valid at that entry), held in
// bounded memory. Up to a budget they sit in an open-addressed table of 32-byte slots; when it is
// full, its ids are written out as one sorted run (through `IdRuns`, files in src/node/id-runs.ts)
// and the table starts again. The last phase reads objects in id order, so membership is then a
// forward merge of the runs with that order: one block of each run in memory at a time.
//
// At 1,000,000 entries a table of every id took 64 MB, and 96 MB while doubling (bench:scale,
// the log case); a run costs 32 bytes an id on disk and nothing in memory once written.
import { toHex } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';

/** Where sorted runs of ids go once the table is full (none: the table just grows). */
export interface IdRuns {
  /** Keep one run: ids of 32 bytes each, ascending. */
  write(run: Uint8Array): Promise<void>;
  /** Each run written, read forward in blocks of whole ids, in the order written. */
  read(): AsyncIterator<Uint8Array>[];
  /** Remove every run. */
  close(): Promise<void>;
}

/** Table slots before a spill: 2^18 slots of 32 bytes (8 MB), spilled at 0.7 full (183,500 ids). */
export const DEFAULT_MAX_SLOTS = 1 << 18;
const MIN_SLOTS = 1024;

/** An id's hash as eight words, the first most significant (ids are `sha256:` and 64 hex digits, checked by the entry's schema). */
function keyOf(id: string): Uint32Array {
  const k = new Uint32Array(8);
  for (let i = 0; i < 8; i++) k[i] = Number.parseInt(id.slice(7 + i * 8, 15 + i * 8), 16) >>> 0;
  return k;
}

/** A set of ids in one typed array (open addressing, doubled at 0.7 full). All-zero words mark an empty slot. */
class IdTable {
  w: Uint32Array;
  size = 0;
  /** The all-zero hash cannot sit in a slot; no one will find it, but it is kept apart all the same. */
  zero = false;

  constructor(slots: number) {
    this.w = new Uint32Array(slots * 8);
  }

  private static empty(w: Uint32Array, o: number): boolean {
    for (let j = 0; j < 8; j++) if (w[o + j] !== 0) return false;
    return true;
  }

  /** The offset of `k`'s slot, or of the empty slot where it would go. */
  private static find(w: Uint32Array, k: Uint32Array): number {
    const mask = w.length / 8 - 1;
    for (let i = k[7]! & mask; ; i = (i + 1) & mask) {
      const o = i * 8;
      if (IdTable.empty(w, o)) return o;
      let same = true;
      for (let j = 0; j < 8 && same; j++) same = w[o + j] === k[j];
      if (same) return o;
    }
  }

  has(k: Uint32Array): boolean {
    if (k.every((x) => x === 0)) return this.zero;
    return !IdTable.empty(this.w, IdTable.find(this.w, k));
  }

  /** Whether the table would have to grow past `maxSlots` to take one more id. */
  full(maxSlots: number): boolean {
    return this.size + 1 > (this.w.length / 8) * 0.7 && this.w.length / 8 >= maxSlots;
  }

  add(k: Uint32Array): void {
    if (k.every((x) => x === 0)) {
      if (!this.zero) this.size++;
      this.zero = true;
      return;
    }
    const o = IdTable.find(this.w, k);
    if (!IdTable.empty(this.w, o)) return;
    this.w.set(k, o);
    if (++this.size > (this.w.length / 8) * 0.7) {
      const old = this.w;
      this.w = new Uint32Array(old.length * 2);
      for (let j = 0; j < old.length; j += 8) if (!IdTable.empty(old, j)) this.w.set(old.subarray(j, j + 8), IdTable.find(this.w, old.subarray(j, j + 8)));
    }
  }

  /** The ids as 32-byte big-endian records, ascending. */
  sorted(): Uint8Array {
    const slots = this.w.length / 8;
    const order: number[] = [];
    for (let i = 0; i < slots; i++) if (!IdTable.empty(this.w, i * 8)) order.push(i * 8);
    const w = this.w;
    order.sort((a, b) => {
      for (let j = 0; j < 8; j++) if (w[a + j] !== w[b + j]) return w[a + j]! - w[b + j]!;
      return 0;
    });
    const out = new Uint8Array((order.length + (this.zero ? 1 : 0)) * 32);
    const view = new DataView(out.buffer);
    let p = this.zero ? 32 : 0; // the all-zero id sorts first and is already zero bytes
    for (const o of order) {
      for (let j = 0; j < 8; j++) view.setUint32(p + j * 4, w[o + j]!);
      p += 32;
    }
    return out;
  }
}

/** A run being merged: its current id (hex), advanced block by block. */
class RunCursor {
  private block: Uint8Array = new Uint8Array(0);
  private at = 0;
  current: string | undefined = '';

  constructor(readonly it: AsyncIterator<Uint8Array>) {}

  /** Move to the first id not below `hex`; its hex, or undefined at the end of the run. */
  async seek(hex: string): Promise<string | undefined> {
    while (this.current !== undefined && (this.current === '' || this.current < hex)) {
      if (this.at >= this.block.length) {
        const next = await this.it.next();
        if (next.done) return (this.current = undefined);
        this.block = next.value;
        this.at = 0;
        continue;
      }
      this.current = toHex(this.block.subarray(this.at, this.at + 32));
      this.at += 32;
    }
    return this.current;
  }
}

export class SubjectIds {
  private table = new IdTable(MIN_SLOTS);
  private spilled = 0;
  private cursors: RunCursor[] | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failed: unknown;

  /**
   * @param runs where full tables are written; without it the table grows with the log
   * @param maxSlots table slots before a spill (a power of two, at least 1,024 unless testing)
   */
  constructor(
    private readonly runs?: IdRuns,
    private readonly maxSlots = DEFAULT_MAX_SLOTS,
  ) {
    if (!Number.isSafeInteger(maxSlots) || maxSlots < 1 || (maxSlots & (maxSlots - 1)) !== 0) throw new RangeError(`subjectSlots must be a power of two, got ${maxSlots}`);
    if (maxSlots < MIN_SLOTS) this.table = new IdTable(maxSlots);
  }

  /** Runs written so far. */
  get runCount(): number {
    return this.spilled;
  }

  /**
   * Whether `id` was added since the last spill. The replay asks this to avoid loading a subject
   * twice; after a spill a repeated subject is only loaded and checked again.
   */
  recent(id: ObjectId): boolean {
    return this.table.has(keyOf(id));
  }

  /**
   * Add `id`. Safe to call without waiting for the one before (the replay loads an entry's
   * subjects together): a full table is swapped for an empty one at once, and runs are written
   * one after another.
   */
  async add(id: ObjectId): Promise<void> {
    if (this.cursors) throw new Error('SubjectIds: add after the first lookup');
    const k = keyOf(id);
    if (this.table.has(k)) return;
    if (this.runs && this.table.full(this.maxSlots)) {
      const run = this.table.sorted();
      this.table = new IdTable(Math.min(MIN_SLOTS, this.maxSlots));
      this.spilled++;
      this.table.add(k);
      const runs = this.runs;
      // A failed write is not the entry's problem: it is kept and thrown by check() or has().
      this.writing = this.writing.then(() => runs.write(run)).catch((e: unknown) => void (this.failed ??= e));
      return this.writing;
    }
    this.table.add(k);
  }

  /** Throw the error of a run that could not be written (the temporary directory, not the repository). */
  check(): void {
    if (this.failed !== undefined) throw this.failed;
  }

  /** Wait for the runs being written, then check(). */
  async written(): Promise<void> {
    await this.writing;
    this.check();
  }

  /** Whether the object with hash `hex` was added. Asked in ascending order of `hex` (the objects' order). */
  async has(hex: string): Promise<boolean> {
    if (this.table.has(keyOf(`sha256:${hex}`))) return true;
    if (!this.spilled) return false;
    await this.written();
    this.cursors ??= this.runs!.read().map((it) => new RunCursor(it));
    for (const c of this.cursors) if ((await c.seek(hex)) === hex) return true;
    return false;
  }

  /** Stop reading the runs and remove them. */
  async close(): Promise<void> {
    await this.writing;
    for (const c of this.cursors ?? []) await c.it.return?.();
    this.cursors = undefined;
    await this.runs?.close();
  }
}
