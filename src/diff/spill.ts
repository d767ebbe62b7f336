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
  rec(i: number): RowRec;
}

export function listOf(rows: RowRec[]): RowList {
  return { length: rows.length, key: (i) => rows[i]!.key, rec: (i) => rows[i]! };
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
    const at = new Float64Array(n); // record offsets
    let o = 0;
    for (let k = 0; k < n; k++) {
      at[k] = o;
      o += 16 + data.readUInt32LE(o + 8) + data.readUInt32LE(o + 12);
    }
    return {
      length: n,
      key(i) {
        const r = at[i]!;
        return data.toString('utf8', r + 16, r + 16 + data.readUInt32LE(r + 8));
      },
      rec(i) {
        const r = at[i]!;
        const klen = data.readUInt32LE(r + 8);
        const blen = data.readUInt32LE(r + 12);
        return { row: data.readDoubleLE(r), key: data.toString('utf8', r + 16, r + 16 + klen), bytes: data.subarray(r + 16 + klen, r + 16 + klen + blen) };
      },
    };
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
