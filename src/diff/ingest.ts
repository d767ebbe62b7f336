// One streaming pass over a table file, the first half of `dataset commit`: find rows, cut
// row-aligned chunks, hand each chunk to the store, build the recipe tree, hash the whole file,
// and parse every row once — to validate it (bad input fails here, naming line and column) and
// to infer the schema. Memory holds one chunk and the schema accumulators, never the file.
import type { CryptoProvider } from '../core/crypto-provider.js';
import { InputError } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import type { TableFormat } from './rows.js';
import { createCsvScanner } from './csv-scanner.js';
import { createJsonlScanner } from './jsonl-scanner.js';
import { sniffTableFormat } from './table-format.js';
import { checkWidth, parseCsvRow, readHeader, sniffCsvDialect, type SniffedDialect } from './csv-parse.js';
import { CsvSchemaAccumulator } from './csv-schema.js';
import { JsonSchemaAccumulator, parseJsonlRow } from './jsonl-parse.js';
import { chunkRows, type ChunkerOptions } from './row-chunker.js';
import { RecipeBuilder, type PutNode, type RecipeEntry } from './recipe-tree.js';
import type { KeySpec } from './changes.js';
import { fieldsKey, jsonKey, keyText, parseKeyOption, type KeyOf } from './keys.js';
import { DuplicateDetector, type DuplicateOptions, type DuplicateReport } from './duplicates.js';

/** The formats ingestTable reads. */
export type IngestFormat = 'csv' | 'tsv' | 'jsonl';

export interface IngestOptions {
  source: AsyncIterable<Uint8Array>;
  /** csv, tsv or jsonl; default: sniffed from the first bytes. */
  format?: TableFormat;
  /** Shown in error messages (a path, or "input"). */
  name?: string;
  crypto: CryptoProvider;
  /** Store a chunk (id = SHA-256 of its bytes) unless present; resolves true when it was new. */
  putChunk: (id: Uint8Array, bytes: Uint8Array) => Promise<boolean>;
  /** Many chunks at once (one store round trip per batch); used instead of putChunk when given. */
  putChunks?: (chunks: { id: Uint8Array; bytes: Uint8Array }[]) => Promise<boolean[]>;
  putNode: PutNode;
  chunker?: ChunkerOptions;
  /**
   * Row key: `--key` text (columns for CSV/TSV, a JSON pointer for JSONL), a KeySpec, or a function
   * of the format read (for a key that applies only to some formats). With a key, every row must
   * have it and repeated keys are counted.
   */
  key?: string | KeySpec | ((format: IngestFormat) => KeySpec);
  /** Memory budget and temporary directory of the duplicate count. */
  duplicates?: DuplicateOptions;
  signal?: AbortSignal;
}

export interface IngestResult {
  format: IngestFormat;
  dialect: { delimiter: string; quote: string; header: boolean; bom: boolean; lineEnding: '\n' | '\r\n' } | null;
  sha256: string;
  bytes: number;
  /** Data rows (a CSV/TSV header is not counted). */
  rows: number;
  recipe: { root: Uint8Array; depth: number; chunks: number } | null;
  schema: { columns: { name: string; type: string; empties: number }[] } | { paths: { path: string; types: string[]; rows: number }[] };
  newChunks: number;
  newBytes: number;
}

/** What ingestTable adds for a table read row by row. */
export interface TableIngestResult extends IngestResult {
  /** The key the rows were checked against, or null. */
  key: KeySpec;
  /** Repeated keys (null without a key). */
  duplicates: DuplicateReport | null;
}

/** A key for the format read: text parsed by parseKeyOption; a spec of the wrong kind refused. */
function resolveKey(key: IngestOptions['key'], format: IngestFormat): KeySpec {
  const kind = format === 'jsonl' ? 'json' : 'fields';
  const spec = typeof key === 'string' ? parseKeyOption(key, kind) : typeof key === 'function' ? key(format) : (key ?? null);
  if (spec && ('pointer' in spec) !== (kind === 'json')) {
    throw new InputError('USAGE', `key ${keyText(spec)} does not fit a ${format} file: use ${kind === 'json' ? 'a JSON pointer such as /id' : 'column names such as id or region,id'}`, { key: keyText(spec) });
  }
  return spec;
}

const SNIFF_BYTES = 64 * 1024;

/** Read up to `n` bytes ahead without losing them: returns the head and a source that replays it. */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    held.push(r.value.slice()); // sources may reuse their buffers
    size += r.value.length;
  }
  const head = new Uint8Array(size);
  let o = 0;
  for (const h of held) {
    head.set(h, o);
    o += h.length;
  }
  async function* rest(): AsyncIterable<Uint8Array> {
    if (head.length) yield head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head, rest: rest() };
}

/** A tee over the source that hashes the whole file and counts its bytes as it passes. */
async function* hashing(source: AsyncIterable<Uint8Array>, crypto: CryptoProvider, total: { bytes: number; digest?: Uint8Array }, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const h = crypto.createSha256();
  for await (const piece of source) {
    signal?.throwIfAborted();
    h.update(piece);
    total.bytes += piece.length;
    yield piece;
  }
  total.digest = h.digest();
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

export async function ingestTable(opts: IngestOptions): Promise<TableIngestResult> {
  const { crypto } = opts;
  const name = opts.name ?? 'input';
  const { head, rest } = await peek(opts.source, SNIFF_BYTES);
  const format = opts.format ?? sniffTableFormat(head);
  if (format === 'parquet') throw new InputError('USAGE', `${name}: a Parquet file is not a row-text table; ingest it with ingestParquet (src/diff/parquet.ts), as repo.datasets.commit does`, { name });

  let sniffed: SniffedDialect | undefined;
  const dialect = format === 'jsonl' ? undefined : { delimiter: format === 'tsv' ? 0x09 : (sniffed = head.length ? sniffCsvDialect(head) : undefined)?.delimiter ?? 0x2c, quote: format === 'tsv' ? null : 0x22 };

  const key = resolveKey(opts.key, format);
  const dups = key ? new DuplicateDetector(opts.duplicates) : undefined;
  let keyOfFields: ((fields: readonly string[]) => KeyOf) | undefined;
  const keyOfJson = key && 'pointer' in key ? jsonKey(key, name) : undefined;

  const total: { bytes: number; digest?: Uint8Array } = { bytes: 0 };
  const builder = new RecipeBuilder(opts.putNode);
  const csvSchema: { acc?: CsvSchemaAccumulator; width: number } = { width: 0 };
  const jsonSchema = new JsonSchemaAccumulator();
  let header: string[] | undefined;
  let recipeRows = 0;
  let chunks = 0;
  let newChunks = 0;
  let newBytes = 0;
  let line = 1; // first physical line of the next row

  // Chunks go to the store in batches of up to 1 MiB: one lookup and one write per batch, with
  // one batch in flight while the next is cut (the pass waits only when a second one is ready).
  let batch: { id: Uint8Array; bytes: Uint8Array }[] = [];
  let batchBytes = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    await inFlight;
    if (!batch.length) return;
    const sent = batch;
    batch = [];
    batchBytes = 0;
    inFlight = opts.putChunks!(sent).then((fresh) =>
      fresh.forEach((isNew, k) => {
        if (!isNew) return;
        newChunks++;
        newBytes += sent[k]!.bytes.length;
      }),
    );
    // A failed write is reported by the next flush (or the last one, below).
    inFlight.catch(() => undefined);
  };
  const store = async (id: Uint8Array, bytes: Uint8Array) => {
    if (!opts.putChunks) {
      if (await opts.putChunk(id, bytes)) {
        newChunks++;
        newBytes += bytes.length;
      }
      return;
    }
    batch.push({ id, bytes });
    batchBytes += bytes.length;
    if (batchBytes >= 1 << 20) await flush();
  };

  let duplicates: DuplicateReport | null = null;
  try {
    for await (const chunk of chunkRows(hashing(rest, crypto, total, opts.signal), dialect ? createCsvScanner(dialect) : createJsonlScanner(), opts.chunker)) {
      let start = 0;
      for (const end of chunk.rowEnds) {
        const row = chunk.bytes.subarray(start, end);
        const where = { line, offset: chunk.offset + start };
        if (dialect) {
          if (!header) {
            header = readHeader(row, dialect);
            csvSchema.acc = new CsvSchemaAccumulator(header);
            csvSchema.width = header.length;
            // Checked here, before the first chunk is stored: a wrong key column writes nothing.
            if (key && 'columns' in key) keyOfFields = fieldsKey(key, header, 'the header');
          } else {
            const fields = parseCsvRow(row, dialect, where);
            checkWidth(fields, csvSchema.width, where);
            csvSchema.acc!.add(fields);
            if (keyOfFields) {
              const k = keyOfFields(fields);
              dups!.add(k.id, k.shown, line);
            }
          }
        } else {
          const value = parseJsonlRow(row, where);
          jsonSchema.add(value);
          if (keyOfJson) {
            const k = keyOfJson(value, line);
            dups!.add(k.id, k.shown, line);
          }
        }
        // A row ends in one newline; more only inside quoted fields (one native search finds out).
        const nl = row.indexOf(0x0a);
        line += nl === -1 ? 0 : nl === row.length - 1 ? 1 : countNewlines(row);
        start = end;
      }
      await dups?.drain();
      const id = crypto.sha256(chunk.bytes);
      await store(id, chunk.bytes);
      const entry: RecipeEntry = { id, rows: chunk.rows, bytes: chunk.bytes.length };
      builder.add(entry);
      recipeRows += chunk.rows;
      chunks++;
    }
    await flush();
    await inFlight;
    if (dups) duplicates = await dups.finish();
  } finally {
    await dups?.close();
  }
  const tree = builder.finish();
  const lineEnding = sniffed?.lineEnding ?? (head.indexOf(0x0a) > 0 && head[head.indexOf(0x0a) - 1] === 0x0d ? '\r\n' : '\n');
  return {
    format,
    dialect: dialect
      ? { delimiter: String.fromCharCode(dialect.delimiter), quote: dialect.quote === null ? '' : '"', header: true, bom: head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf, lineEnding }
      : null,
    sha256: toHex(total.digest!),
    bytes: total.bytes,
    rows: dialect && header ? recipeRows - 1 : recipeRows,
    recipe: tree ? { root: tree.root.id, depth: tree.depth, chunks } : null,
    schema: dialect
      ? { columns: (csvSchema.acc?.result().columns ?? []).map((c) => ({ name: c.name, type: c.type, empties: c.empties })) }
      : { paths: jsonSchema.result().paths.map((p) => ({ path: p.path, types: Object.keys(p.types).sort(), rows: p.rows })) },
    newChunks,
    newBytes,
    key,
    duplicates,
  };
}
