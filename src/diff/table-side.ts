// One side of a diff: a stored dataset version or a plain file, seen the same way by the engine
// (src/diff/diff.ts): its format and dialect, its header, its chunks (each with its first row),
// and a way to read a chunk's bytes back. A stored version's chunks come from its recipe tree; a
// plain file is chunked while it streams past (the same row-aligned chunker as commit, so a file
// and the version it was committed as have the same chunk ids), keeping only each chunk's id,
// offset and row count, then only the chunks that differ are read again.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { CryptoProvider } from '../core/crypto-provider.js';
import { InputError, IntegrityError, NotFoundError } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import type { DatasetVersion } from './dataset-types.js';
import type { KeySpec } from './changes.js';
import { createCsvScanner } from './csv-scanner.js';
import { createJsonlScanner } from './jsonl-scanner.js';
import { readHeader, type CsvDialect } from './csv-parse.js';
import { dialectOf, formatFromName, sniffTableFormat } from './table-format.js';
import { chunkRows } from './row-chunker.js';
import { recipeChunks, type ChunkAt, type GetNode, type RecipeEntry } from './recipe-tree.js';
import type { TableFormat } from './rows.js';
import { fileAsyncBuffer, parquetMetadataOf, parquetRows, storedAsyncBuffer } from './parquet.js';

/** A chunk of one side: its id, rows and bytes, its first row (0-based, the header counts), and file offset. */
export interface SideChunk extends ChunkAt {
  offset: number;
}

export interface TableSide {
  /** As the user named it: a path, or "name@N". */
  label: string;
  format: TableFormat;
  /** Field-based (CSV/TSV) or JSON rows. */
  kind: 'fields' | 'json';
  /** CSV/TSV only. */
  dialect: CsvDialect | null;
  /** CSV/TSV column names (the first row); null for JSONL. */
  header: string[] | null;
  /** Data rows (the header not counted). */
  rows: number;
  /** SHA-256 of the whole file where known (stored versions); plain files are not hashed whole. */
  sha256: string | null;
  /** The recorded key (stored versions), or null. */
  key: KeySpec;
  /** The recorded schema (stored versions), or null for a plain file. */
  schema: DatasetVersion['schema'] | null;
  /** The recipe tree, for stored versions (compared subtree by subtree). */
  tree: { root: RecipeEntry; depth: number } | null;
  /** Every chunk in file order. */
  chunks(): Promise<SideChunk[]>;
  /** A chunk's bytes, checked against its id. */
  read(c: ChunkAt & { offset?: number }): Promise<Uint8Array>;
  /**
   * Several chunks at once, each checked: a plain file's chunks adjacent in the file (one system
   * call), or any stored chunks (one store read).
   */
  readRun?(cs: (ChunkAt & { offset?: number })[]): Promise<Uint8Array[]>;
  /** True when readRun takes only chunks adjacent in the file. */
  adjacentRuns?: boolean;
  /**
   * Parquet only: every row as a JSON-like object, in order (1-based row numbers). Parquet bytes
   * are chunked by content, not by row, so its rows are read whole and matched by hash join.
   */
  rowValues?: () => AsyncIterable<{ row: number; value: unknown }>;
  close(): Promise<void>;
}

async function* numbered(rows: AsyncIterable<{ row: number; value: Record<string, unknown> }>): AsyncIterable<{ row: number; value: unknown }> {
  for await (const r of rows) yield { row: r.row + 1, value: r.value };
}

const SNIFF_BYTES = 64 * 1024;

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function noFile(path: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `cannot read ${path}: no such file`, { path });
  if (code === 'EISDIR') throw new InputError('INPUT_INVALID', `${path} is a directory; give a CSV, TSV or JSONL file`, { path });
  throw new InputError('INPUT_INVALID', `cannot read ${path}: ${(e as Error).message}`, { path }, e);
}

/**
 * A plain file as a diff side. The file is read twice: once now, streaming, to cut chunks and hash
 * them (nothing kept but 48 bytes or so per chunk), and later for the chunks that differ, each
 * checked against the hash taken the first time (a file changed in between is an error). The
 * whole file is not hashed: equal files have equal chunk lists, which says as much.
 */
/** What chunking a plain file gives: its chunks and, for CSV/TSV, its header. */
export interface FileChunks {
  chunks: SideChunk[];
  header: string[] | null;
}

/** Cuts a file into row-aligned chunks as commit would, keeping only each chunk's id, rows, offset and size. */
export async function fileChunks(path: string, dialect: CsvDialect | null, crypto: CryptoProvider, signal?: AbortSignal): Promise<FileChunks> {
  const chunks: SideChunk[] = [];
  let header: string[] | null = null;
  let row = 0;
  try {
    const source = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const c of chunkRows(abortable(source, signal), dialect ? createCsvScanner(dialect) : createJsonlScanner())) {
      if (dialect && chunks.length === 0) header = readHeader(c.bytes.subarray(0, c.rowEnds[0]), dialect);
      chunks.push({ id: crypto.sha256(c.bytes), rows: c.rows, bytes: c.bytes.length, firstRow: row, offset: c.offset });
      row += c.rows;
    }
  } catch (e) {
    if (e instanceof InputError && !e.message.startsWith(path)) throw new InputError(e.code, `${path}: ${e.message}`, { ...e.data, path }, e);
    if (e instanceof InputError || e instanceof NotFoundError) throw e;
    noFile(path, e);
  }
  return { chunks, header: dialect ? (header ?? []) : null };
}

export interface FileSideOptions {
  format?: TableFormat;
  label?: string;
  signal?: AbortSignal;
  /** Runs fileChunks elsewhere (a worker thread), so two files can be chunked at once. */
  chunker?: (path: string, dialect: CsvDialect | null) => Promise<FileChunks>;
}

/**
 * A plain file as a diff side. The file is read twice: once now, streaming, to cut chunks and hash
 * them (nothing kept but 48 bytes or so per chunk), and later for the chunks that differ, each
 * checked against the hash taken the first time (a file changed in between is an error). The
 * whole file is not hashed: equal files have equal chunk lists, which says as much.
 */
export async function fileSide(path: string, crypto: CryptoProvider, opts: FileSideOptions = {}): Promise<TableSide> {
  let head: Uint8Array;
  try {
    head = await readHead(path, SNIFF_BYTES);
  } catch (e) {
    noFile(path, e);
  }
  const format = opts.format ?? formatFromName(path) ?? sniffTableFormat(head);
  if (format === 'parquet') return parquetFileSide(path, opts.label ?? path);
  const dialect = dialectOf(format, head);
  const { chunks, header } = opts.chunker ? await opts.chunker(path, dialect) : await fileChunks(path, dialect, crypto, opts.signal);
  const rows = chunks.reduce((n, c) => n + c.rows, 0);
  const fh = await open(path, 'r').catch((e: unknown) => noFile(path, e));
  const readRun = async (cs: (ChunkAt & { offset?: number })[]): Promise<Uint8Array[]> => {
    const start = cs[0]!.offset ?? 0;
    const total = cs.reduce((n, c) => n + c.bytes, 0);
    const buf = new Uint8Array(total);
    const { bytesRead } = await fh.read(buf, 0, total, start);
    const changed = () => new InputError('INPUT_INVALID', `${path} changed while it was being read; diff again once it is written`, { path });
    if (bytesRead !== total) throw changed();
    return cs.map((c) => {
      const bytes = buf.subarray((c.offset ?? 0) - start, (c.offset ?? 0) - start + c.bytes);
      if (toHex(crypto.sha256(bytes)) !== toHex(c.id)) throw changed();
      return bytes;
    });
  };
  return {
    label: opts.label ?? path,
    format,
    kind: dialect ? 'fields' : 'json',
    dialect,
    header,
    rows: dialect && rows > 0 ? rows - 1 : rows,
    sha256: null,
    key: null,
    schema: null,
    tree: null,
    chunks: async () => chunks,
    read: async (c) => (await readRun([c]))[0]!,
    readRun,
    adjacentRuns: true,
    close: () => fh.close(),
  };
}

async function parquetFileSide(path: string, label: string): Promise<TableSide> {
  const file = await fileAsyncBuffer(path);
  try {
    const meta = await parquetMetadataOf(file, path);
    return {
      label,
      format: 'parquet',
      kind: 'json',
      dialect: null,
      header: null,
      rows: meta.rows,
      sha256: null,
      key: null,
      schema: null,
      tree: null,
      chunks: async () => [],
      read: async () => new Uint8Array(0),
      rowValues: () => numbered(parquetRows(file, { name: path })),
      close: () => file.close(),
    };
  } catch (e) {
    await file.close();
    throw e;
  }
}

async function* abortable(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  for await (const piece of source) {
    signal?.throwIfAborted();
    yield piece;
  }
}

function sized(c: ChunkAt, bytes: Uint8Array): Uint8Array {
  if (bytes.length !== c.bytes) throw new IntegrityError('HASH_MISMATCH', `chunk sha256:${toHex(c.id)} has ${bytes.length} bytes, the recipe says ${c.bytes}`, {});
  return bytes;
}

/** A stored dataset version as a diff side; chunks come from the store, checked against their ids. */
export function versionSide(
  version: DatasetVersion,
  label: string,
  access: { getNode: GetNode; getChunk: (id: Uint8Array) => Promise<Uint8Array>; getChunks?: (ids: Uint8Array[]) => Promise<Uint8Array[]> },
): TableSide {
  const tree = version.recipe ? { root: { id: version.recipe.root, rows: version.rows + (version.dialect ? 1 : 0), bytes: version.bytes }, depth: version.recipe.depth } : null;
  const dialect: CsvDialect | null = version.dialect ? { delimiter: version.dialect.delimiter.charCodeAt(0), quote: version.dialect.quote === '' ? null : version.dialect.quote.charCodeAt(0) } : null;
  return {
    label,
    format: version.format,
    kind: version.format === 'jsonl' ? 'json' : 'fields',
    dialect,
    header: 'columns' in version.schema && version.format !== 'parquet' ? version.schema.columns.map((c) => c.name) : null,
    ...(version.format === 'parquet'
      ? {
          kind: 'json' as const,
          rowValues: async function* () {
            const chunks: ChunkAt[] = [];
            for await (const c of recipeChunks(access.getNode, tree ?? undefined)) chunks.push(c);
            yield* numbered(parquetRows(storedAsyncBuffer(chunks, (k) => access.getChunk(chunks[k]!.id)), { name: label }));
          },
        }
      : {}),
    rows: version.rows,
    sha256: version.sha256,
    key: version.key,
    schema: version.schema,
    tree,
    async chunks() {
      const out: SideChunk[] = [];
      let offset = 0;
      for await (const c of recipeChunks(access.getNode, tree ?? undefined)) {
        out.push({ ...c, offset });
        offset += c.bytes;
      }
      return out;
    },
    async read(c) {
      return sized(c, await access.getChunk(c.id));
    },
    ...(access.getChunks
      ? { readRun: async (cs: ChunkAt[]) => (await access.getChunks!(cs.map((c) => c.id))).map((bytes, k) => sized(cs[k]!, bytes)) }
      : {}),
    close: async () => undefined,
  };
}
