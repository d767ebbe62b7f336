// Partitioned spill for the hash join (DESIGN.md: "fall back to a streaming hash join,
// partitioned to disk beyond a memory budget"). Rows of both sides are written to P partition
// files by a hash of their key, so that each partition (both sides of it) fits the budget and can
// be matched in memory on its own: rows with equal keys always land in the same partition.
// Records are [row: float64][key length: uint32][row length: uint32][key: UTF-8][row bytes].
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RowRec {
  /** 1-based data row number in its side. */
  row: number;
  /** The match key: a key id, or the row's content for keyless diffs. */
  key: string;
  /** The row's bytes (terminator included). */
  bytes: Uint8Array;
}

/** Rows of one side (or one partition of it), by index: compact, so millions fit in a partition. */
export interface RowList {
  readonly length: number;
  key(i: number): string;
  bytes(i: number): Uint8Array;
  rec(i: number): RowRec;
}

export function listOf(rows: RowRec[]): RowList {
  return { length: rows.length, key: (i) => rows[i]!.key, bytes: (i) => rows[i]!.bytes, rec: (i) => rows[i]! };
}

const MAX_BUFFER = 1 << 20;
const MIN_BUFFER = 16 << 10;

/** FNV-1a over the key's UTF-16 code units, for choosing a partition (not for identity). */
function partitionOf(key: string, parts: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % parts;
}

class PartFile {
  private readonly fd: number;
  private buf: Buffer;
  private len = 0;
  rows = 0;
  constructor(
    readonly path: string,
    bufferBytes: number,
  ) {
    this.fd = openSync(path, 'w', 0o600);
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }
  add(r: RowRec): void {
    const most = 16 + r.key.length * 3 + r.bytes.length; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (this.len + most > this.buf.length) this.flush();
    if (most > this.buf.length) this.buf = Buffer.allocUnsafe(most);
    const klen = this.buf.write(r.key, this.len + 16, 'utf8');
    this.buf.writeDoubleLE(r.row, this.len);
    this.buf.writeUInt32LE(klen, this.len + 8);
    this.buf.writeUInt32LE(r.bytes.length, this.len + 12);
    this.buf.set(r.bytes, this.len + 16 + klen);
    this.len += 16 + klen + r.bytes.length;
    this.rows++;
  }
  flush(): void {
    let o = 0;
    while (o < this.len) o += writeSync(this.fd, this.buf, o, this.len - o);
    this.len = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export class PartitionSpill {
  readonly dir: string;
  private readonly files: [PartFile[], PartFile[]];
  private closed = false;

  /** `bufferBytes`: write buffer per partition file (clamped to 16 KiB..1 MiB); there are 2 × parts of them. */
  constructor(
    readonly parts: number,
    opts: { dir?: string | undefined; bufferBytes?: number } = {},
  ) {
    this.dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'cognify-diff-'));
    const size = Math.max(MIN_BUFFER, Math.min(MAX_BUFFER, Math.floor(opts.bufferBytes ?? MAX_BUFFER)));
    const made: PartFile[] = [];
    try {
      const make = (side: string) =>
        Array.from({ length: parts }, (_, p) => {
          const f = new PartFile(join(this.dir, `${side}${p}`), size);
          made.push(f);
          return f;
        });
      this.files = [make('a'), make('b')];
    } catch (e) {
      for (const f of made) f.close();
      rmSync(this.dir, { recursive: true, force: true });
      throw e;
    }
  }

  add(side: 0 | 1, r: RowRec): void {
    this.files[side][partitionOf(r.key, this.parts)]!.add(r);
  }

  /** Ends writing; partitions can then be read. */
  finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const side of this.files) for (const f of side) f.close();
  }

  /** One side of one partition, in the order its rows were added: offsets into the file's bytes, no object per row. */
  read(side: 0 | 1, part: number): RowList {
    const f = this.files[side][part]!;
    const data = readFileSync(f.path);
    const n = f.rows;
    const rows = new Float64Array(n);
    const keyAt = new Uint32Array(n + 1); // key k is data[keyAt[k], keyEnd[k]), its row bytes follow up to keyAt[k + 1] - 16
    const keyEnd = new Uint32Array(n);
    let o = 0;
    for (let k = 0; k < n; k++) {
      rows[k] = data.readDoubleLE(o);
      const klen = data.readUInt32LE(o + 8);
      const blen = data.readUInt32LE(o + 12);
      keyAt[k] = o + 16;
      keyEnd[k] = o + 16 + klen;
      o += 16 + klen + blen;
    }
    keyAt[n] = o + 16;
    const bytes = (i: number) => data.subarray(keyEnd[i]!, keyAt[i + 1]! - 16);
    const key = (i: number) => data.toString('utf8', keyAt[i]!, keyEnd[i]!);
    return { length: n, key, bytes, rec: (i) => ({ row: rows[i]!, key: key(i), bytes: bytes(i) }) };
  }

  /** Removes the files; safe to call more than once, and after an error. */
  remove(): void {
    if (!this.closed) {
      try {
        this.finish();
      } catch {
        // closing can fail on a full disk; the directory is removed regardless
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
