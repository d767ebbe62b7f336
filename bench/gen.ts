// Reproducible synthetic datasets for the dataset benchmarks, and the small fixtures in
// fixtures/datasets/ (made by the same code with fixed seeds).
//
//   node dist/bench/gen.js --format csv|jsonl --rows N --seed S --out FILE [--multiline]
//   node dist/bench/gen.js --from BASE --seed S --edits N --inserts N --deletes N [--shuffle] --out FILE [--truth FILE]
//   node dist/bench/gen.js --fixtures DIR
//
// Everything is a pure function of the seed: row i of a base file depends only on (seed, i), so
// the same command gives byte-identical output on any machine (no Date.now, no Math.random, no
// locale-dependent formatting). Files are written through a WriteStream in 64 KiB pieces that
// wait for 'drain', and read back as a stream, so 10M rows (about 1.6 GB of CSV) need no more
// memory than the positions of the changes, plus one shuffle bucket (≤ 64 MB of text) with --shuffle.
//
// A modified version comes with OUT.truth.json: the ids of exactly the rows that were modified,
// inserted and deleted, so a benchmark can check that every tool finds the same changes.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InputError } from '../src/core/errors.js';

export type GenFormat = 'csv' | 'jsonl';

// ---- PRNG --------------------------------------------------------------------------------------

/** 32-bit finaliser of MurmurHash3 (fmix32): mixes seeds so nearby inputs give unrelated streams. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stream seed from a few integers (e.g. seed, row index, purpose tag). */
export function seedOf(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Split 53-bit integers into two 32-bit halves so row indices above 2^32 still differ.
    h = mix32(h ^ (p >>> 0));
    h = mix32(h ^ (Math.floor(p / 0x1_0000_0000) >>> 0));
  }
  return h;
}

const TAG = { row: 1, edit: 2, insert: 3, positions: 4, shuffle: 5, fixture: 6 } as const;

/**
 * mulberry32 (Tommy Ettinger, public domain): one 32-bit word of state, period 2^32, passes
 * gjrand/PractRand to several GB — ample for picking words and positions (not for cryptography).
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Next uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }
  /** Uniform integer in [0, n), n ≤ 2^53. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new RangeError('pick from an empty list');
    return x;
  }
  shuffle<T>(xs: T[]): T[] {
    // Fisher–Yates (Knuth, TAOCP vol. 2, 3.4.2, Algorithm P).
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i]!;
      xs[i] = xs[j]!;
      xs[j] = t;
    }
    return xs;
  }
}

/** k distinct integers from [0, n), in random order (Floyd's algorithm, then a shuffle). */
export function sampleDistinct(rng: Rng, n: number, k: number): number[] {
  if (k > n) throw new InputError('INPUT_INVALID', `cannot choose ${k} distinct rows out of ${n}`, { n, k });
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return rng.shuffle([...chosen]);
}

// ---- text pools (all invented; no real people) ------------------------------------------------

const FIRST = ['Ada', 'Bilal', 'Chen', 'Dagny', 'Emeka', 'Freya', 'Goran', 'Hana', 'Inès', 'Jonah', 'Kalani', 'Leif', 'Mireille', 'Noor', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Søren', 'Tomás', 'Ulla', 'Vikram', 'Wen', 'Yusuf', 'Zoë', '静'] as const;
const LAST = ['Abara', 'Brandt', 'Castellano', 'Dubois', 'Eklund', 'Farouk', 'García', 'Haddad', 'Ishikawa', 'Jovanović', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quist', 'Rahman', 'Silva', 'Tanaka', 'Urquhart', 'Varga', 'Whitlock', 'Xu', 'Yilmaz', '陈'] as const;

/** Lower-case ASCII form of a name for e-mail addresses ("Zoë" → "zoe"; CJK → "user"). */
function slug(s: string): string {
  const a = s.replace(/ø/g, 'o').normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
  return a === '' ? 'user' : a;
}
const FIRST_SLUG = FIRST.map(slug);
const LAST_SLUG = LAST.map(slug);

const COUNTRIES = ['GB', 'IE', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE', 'PL', 'US', 'CA', 'JP', 'SG', 'AU'] as const;
const CURRENCIES = ['GBP', 'EUR', 'USD', 'JPY', 'SGD', 'AUD', 'CAD', 'SEK', 'PLN'] as const;
const CHANNELS = ['web', 'app', 'branch', 'phone', 'partner'] as const;
const STATUSES = ['approved', 'declined', 'pending', 'refunded', 'disputed', 'closed'] as const;
const COMMENTS = [
  'customer asked about fees',
  'card replaced, old card frozen',
  'refund issued, awaiting settlement',
  'said the charge was "unexpected"',
  'escalated to tier 2',
  'address updated; ID checked',
  'duplicate payment, reversed',
  'promised call-back, 2 days',
  'asked for "premium" upgrade, declined',
  'FX rate queried — explained',
  'no action needed',
  'complaint logged, ref sent',
] as const;
// Short turns keep a JSONL row near 200 bytes, like a CSV row; pairs match by index.
const USER_MSGS = [
  'Charged twice for one payment?',
  'How do I freeze my card?',
  'Can I move my loan payment date?',
  'My transfer abroad is late.',
  'What rate does the saver pay?',
  'The app locked me out.',
] as const;
const ASSISTANT_MSGS = [
  'The duplicate drops off within 3 working days.',
  'Cards > Freeze card in the app; it is instant.',
  'Yes, once a year under Loans > Payment date.',
  'It can take 4 working days; it is on its way.',
  '3.1% AER variable, paid monthly.',
  'Tap "Forgot password" to get a one-time code.',
] as const;
const SOURCES = ['helpdesk-export', 'faq-curated', 'agent-rewrite'] as const;

// ---- CSV encoding (RFC 4180) --------------------------------------------------------------------

/** One CSV field: quoted when it holds a comma, quote, CR or LF, with quotes doubled (RFC 4180 §2.6–2.7). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Split one CSV record (terminator already removed) into fields, undoing RFC 4180 quoting. */
export function splitCsvRecord(rec: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (rec.charCodeAt(i) === 34 /* " */) {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = rec.indexOf('"', j);
        if (q < 0) throw new InputError('INPUT_INVALID', 'unterminated quoted field', { record: rec.slice(0, 80) });
        v += rec.slice(j, q);
        if (rec.charCodeAt(q + 1) === 34) {
          v += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = rec.indexOf(',', i);
      out.push(rec.slice(i, c < 0 ? rec.length : c));
      i = c < 0 ? rec.length : c;
    }
    if (i >= rec.length) return out;
    i++; // the comma
    if (i === rec.length) {
      out.push('');
      return out;
    }
  }
}

// ---- benchmark rows ------------------------------------------------------------------------------

export const BENCH_CSV_HEADER = 'id,created_at,customer,email,country,amount,currency,channel,status,score,comment';
const ID_WIDTH = 9;

/** Row ids: "r" + 9 digits, so they sort in generation order and stay short (10M → r010000000). */
export function formatId(n: number): string {
  return 'r' + String(n).padStart(ID_WIDTH, '0');
}

// Timestamps fall in the two years from 2024-01-01. Date#toISOString took a third of the time of a
// row, so the day strings are tabulated once and the time of day is assembled from two-digit strings.
const SPAN_DAYS = 731;
const DAYS = Array.from({ length: SPAN_DAYS }, (_, d) => new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10));
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** ISO 8601 UTC timestamp, `s` seconds after 2024-01-01T00:00:00Z (s < SPAN_DAYS days). */
function isoSeconds(s: number): string {
  const t = s % 86400;
  return `${DAYS[(s - t) / 86400]}T${TWO[(t / 3600) | 0]}:${TWO[((t / 60) | 0) % 60]}:${TWO[t % 60]}Z`;
}

const TWO_DEC = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
/** "1234.05" from 123405 (Number#toFixed was the slowest call in a row). */
const cents = (n: number): string => `${Math.floor(n / 100)}.${TWO_DEC[n % 100]}`;

/** Build the text of one comment: 1–2 phrases, sometimes (with `multiline`) across two lines. */
function comment(rng: Rng, multiline: boolean): string {
  let c = rng.pick(COMMENTS);
  if (rng.chance(0.5)) c += ', ' + rng.pick(COMMENTS);
  if (multiline && rng.chance(0.02)) c += '\nfollow-up: ' + rng.pick(COMMENTS);
  return c;
}

/** Row `idNum` of a bench CSV (no terminator). Depends only on (seed, idNum, multiline). */
export function benchCsvRow(seed: number, idNum: number, multiline = false): string {
  const rng = new Rng(seedOf(seed, idNum, TAG.row));
  const f = rng.int(FIRST.length);
  const l = rng.int(LAST.length);
  return [
    formatId(idNum),
    isoSeconds(rng.int(SPAN_DAYS * 86400)),
    csvField(`${FIRST[f]} ${LAST[l]}`),
    `${FIRST_SLUG[f]}.${LAST_SLUG[l]}${rng.int(1000)}@example.test`,
    rng.pick(COUNTRIES),
    cents(rng.int(500_000)),
    rng.pick(CURRENCIES),
    rng.pick(CHANNELS),
    rng.pick(STATUSES),
    '0.' + String(rng.int(10_000)).padStart(4, '0'),
    csvField(comment(rng, multiline)),
  ].join(',');
}

/** Row `idNum` of a bench JSONL file (no terminator): chat-format, like the fine-tuning data. */
export function benchJsonlRow(seed: number, idNum: number): string {
  const rng = new Rng(seedOf(seed, idNum, TAG.row));
  const t = rng.int(USER_MSGS.length);
  return JSON.stringify({
    id: formatId(idNum),
    messages: [
      { role: 'user', content: `${USER_MSGS[t]} (${rng.pick(FIRST)})` },
      { role: 'assistant', content: ASSISTANT_MSGS[t] },
    ],
    meta: { source: rng.pick(SOURCES), lang: 'en', ts: isoSeconds(rng.int(SPAN_DAYS * 86400)) },
  });
}

function benchRow(format: GenFormat, seed: number, idNum: number, multiline: boolean): string {
  return format === 'csv' ? benchCsvRow(seed, idNum, multiline) : benchJsonlRow(seed, idNum);
}

/** A deterministic, always-different edit of one bench row (same id). */
export function editRow(format: GenFormat, rec: string, rng: Rng): string {
  if (format === 'csv') {
    const f = splitCsvRecord(rec);
    if (f.length !== 11) throw new InputError('INPUT_INVALID', `expected 11 fields in a bench CSV row, got ${f.length}`, { id: f[0] });
    const kind = rng.int(3);
    if (kind === 0) f[5] = cents(Math.round(Number(f[5]) * 100) + rng.range(1, 99_999));
    else if (kind === 1) f[8] = rng.pick(STATUSES.filter((s) => s !== f[8]));
    else f[10] = `${f[10]}; corrected: ${rng.pick(COMMENTS)}`;
    return f.map(csvField).join(',');
  }
  const o = JSON.parse(rec) as { messages?: { role: string; content: string }[]; meta?: Record<string, unknown> };
  const last = o.messages?.[o.messages.length - 1];
  if (last && rng.chance(0.7)) last.content += ' Is there anything else I can help with?';
  else o.meta = { ...o.meta, reviewed: true, reviewer: rng.pick(FIRST_SLUG) };
  return JSON.stringify(o);
}

// ---- streaming I/O --------------------------------------------------------------------------------

/** Buffered writer over a WriteStream: 64 KiB writes, waits for 'drain' (backpressure), hashes what it writes. */
export class RecordWriter {
  bytes = 0;
  private parts: string[] = [];
  private pending = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  /** Add one record (terminator included by the caller). Returns a promise only when it had to flush. */
  push(s: string): Promise<void> | undefined {
    this.parts.push(s);
    this.pending += s.length;
    return this.pending >= 65536 ? this.flush() : undefined;
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.pending = 0;
    await this.writeBytes(chunk);
  }
  /** Write bytes as they are, after the text pushed so far. The caller must not reuse `chunk`. */
  async writeBytes(chunk: Buffer): Promise<void> {
    if (this.parts.length > 0) await this.flush();
    this.hash.update(chunk);
    this.bytes += chunk.length;
    // events.once rejects if the stream emits 'error' while we wait.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<{ bytes: number; sha256: string }> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * Cuts text into records: at "\n" (a preceding "\r" is dropped), and for CSV only outside quotes
 * (RFC 4180 §2.6: a quoted field may hold line breaks). Quotes toggle the state; a doubled quote
 * toggles twice, so "" inside a quoted field needs no special case.
 */
export class RecordSplitter {
  private buf = '';
  private pos = 0;
  private inQuotes = false;
  constructor(private readonly csv: boolean) {}
  push(chunk: string): string[] {
    const out: string[] = [];
    const s = (this.buf += chunk);
    let start = 0;
    let i = this.pos;
    if (!this.csv) {
      for (let nl = s.indexOf('\n', i); nl >= 0; nl = s.indexOf('\n', start)) {
        out.push(s.slice(start, nl > start && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
        start = nl + 1;
      }
      i = s.length;
    } else {
      let q = this.inQuotes;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 34) q = !q;
        else if (c === 10 && !q) {
          out.push(s.slice(start, i > start && s.charCodeAt(i - 1) === 13 ? i - 1 : i));
          start = i + 1;
        }
      }
      this.inQuotes = q;
    }
    this.buf = s.slice(start);
    this.pos = i - start;
    return out;
  }
  /** The last record if the input has no final newline. */
  end(): string[] {
    if (this.inQuotes) throw new InputError('INPUT_INVALID', 'input ends inside a quoted field');
    const rest = this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf;
    this.buf = '';
    this.pos = 0;
    return rest === '' ? [] : [rest];
  }
}

/** Stream the records of a file (see RecordSplitter), 1 MiB at a time. */
export async function* readRecords(path: string, format: GenFormat): AsyncGenerator<string> {
  const sp = new RecordSplitter(format === 'csv');
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    yield* sp.push(chunk as string);
  }
  yield* sp.end();
}

/** The id of a bench or fixture row: CSV first field (never quoted), JSONL "id" property. */
export function recordId(format: GenFormat, rec: string): string {
  if (format === 'csv') {
    const c = rec.indexOf(',');
    return c < 0 ? rec : rec.slice(0, c);
  }
  const m = /^\{"id":"([^"\\]*)"/.exec(rec); // our own rows start like this; anything else is parsed
  if (m) return m[1]!;
  const v = JSON.parse(rec) as { id?: unknown };
  if (typeof v.id !== 'string') throw new InputError('INPUT_INVALID', 'JSONL row has no string "id"', { row: rec.slice(0, 80) });
  return v.id;
}

// ---- base files -----------------------------------------------------------------------------------

export interface Progress {
  rows: number;
  bytes: number;
}

export interface GenerateOptions {
  format: GenFormat;
  rows: number;
  seed: number;
  out: string;
  /** CSV only: about 2% of comments span two lines (quoted newline). */
  multiline?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface GenerateResult {
  rows: number;
  bytes: number;
  sha256: string;
}

function checkCount(name: string, n: number, max = 1e9): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new InputError('USAGE', `${name} must be an integer in [0, ${max}], got ${n}`, { [name]: n });
}

/** Write a base file of `rows` rows with ids r000000000 … (rows − 1). */
export async function generateBase(opts: GenerateOptions): Promise<GenerateResult> {
  const { format, rows, seed, out, multiline = false, signal, onProgress } = opts;
  checkCount('rows', rows);
  checkCount('seed', seed, 0xffffffff);
  const w = new RecordWriter(out);
  try {
    if (format === 'csv') w.push(BENCH_CSV_HEADER + '\n');
    for (let i = 0; i < rows; i++) {
      const p = w.push(benchRow(format, seed, i, multiline) + '\n');
      if (p) await p;
      if ((i & 0xffff) === 0xffff) {
        signal?.throwIfAborted();
        onProgress?.({ rows: i + 1, bytes: w.bytes });
      }
    }
    const r = await w.close();
    return { rows, ...r };
  } catch (e) {
    w.destroy();
    throw e;
  }
}

// ---- modified versions -------------------------------------------------------------------------

export interface ModifyOptions {
  from: string;
  out: string;
  /** Defaults to the extension of `from`. */
  format?: GenFormat;
  seed: number;
  edits: number;
  inserts: number;
  deletes: number;
  /** Reorder all rows (uniformly at random) after the other changes. */
  shuffle?: boolean;
  /** Where to write the ground truth; default `${out}.truth.json`. */
  truthOut?: string;
  /** Directory for shuffle buckets; default a new directory beside `out`. */
  tmpDir?: string;
  /** Target size of one shuffle bucket (peak memory); default 64 MiB. Tests set it small to get many buckets. */
  bucketBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** Ground truth of a modified version, by row id. */
export interface Truth {
  format: GenFormat;
  base: { file: string; rows: number };
  out: { file: string; rows: number; bytes: number; sha256: string };
  seed: number;
  shuffled: boolean;
  /** Ids of rows present in both with different content, in base order. */
  modified: string[];
  /** Ids of new rows, in output order (before any shuffle). */
  inserted: string[];
  /** Ids of base rows absent from the output, in base order. */
  deleted: string[];
}

export function formatOf(path: string): GenFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.jsonl$/i.test(path)) return 'jsonl';
  throw new InputError('USAGE', `cannot tell the format of ${path}; pass --format csv|jsonl`, { path });
}

/** Pass 1 over the base: row count, whether it has quoted newlines, and the largest "r<digits>" id. */
async function scanBase(from: string, format: GenFormat): Promise<{ rows: number; maxId: number; multiline: boolean }> {
  let rows = 0;
  let maxId = -1;
  let multiline = false;
  let header = format === 'csv';
  for await (const rec of readRecords(from, format)) {
    if (header) {
      if (rec !== BENCH_CSV_HEADER) throw new InputError('INPUT_INVALID', `${from} is not a bench CSV (header differs)`, { header: rec.slice(0, 120) });
      header = false;
      continue;
    }
    rows++;
    const id = recordId(format, rec);
    if (id.length === ID_WIDTH + 1 && id.charCodeAt(0) === 114 /* r */) maxId = Math.max(maxId, Number(id.slice(1)));
    if (!multiline && format === 'csv' && rec.includes('\n')) multiline = true;
  }
  return { rows, maxId, multiline };
}

/**
 * Write a modified version of `from`: `deletes` rows dropped and `edits` rows changed (distinct
 * rows, chosen uniformly), `inserts` new rows at uniform positions (ids after the largest in the
 * base), then optionally a full shuffle. Streams the base twice (count, then rewrite).
 */
export async function generateModified(opts: ModifyOptions): Promise<Truth> {
  const { from, out, seed, edits, inserts, deletes, shuffle = false, signal, onProgress } = opts;
  const format = opts.format ?? formatOf(from);
  for (const [k, v] of Object.entries({ edits, inserts, deletes })) checkCount(k, v);
  checkCount('seed', seed, 0xffffffff);
  const base = await scanBase(from, format);
  if (edits + deletes > base.rows) throw new InputError('USAGE', `edits + deletes (${edits + deletes}) exceed the ${base.rows} rows of ${from}`);

  // Positions: memory is O(edits + deletes + inserts), independent of the file size.
  const prng = new Rng(seedOf(seed, TAG.positions));
  const picked = sampleDistinct(prng, base.rows, edits + deletes);
  const delSet = new Set(picked.slice(0, deletes));
  const editSet = new Set(picked.slice(deletes));
  const slots = Float64Array.from({ length: inserts }, () => prng.int(base.rows + 1)).sort(); // insert before base row k (k = rows: at the end)

  const truth: Truth = {
    format,
    base: { file: basename(from), rows: base.rows },
    out: { file: basename(out), rows: 0, bytes: 0, sha256: '' },
    seed,
    shuffled: shuffle,
    modified: [],
    inserted: [],
    deleted: [],
  };
  let nextId = base.maxId + 1;
  let slot = 0;
  const sink = shuffle ? await ShuffleSink.open(opts.tmpDir ?? dirname(out), seed, (await stat(from)).size, opts.bucketBytes ?? 64 << 20) : undefined;
  const w = new RecordWriter(out);
  const emit = (rec: string): Promise<void> | undefined => {
    truth.out.rows++;
    return sink ? sink.push(rec) : w.push(rec + '\n');
  };
  try {
    let k = -1; // index of the current base row (−1: CSV header)
    if (format !== 'csv') k = 0;
    const insertUpTo = async (pos: number): Promise<void> => {
      for (; slot < slots.length && slots[slot]! <= pos; slot++) {
        const id = nextId++;
        truth.inserted.push(formatId(id));
        const p = emit(benchRow(format, seedOf(seed, TAG.insert), id, base.multiline));
        if (p) await p;
      }
    };
    for await (const rec of readRecords(from, format)) {
      if (k < 0) {
        const p = w.push(rec + '\n'); // header stays first, never shuffled
        if (p) await p;
        k = 0;
        continue;
      }
      await insertUpTo(k);
      let p: Promise<void> | undefined;
      if (delSet.has(k)) truth.deleted.push(recordId(format, rec));
      else if (editSet.has(k)) {
        truth.modified.push(recordId(format, rec));
        p = emit(editRow(format, rec, new Rng(seedOf(seed, k, TAG.edit))));
      } else p = emit(rec);
      if (p) await p;
      k++;
      if ((k & 0xffff) === 0) {
        signal?.throwIfAborted();
        onProgress?.({ rows: k, bytes: w.bytes });
      }
    }
    await insertUpTo(base.rows);
    if (sink) await sink.drainInto(w, signal);
    Object.assign(truth.out, await w.close());
  } catch (e) {
    w.destroy();
    throw e;
  } finally {
    await sink?.dispose();
  }
  await writeFile(opts.truthOut ?? `${out}.truth.json`, JSON.stringify(truth, null, 1) + '\n');
  return truth;
}

// ---- shuffle ----------------------------------------------------------------------------------------

/**
 * A uniform random permutation without holding the file: each record goes to one of B bucket
 * files chosen uniformly at random, then each bucket is read whole, its records put in a uniformly
 * random order (Fisher–Yates) and appended. Independent uniform bucket labels followed by a uniform
 * order within each bucket give a uniform permutation (the argument for sorting by random keys).
 * B is chosen so a bucket is about 64 MB. In buckets, records end with NUL rather than LF, so a
 * bucket splits with Buffer#indexOf and no quote tracking, and records are copied as bytes, never
 * decoded. Memory: one bucket plus 8 bytes per record in it (about 100 MB); disk: one extra copy.
 */
class ShuffleSink {
  private constructor(
    private readonly dir: string,
    private readonly writers: RecordWriter[],
    private readonly paths: string[],
    private readonly rng: Rng,
  ) {}
  static async open(parent: string, seed: number, estimatedBytes: number, bucketBytes: number): Promise<ShuffleSink> {
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, '.gen-shuffle-'));
    const n = Math.max(1, Math.min(256, Math.ceil(estimatedBytes / bucketBytes)));
    const paths = Array.from({ length: n }, (_, i) => join(dir, `bucket-${i}`));
    return new ShuffleSink(dir, paths.map((p) => new RecordWriter(p)), paths, new Rng(seedOf(seed, TAG.shuffle)));
  }
  /** `rec` without terminator. */
  push(rec: string): Promise<void> | undefined {
    if (rec.includes('\0')) throw new InputError('INPUT_INVALID', '--shuffle cannot handle a row that contains a NUL character', { row: rec.slice(0, 80) });
    return this.writers[this.rng.int(this.writers.length)]!.push(rec + '\0');
  }
  async drainInto(w: RecordWriter, signal?: AbortSignal): Promise<void> {
    for (const bw of this.writers) await bw.close();
    const NL = Buffer.from('\n');
    for (const path of this.paths) {
      signal?.throwIfAborted();
      const buf = await readFile(path);
      await rm(path);
      const ends: number[] = [];
      for (let e = buf.indexOf(0); e >= 0; e = buf.indexOf(0, e + 1)) ends.push(e);
      const order = this.rng.shuffle(Array.from(ends.keys()));
      let out = Buffer.allocUnsafe(1 << 16);
      let used = 0;
      for (const k of order) {
        const s = k === 0 ? 0 : ends[k - 1]! + 1;
        const e = ends[k]!;
        if (used + (e - s) + 1 > out.length) {
          if (used > 0) await w.writeBytes(out.subarray(0, used));
          out = Buffer.allocUnsafe(1 << 16); // the stream may still hold the old one
          used = 0;
        }
        if (e - s + 1 > out.length) {
          await w.writeBytes(buf.subarray(s, e));
          await w.writeBytes(NL);
          continue;
        }
        used += buf.copy(out, used, s, e);
        out[used++] = 10;
      }
      if (used > 0) await w.writeBytes(out.subarray(0, used));
    }
  }
  async dispose(): Promise<void> {
    for (const bw of this.writers) bw.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }
}

// ---- fixtures (fixtures/datasets) ---------------------------------------------------------------

type Msg = { role: 'system' | 'user' | 'assistant'; content: string };
type ChatRow = { id: string; messages: Msg[]; meta: { source: string; lang: 'en' } };

const CHAT_SYSTEM = 'You are the support assistant of Northwind Mutual, a UK bank. Be concise, never ask for a full card number, PIN or password, and offer a human agent for complaints.';
const PLACES = ['Leeds station', 'a café in Bristol', 'the gym', 'Manchester Airport', 'a taxi', 'the supermarket'] as const;
const PRODUCTS = ['Everyday current account', 'Easy-access saver', 'Fixed 2-year mortgage', 'Cashback credit card', 'Personal loan'] as const;
/** Chat topics: [user, assistant], with {first} {name} {last4} {amount} {place} {product} {days} slots. */
const TOPICS: readonly (readonly [string, string])[] = [
  ["Hi, I'm {name}. I think I lost my debit card ending {last4} at {place}.", "I'm sorry to hear that, {first}. I've frozen the card ending {last4}, so no new card payments can go through. You can order a replacement in the app under Cards > Replace card; it arrives in 3–5 working days."],
  ['There is a payment of £{amount} on my {product} that I did not make.', "Thanks for telling us. I've blocked the card and opened a dispute for the £{amount} payment. We'll credit it back within 10 working days while we investigate, and write to you with the outcome."],
  ["Can I overpay my {product} without a fee? I'd like to pay £{amount} extra.", 'Yes. You can overpay up to 10% of the balance each year with no early repayment charge. £{amount} is within that limit; use Mortgage > Make an overpayment in the app.'],
  ["I've moved house. How do I update my address, {first} {last} is the account holder?", 'You can update it in the app under Profile > Address. We may ask for a photo of a utility bill or council tax letter dated in the last 3 months.'],
  ['Why was I charged an overdraft fee of £{amount}? I was only overdrawn for {days} days.', "I've looked at your account: the fee is the daily arranged-overdraft charge for {days} days. As a one-off, I've refunded £{amount}; it will show within 2 working days."],
  ['My international transfer of £{amount} sent {days} days ago has not arrived.', "International payments can take up to 4 working days. I've traced it: it left us on time and is with the receiving bank. If it hasn't arrived in 2 more days, reply here and we'll raise a trace."],
  ['The app locked me out after I got my password wrong. Help!', 'For your security the app locks after 5 attempts. Tap "Forgot password" on the login screen and we will send a one-time code to your registered mobile. Never share that code with anyone, including us.'],
  ["Can I get statements for my {product} for the last {days} months? It's for a mortgage application.", "Of course. You can download up to 7 years of statements as PDFs under Accounts > Statements. If your broker needs stamped copies, I can post them; they'll arrive in 5 working days."],
  ['What rate does the {product} pay at the moment?', 'The {product} currently pays 3.10% AER (variable), with interest paid monthly. Rates can change; we will tell you 14 days before any cut.'],
  ["I'm not happy with how my complaint about £{amount} was handled. I want to escalate.", "I'm sorry, {first}. I've escalated your complaint to our complaints team; they will reply within 8 weeks. If you're still unhappy after that, you can refer it to the Financial Ombudsman Service."],
];
const PHONE_ASIDES = ['You can call me back on 07700 900{ddd}.', 'My number is 07700 900{ddd} if that is easier.', 'Please ring me on 07700 900{ddd} after 5pm.'] as const; // Ofcom's drama range, never a real line
const REPLY_EDITS: readonly (readonly [RegExp, string])[] = [
  [/3–5 working days/, '2–3 working days'],
  [/within 10 working days/, 'within 5 working days'],
  [/3\.10% AER/, '3.35% AER'],
  [/ within 8 weeks\./, ' within 8 weeks, and usually much sooner.'],
  [/$/, ' Is there anything else I can help with today?'],
];

function fill(tpl: string, v: Record<string, string>): string {
  return tpl.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? `{${k}}`);
}

function chatRow(rng: Rng, n: number, phone: boolean, source: string): ChatRow {
  const [u, a] = rng.pick(TOPICS);
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const v: Record<string, string> = {
    first,
    last,
    name: `${first} ${last}`,
    last4: String(rng.range(1000, 9999)),
    amount: (rng.range(500, 250_000) / 100).toFixed(2),
    place: rng.pick(PLACES),
    product: rng.pick(PRODUCTS),
    days: String(rng.range(2, 9)),
    ddd: String(rng.int(1000)).padStart(3, '0'),
  };
  let user = fill(u, v);
  if (phone) user += ' ' + fill(rng.pick(PHONE_ASIDES), v);
  return {
    id: `sc-${String(n).padStart(4, '0')}`,
    messages: [
      { role: 'system', content: CHAT_SYSTEM },
      { role: 'user', content: user },
      { role: 'assistant', content: fill(a, v) },
    ],
    meta: { source, lang: 'en' },
  };
}

export interface FixtureChanges {
  modified: string[];
  inserted: string[];
  deleted: string[];
  moved: string[];
  note: string;
}

/** support-chat v1 (200 rows, 6 with a phone number) and v2 (phones removed, 5 replies edited, 4 added, 1 moved). */
export function supportChat(seed = 1): { v1: ChatRow[]; v2: ChatRow[]; changes: FixtureChanges } {
  const rng = new Rng(seedOf(seed, TAG.fixture, 1));
  const phones = new Set(sampleDistinct(rng, 200, 6));
  const v1 = Array.from({ length: 200 }, (_, i) => chatRow(rng, i + 1, phones.has(i), rng.pick(['helpdesk-export-2025-q4', 'faq-curated'])));
  const changes: FixtureChanges = { modified: [], inserted: [], deleted: [], moved: [], note: '' };
  let v2: ChatRow[] = structuredClone(v1);
  // Rows whose user turn carries a phone number are dropped (PII scrub): /\b07700 900\d{3}\b/.
  changes.deleted = v2.filter((r) => /\b07700 900\d{3}\b/.test(r.messages[1]!.content)).map((r) => r.id);
  v2 = v2.filter((r) => !changes.deleted.includes(r.id));
  // Edit 5 assistant replies, each with an edit that applies to it.
  for (const i of rng.shuffle(v2.map((_, i) => i))) {
    if (changes.modified.length === 5) break;
    const reply = v2[i]!.messages[2]!;
    const edit = REPLY_EDITS.find(([re]) => re.test(reply.content) && re.source !== '$') ?? REPLY_EDITS[REPLY_EDITS.length - 1]!;
    reply.content = reply.content.replace(edit[0], edit[1]);
    changes.modified.push(v2[i]!.id);
  }
  changes.modified.sort();
  // Move one unedited row 50–100 places later.
  let from = rng.range(10, 60);
  while (changes.modified.includes(v2[from]!.id)) from++;
  const [moved] = v2.splice(from, 1);
  if (!moved) throw new RangeError('no row to move');
  v2.splice(from + rng.range(50, 100), 0, moved);
  changes.moved.push(moved.id);
  // Add 4 new rows (new source) at random positions.
  for (let k = 0; k < 4; k++) {
    const row = chatRow(rng, 201 + k, false, 'agent-rewrite-2026-01');
    v2.splice(rng.int(v2.length + 1), 0, row);
    changes.inserted.push(row.id);
  }
  changes.note = 'v2: rows with a phone number in the user turn removed; 5 assistant replies edited; 4 rows added; 1 row moved (content unchanged).';
  return { v1, v2, changes };
}

const CREDIT_HEADER = ['applicant_id', 'application_date', 'age', 'sex', 'ethnicity', 'postcode_area', 'income', 'loan_amount', 'term_months', 'credit_score', 'decision', 'reason_code', 'reason_text'];
const SEXES = ['female', 'male', 'not stated'] as const;
const ETHNICITIES = ['White', 'Asian or Asian British', 'Black, Black British, Caribbean or African', 'Mixed or multiple ethnic groups', 'Other ethnic group', 'Prefer not to say'] as const; // ONS 2021 top-level groups
const POSTCODE_AREAS = ['B', 'BS', 'CF', 'EH', 'G', 'LS', 'M', 'NE', 'NG', 'SE', 'SW', 'L'] as const;
const REASONS: Record<string, string> = {
  A01: 'Meets affordability and score policy',
  D01: 'Credit score below minimum (560)',
  D02: 'Debt-to-income above 40%, affordability not met',
  D03: 'Recent arrears, 2 missed payments in the last 12 months',
  R01: 'Referred: score in manual-review band, 560-619',
  R02: 'Referred: applicant stated "self-employed", income needs 2 years\' accounts',
};
type Credit = { id: string; date: string; age: number; sex: string; eth: string; area: string; income: number; loan: number; term: number; score: number; decision: string; code: string };

function creditRow(rng: Rng, n: number): Credit {
  const age = rng.range(18, 79);
  const income = rng.range(24, 280) * 500;
  const loan = rng.range(4, 200) * 250;
  const term = rng.pick([12, 24, 36, 48, 60, 84]);
  const score = Math.round(450 + (rng.float() + rng.float() + rng.float()) * (400 / 3)); // bell-shaped on 450–850, mean 650
  const payment = loan / term;
  let code = 'A01';
  if (score < 560) code = 'D01';
  else if (payment / (income / 12) > 0.4) code = 'D02';
  else if (rng.chance(0.04)) code = 'D03';
  else if (score < 620) code = 'R01';
  else if (rng.chance(0.05)) code = 'R02';
  const d = new Date(Date.UTC(2025, 6, 1) + rng.int(180) * 86400_000).toISOString().slice(0, 10);
  return { id: `APP-${String(100000 + n)}`, date: d, age, sex: rng.pick(SEXES), eth: rng.pick(ETHNICITIES), area: rng.pick(POSTCODE_AREAS), income, loan, term, score, decision: decisionOf(code), code };
}
const decisionOf = (code: string): string => (code[0] === 'A' ? 'approve' : code[0] === 'D' ? 'decline' : 'refer');

function creditCsv(rows: Credit[], version?: (r: Credit) => string): string {
  const head = version ? [...CREDIT_HEADER, 'model_version'] : CREDIT_HEADER;
  const lines = rows.map((r) => {
    const f = [r.id, r.date, String(r.age), r.sex, r.eth, r.area, String(r.income), String(r.loan), String(r.term), String(r.score), r.decision, r.code, REASONS[r.code] ?? ''];
    if (version) f.push(version(r));
    return f.map(csvField).join(',');
  });
  return [head.join(','), ...lines].join('\r\n') + '\r\n'; // RFC 4180 §2.1: CRLF
}

/** credit-decisions v1 (300 rows) and v2 (model_version column; 12 decisions changed, 7 removed, 9 added). */
export function creditDecisions(seed = 2): { v1: string; v2: string; changes: FixtureChanges } {
  const rng = new Rng(seedOf(seed, TAG.fixture, 2));
  const v1 = Array.from({ length: 300 }, (_, i) => creditRow(rng, i + 1));
  const v2 = structuredClone(v1);
  const picked = sampleDistinct(rng, v2.length, 19);
  const deleted = new Set(picked.slice(0, 7).map((i) => v2[i]!.id));
  const rescored = new Set<string>();
  for (const i of picked.slice(7)) {
    const r = v2[i]!;
    // cdm-2.4.0 re-decides these: refer → approve/decline, decline → refer, approve → refer.
    r.code = r.decision === 'refer' ? (r.score >= 600 ? 'A01' : 'D01') : r.decision === 'decline' ? 'R01' : 'R02';
    r.decision = decisionOf(r.code);
    rescored.add(r.id);
  }
  let rows = v2.filter((r) => !deleted.has(r.id));
  const added: Credit[] = Array.from({ length: 9 }, (_, k) => creditRow(rng, 301 + k));
  rows = [...rows, ...added]; // new applications arrive at the end, by id
  const newer = new Set([...rescored, ...added.map((r) => r.id)]);
  return {
    v1: creditCsv(v1),
    v2: creditCsv(rows, (r) => (newer.has(r.id) ? 'cdm-2.4.0' : 'cdm-2.3.1')),
    changes: {
      modified: [...rescored].sort(),
      inserted: added.map((r) => r.id),
      deleted: [...deleted].sort(),
      moved: [],
      note: 'v2: column model_version added (every row differs in it: cdm-2.3.1, or cdm-2.4.0 for re-decided and new rows); decision/reason_code/reason_text changed in "modified"; "inserted" appended at the end.',
    },
  };
}

const NOTES: readonly (readonly [string, string, string])[] = [
  ['Respiratory', '{age}{sex} with 3 days of productive cough and fever 38.6 °C. CXR: right lower lobe consolidation. CURB-65 score 1. Started oral amoxicillin; review in 48 h.', 'J18.9'],
  ['Cardiology', '{age}{sex} central chest pain radiating to left arm, onset 2 h. ECG: ST elevation II, III, aVF. Troponin raised. Transferred to cath lab; primary PCI to RCA.', 'I21.9'],
  ['Cardiology', '{age}{sex} palpitations, irregularly irregular pulse 118 bpm. ECG: AF. CHA₂DS₂-VASc 3; apixaban started after discussion of bleeding risk.', 'I48.9'],
  ['Endocrinology', '{age}{sex} type 2 diabetes review. HbA1c 64 mmol/mol (was 71). Tolerating metformin 1 g BD. Foot check normal; retinal screening booked.', 'E11.9'],
  ['General Practice', '{age}{sex} BP 152/94 on three readings; home readings similar. QRISK3 14%. Lifestyle advice; started amlodipine 5 mg OD.', 'I10'],
  ['Emergency', '{age}{sex} fall on outstretched hand. Tender distal radius, dinner-fork deformity. X-ray: extra-articular fracture. Closed reduction under haematoma block; backslab applied.', 'S52.5'],
  ['Orthopaedics', '{age}{sex} fall at home, shortened externally rotated left leg. X-ray: intracapsular neck of femur fracture. Listed for hemiarthroplasty; ortho-geriatric review.', 'S72.0'],
  ['Surgery', '{age}{sex} RIF pain 24 h, anorexia, Rovsing positive. WCC 14.2, CRP 88. US: non-compressible appendix. Laparoscopic appendicectomy, uncomplicated.', 'K35.8'],
  ['Urology', '{age}{sex} dysuria and frequency, no loin pain, afebrile. Urine dip: nitrites +, leucocytes ++. Nitrofurantoin 100 mg MR BD for 3 days.', 'N39.0'],
  ['Mental Health', '{age}{sex} low mood and early waking for 6 weeks. PHQ-9 score 16. No active suicidal ideation; safety plan agreed. Referred to talking therapies.', 'F32.9'],
  ['Respiratory', '{age}{sex} known COPD, increased breathlessness and purulent sputum. SpO₂ 88% on air, target 88–92%. Prednisolone 30 mg and doxycycline started.', 'J44.1'],
  ['Paediatrics', '{age}{sex} diarrhoea and vomiting for 2 days, mild dehydration (<5%). Tolerating oral rehydration solution; discharged with safety-netting advice.', 'A09.9'],
];

/** clinical-notes.tsv: 100 synthetic notes (tab-separated; no tabs or newlines inside fields). */
export function clinicalNotes(seed = 3): string {
  const rng = new Rng(seedOf(seed, TAG.fixture, 3));
  const lines = ['note_id\tencounter_date\tdepartment\tauthor_role\tpatient_ref\tnote_text\ticd10'];
  for (let i = 1; i <= 100; i++) {
    const [dept, tpl, code] = rng.pick(NOTES);
    const paed = dept === 'Paediatrics';
    const age = paed ? rng.range(1, 15) : rng.range(19, 94);
    const text = fill(tpl, { age: String(age), sex: rng.pick(['M', 'F']) });
    const date = new Date(Date.UTC(2025, 9, 1) + rng.int(120) * 86400_000).toISOString().slice(0, 10);
    const role = rng.pick(['FY2', 'Registrar', 'Consultant', 'Nurse practitioner']);
    lines.push([`CN-${String(i).padStart(5, '0')}`, date, dept, role, `PT-${rng.range(100000, 999999)}`, text, code].join('\t'));
  }
  return lines.join('\n') + '\n';
}

/** Write every file of fixtures/datasets/ (not the README) into `dir`. Returns the file names. */
export async function writeDatasetFixtures(opts: { dir: string }): Promise<string[]> {
  const { dir } = opts;
  await mkdir(dir, { recursive: true });
  const chat = supportChat();
  const credit = creditDecisions();
  const files: Record<string, string> = {
    'support-chat.v1.jsonl': chat.v1.map((r) => JSON.stringify(r) + '\n').join(''),
    'support-chat.v2.jsonl': chat.v2.map((r) => JSON.stringify(r) + '\n').join(''),
    'support-chat.v2.changes.json': JSON.stringify(chat.changes, null, 1) + '\n',
    'credit-decisions.v1.csv': credit.v1,
    'credit-decisions.v2.csv': credit.v2,
    'credit-decisions.v2.changes.json': JSON.stringify(credit.changes, null, 1) + '\n',
    'clinical-notes.tsv': clinicalNotes(),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return Object.keys(files);
}

// ---- CLI ------------------------------------------------------------------------------------------

const USAGE = `usage:
  gen.js --format csv|jsonl --rows N --seed S --out FILE [--multiline]
  gen.js --from BASE --seed S --edits N --inserts N --deletes N [--shuffle] --out FILE [--truth FILE] [--format csv|jsonl]
  gen.js --fixtures DIR`;

function intFlag(v: string | undefined, name: string, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new InputError('USAGE', `--${name} is required\n${USAGE}`);
    return dflt;
  }
  if (!/^\d+$/.test(v)) throw new InputError('USAGE', `--${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

const CLI_OPTIONS = {
  format: { type: 'string' },
  rows: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  multiline: { type: 'boolean' },
  from: { type: 'string' },
  edits: { type: 'string' },
  inserts: { type: 'string' },
  deletes: { type: 'string' },
  shuffle: { type: 'boolean' },
  truth: { type: 'string' },
  fixtures: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: CLI_OPTIONS, strict: true });
  } catch (e) {
    throw new InputError('USAGE', `${e instanceof Error ? e.message : String(e)}\n${USAGE}`, {}, e);
  }
  const a = parsed.values;
  if (a.format !== undefined && a.format !== 'csv' && a.format !== 'jsonl') throw new InputError('USAGE', `--format must be csv or jsonl, got "${a.format}"`);
  const t0 = performance.now();
  const report = (o: object, bytes: number): void => {
    const s = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ ...o, seconds: +s.toFixed(3), mb_per_s: +(bytes / 1e6 / s).toFixed(1) }));
  };
  const progress = (p: Progress): void => {
    if (process.stderr.isTTY) process.stderr.write(`\r${p.rows.toLocaleString('en-US')} rows`);
  };
  if (a.fixtures !== undefined) {
    const files = await writeDatasetFixtures({ dir: a.fixtures });
    console.log(JSON.stringify({ dir: a.fixtures, files }));
    return;
  }
  if (a.out === undefined) throw new InputError('USAGE', `--out is required\n${USAGE}`);
  const seed = intFlag(a.seed, 'seed');
  if (a.from !== undefined) {
    const t = await generateModified({
      from: a.from,
      out: a.out,
      format: a.format as GenFormat | undefined,
      seed,
      edits: intFlag(a.edits, 'edits', 0),
      inserts: intFlag(a.inserts, 'inserts', 0),
      deletes: intFlag(a.deletes, 'deletes', 0),
      shuffle: a.shuffle ?? false,
      truthOut: a.truth,
      onProgress: progress,
    });
    report({ out: a.out, truth: a.truth ?? `${a.out}.truth.json`, rows: t.out.rows, bytes: t.out.bytes, sha256: t.out.sha256, modified: t.modified.length, inserted: t.inserted.length, deleted: t.deleted.length, shuffled: t.shuffled }, t.out.bytes);
    return;
  }
  if (a.format === undefined) throw new InputError('USAGE', `--format is required\n${USAGE}`);
  const r = await generateBase({ format: a.format, rows: intFlag(a.rows, 'rows'), seed, out: a.out, multiline: a.multiline ?? false, onProgress: progress });
  report({ out: a.out, ...r }, r.bytes);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`gen: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof InputError && e.code === 'USAGE' ? 2 : 1;
  });
}
