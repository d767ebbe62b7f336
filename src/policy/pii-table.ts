// scanTable: one streaming pass over a table's bytes that finds identifiers of the HIPAA Safe Harbor
// kinds (pii-detect.ts) in every cell and returns counts per kind and per column (or JSON path),
// with a bounded sample of masked locations (pii-scan.ts) — `cognify scan` (issue 5).
//
// Memory holds one chunk of input and a row that spans chunks, never the file (Parquet aside, see
// ScanTableOptions.parquetFile). CSV/TSV rows are split in pii-table-csv.ts (the diff layer's
// scanner and parsers read any row it does not expect), JSONL rows are cut by the diff layer's
// scanner and parsed with JSON.parse (parseJsonlRow for any line that fails); bad input fails as it
// fails commit, with the diff layer's InputError naming the line. CSV/TSV columns are the header's
// names ("column 1" … without a header); JSONL and Parquet columns are JSON pointers with array
// indexes as "*" (pii-table-json.ts). Speed: pii-table-csv.ts; measured by bench/scan.ts.

import { InputError } from '../core/errors.js';
import { createCsvScanner } from '../diff/csv-scanner.js';
import { peek } from '../diff/ingest.js';
import { createJsonlScanner } from '../diff/jsonl-scanner.js';
import { sniffCsvDialect, type CsvDialect } from '../diff/csv-parse.js';
import { escapePointerToken } from '../diff/jsonl-parse.js';
import { parquetRows, type RandomAccessBytes } from '../diff/parquet.js';
import type { RowBoundaryScanner } from '../diff/rows.js';
import { CsvTableScan, type CsvScanDialect } from './pii-table-csv.js';
import { JsonTableScan } from './pii-table-json.js';
import { PiiScanAccumulator, type PiiScanResult } from './pii-scan.js';

/** The dialect a dataset-version object records (src/diff/dataset-types.ts). */
export interface RecordedDialect {
  delimiter: string;
  quote: string;
  header: boolean;
  bom?: boolean;
  lineEnding?: '\n' | '\r\n';
}

export interface ScanTableOptions {
  format: 'csv' | 'tsv' | 'jsonl' | 'parquet';
  /**
   * CSV/TSV: the dialect as a dataset version records it, or as src/diff's CsvDialect (byte codes;
   * `header` defaults to true). null: TSV is tab-separated without quoting, CSV is sniffed from its
   * first 64 KiB (sniffCsvDialect). Ignored for JSONL and Parquet.
   */
  dialect: RecordedDialect | (CsvDialect & { header?: boolean }) | null;
  /** The version's key: its values label the rows of locations (never when a key value is itself an identifier). */
  key: { columns: string[] } | { pointer: string } | null;
  /** Locations kept (default 100). */
  maxLocations?: number;
  /** Distinct columns or paths counted separately (default 10,000); the rest count under OTHER_COLUMNS. */
  maxColumns?: number;
  signal?: AbortSignal;
  /** Bytes read so far, after each chunk. */
  onProgress?: (bytes: number) => void;
  /**
   * Parquet only: random access to the same file (src/diff/parquet.ts fileAsyncBuffer or
   * storedAsyncBuffer), read one row group at a time; `chunks` is then not read. Without it the
   * Parquet bytes are held in memory while they are scanned, since its footer is at the end.
   */
  parquetFile?: RandomAccessBytes;
  /** Prefixed to error messages (a path, or "name@N"). */
  name?: string;
  /**
   * CSV/TSV: let each column remember what it found in values it has seen (bounded; see
   * pii-csv-columns.ts), which pays on repeated values. Default true; false measures without it.
   */
  valueCache?: boolean;
}

export type TableScanResult = PiiScanResult & { bytes: number };

const SNIFF_BYTES = 64 * 1024;

export async function scanTable(chunks: AsyncIterable<Uint8Array>, opts: ScanTableOptions): Promise<TableScanResult> {
  const acc = new PiiScanAccumulator({ maxLocations: opts.maxLocations ?? 100, maxColumns: opts.maxColumns ?? 10_000 });
  try {
    const bytes = await _scan(chunks, opts, acc);
    return { ...acc.result(), bytes };
  } catch (e) {
    if (e instanceof InputError && opts.name !== undefined && !e.message.startsWith(opts.name)) {
      throw new InputError(e.code, `${opts.name}: ${e.message}`, { ...e.data, name: opts.name }, e);
    }
    throw e;
  }
}

async function _scan(chunks: AsyncIterable<Uint8Array>, opts: ScanTableOptions, acc: PiiScanAccumulator): Promise<number> {
  const maxColumns = opts.maxColumns ?? 10_000;
  switch (opts.format) {
    case 'csv':
    case 'tsv': {
      if (opts.key && !('columns' in opts.key)) throw new InputError('USAGE', `key ${opts.key.pointer} is a JSON pointer; a ${opts.format} file is keyed by column names`, { key: opts.key.pointer });
      let source = chunks;
      let dialect = _dialect(opts.format, opts.dialect);
      if (dialect === null) {
        const p = await peek(chunks, SNIFF_BYTES);
        source = p.rest;
        dialect = { delimiter: p.head.length ? sniffCsvDialect(p.head).delimiter : 0x2c, quote: 0x22, header: true };
      }
      createCsvScanner(dialect); // checks the delimiter and quote bytes
      const table = new CsvTableScan(acc, dialect, opts.key, opts.valueCache ?? true);
      let bytes = 0;
      for await (const chunk of source) {
        opts.signal?.throwIfAborted();
        if (!(chunk instanceof Uint8Array)) throw new TypeError('expected Uint8Array chunks');
        table.push(chunk);
        bytes += chunk.length;
        opts.onProgress?.(bytes);
      }
      opts.signal?.throwIfAborted();
      table.end();
      return bytes;
    }
    case 'jsonl': {
      const table = new JsonTableScan(acc, _pointer(opts.key), maxColumns);
      return _rows(chunks, createJsonlScanner(), opts, (b, e, o) => table.block(b, e, o));
    }
    case 'parquet': {
      const table = new JsonTableScan(acc, _pointer(opts.key), maxColumns);
      let file: RandomAccessBytes | Uint8Array;
      let bytes: number;
      if (opts.parquetFile) {
        file = opts.parquetFile;
        bytes = file.byteLength;
      } else {
        // hyparquet reads the footer first, then row groups by offset: without random access the
        // file has to be in memory (documented on ScanTableOptions.parquetFile).
        file = await _collect(chunks, opts);
        bytes = file.length;
      }
      for await (const r of parquetRows(file, { name: opts.name ?? 'input', ...(opts.signal ? { signal: opts.signal } : {}) })) table.row(r.value);
      opts.onProgress?.(bytes);
      return bytes;
    }
    default:
      throw new InputError('USAGE', `cannot scan format ${JSON.stringify(opts.format)}; formats are csv, tsv, jsonl, parquet`, { format: opts.format });
  }
}

/** The CSV/TSV dialect as byte codes, or null to sniff one. */
function _dialect(format: 'csv' | 'tsv', d: ScanTableOptions['dialect']): CsvScanDialect | null {
  if (d === null || d === undefined) return format === 'tsv' ? { delimiter: 0x09, quote: null, header: true } : null;
  if (typeof d.delimiter === 'string') {
    const r = d as RecordedDialect;
    if (r.delimiter.length !== 1) throw new InputError('USAGE', `expected a one-character delimiter, got ${JSON.stringify(r.delimiter)}`, { delimiter: r.delimiter });
    return { delimiter: r.delimiter.charCodeAt(0), quote: r.quote === '' ? null : r.quote.charCodeAt(0), header: r.header };
  }
  const c = d as CsvDialect & { header?: boolean };
  return { delimiter: c.delimiter, quote: c.quote === undefined ? 0x22 : c.quote, header: c.header ?? true };
}

function _pointer(key: ScanTableOptions['key']): string | null {
  if (key === null || key === undefined) return null;
  if ('pointer' in key) return key.pointer;
  // Parquet versions record a pointer; a single column name means the member of that name.
  if (key.columns.length !== 1) throw new InputError('USAGE', 'a JSON row is keyed by one JSON pointer such as /id', { key: key.columns });
  return `/${escapePointerToken(key.columns[0]!)}`;
}

/**
 * Feed the source through a row-boundary scanner and hand `block` each run of whole rows: the bytes
 * (a view of the chunk when no row spans chunks), their row ends relative to the first byte, and
 * the file offset of that byte. Returns the bytes read.
 */
async function _rows(
  source: AsyncIterable<Uint8Array>,
  scanner: RowBoundaryScanner,
  opts: ScanTableOptions,
  block: (bytes: Uint8Array, ends: number[], offset: number) => void,
): Promise<number> {
  let pending: Uint8Array[] = []; // bytes after the last row end, copied (sources may reuse buffers)
  let pendingBytes = 0;
  let base = 0; // file offset of the next chunk
  let start = 0; // file offset of pending[0]
  for await (const chunk of source) {
    opts.signal?.throwIfAborted();
    if (!(chunk instanceof Uint8Array)) throw new TypeError('expected Uint8Array chunks');
    const ends = scanner.push(chunk);
    if (ends.length === 0) {
      if (chunk.length) pending.push(chunk.slice());
      pendingBytes += chunk.length;
    } else {
      const cut = ends[ends.length - 1]! - base;
      const head = chunk.subarray(0, cut);
      const bytes = pendingBytes === 0 ? head : _concat([...pending, head], pendingBytes + cut);
      for (let i = 0; i < ends.length; i++) ends[i] = ends[i]! - start;
      block(bytes, ends, start);
      start = base + cut;
      pending = cut < chunk.length ? [chunk.slice(cut)] : [];
      pendingBytes = chunk.length - cut;
    }
    base += chunk.length;
    opts.onProgress?.(base);
  }
  opts.signal?.throwIfAborted();
  const ends = scanner.end(); // throws on an unterminated quote, with its line and column
  if (ends.length) {
    for (let i = 0; i < ends.length; i++) ends[i] = ends[i]! - start;
    block(_concat(pending, pendingBytes), ends, start);
  }
  return base;
}

function _concat(parts: readonly Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function _collect(chunks: AsyncIterable<Uint8Array>, opts: ScanTableOptions): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    opts.signal?.throwIfAborted();
    parts.push(c.slice());
    n += c.length;
    opts.onProgress?.(n);
  }
  return _concat(parts, n);
}
