// The row-level diff (DESIGN.md "Datasets and the diff hot path"; issue 3).
//
// 1. Chunks. Compare the two sides' chunk lists as multisets: stored versions through their recipe
//    trees (equal subtrees are never opened), plain files through the chunk lists cut while they
//    streamed. A row in a chunk both sides share is unchanged by construction and never read.
// 2. Rows. Read and parse only the rows of one-sided chunks, and key each one: by its key columns
//    or JSON pointer, or by its content when there is no key (then rows are a multiset and only
//    added/removed, or moved, are possible). Rows are held as bytes with their key; if the rows to
//    hold exceed the memory budget, they are written to partition files by a hash of the key and
//    matched one partition at a time (a partitioned hash join), so memory stays bounded whatever
//    the size — the path a shuffled or re-sorted file takes.
// 3. Schema. Column changes (added, removed, renamed, retyped; JSON fields added or removed) are
//    found before any row is reported, from the headers, the recorded schemas, or the one-sided
//    rows themselves, and reported once; the row comparison then leaves those fields out.
// 4. Match. Equal keys pair up: equal bytes are unchanged without parsing; otherwise both rows
//    are parsed and compared field by field (modified, with each change's before and after).
//    Unpaired rows are added or removed.
//
// Records stream out in this order: schema changes; then, for each B row in file order (per
// partition when spilled), modified or added; then removed rows in A's order; then moved rows.
import { InputError, IntegrityError } from '../core/errors.js';
import type { DiffStat, FieldChange, KeySpec, ModifiedRow, RowChange, SchemaChange } from './changes.js';
import { parseCsvRow } from './csv-parse.js';
import { JsonSchemaAccumulator, escapePointerToken, parseJsonlRow } from './jsonl-parse.js';
import {
  chunkDifference,
  heaviestIncreasing,
  leaves,
  looseEqual,
  plainField,
  rawKey,
  readChunks,
  rowEndsOf,
  sameRowBytes,
  spilledTwins,
  topLevelKey,
  under,
  type Pending,
} from './diff-rows.js';
import { csvSchemaChanges, jsonPathsOf, jsonSchemaChanges } from './diff-schema.js';
import { fieldsKey, jsonKey, keyText, parseKeyOption, type KeyOf } from './keys.js';
import { recipeDifference, type ChunkAt, type GetNode } from './recipe-tree.js';
import { listOf, PartitionSpill, type RowList, type RowRec } from './spill.js';
import type { TableSide } from './table-side.js';

export interface DiffOptions {
  /** `--key`: column names (CSV/TSV, comma-separated) or a JSON pointer (JSONL). Default: the key both versions recorded, else row content. */
  key?: string;
  /** Compare only these columns (CSV/TSV names) or JSON pointers (and what is under them). */
  columns?: string[];
  /** Leave these columns or JSON pointers out of the comparison. */
  ignoreColumns?: string[];
  /** Report rows that kept their content but changed position. */
  moves?: boolean;
  /** Bytes of rows to hold in memory before partitioning to disk. Default 256 MiB. */
  memoryBudget?: number;
  /** Where partition files go (default: the OS temp directory); removed when the diff ends. */
  tmpDir?: string;
  /** Counts only: rows are matched and compared but not turned into objects. */
  statOnly?: boolean;
  signal?: AbortSignal;
}

export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Estimated bytes a held row costs beyond its own bytes (record, key string, map entry). */
const ROW_OVERHEAD = 250;
/** Partition files are opened two per partition; past this many, a partition may exceed the budget. */
const MAX_PARTITIONS = 256;

/** What a diff found, complete once its records have been read to the end. */
export interface DiffSummary extends DiffStat {
  /** Rows parsed (those in chunks only one side has); the rest were skipped as unchanged. */
  rowsRead: number;
  chunksRead: number;
  /** Partitions used by the hash join (1 = in memory). */
  partitions: number;
  key: string;
}

/** A diff in progress: iterate it for the records; `summary` is filled in when the iteration ends. */
export interface TableDiff extends AsyncIterable<RowChange> {
  readonly summary: DiffSummary;
}

interface Column {
  /** The column as a JSON pointer into the row object ("/amount"), as changes name it. */
  path: string;
  a: number;
  b: number;
  /** Compared loosely (numbers by value): the column's type changed between the versions. */
  loose: boolean;
}

function sideLabel(s: TableSide): string {
  return s.label;
}

/**
 * Diffs two sides. `getNode` reads recipe nodes, for comparing two stored versions' trees; without
 * it (or when either side is a plain file) the flat chunk lists are compared.
 */
export function diffTables(a: TableSide, b: TableSide, opts: DiffOptions = {}, getNode?: GetNode): TableDiff {
  const summary: DiffSummary = { added: 0, removed: 0, modified: 0, moved: 0, unchanged: 0, schema: [], rowsRead: 0, chunksRead: 0, partitions: 1, key: '' };
  return {
    summary,
    [Symbol.asyncIterator]: () => run(a, b, opts, getNode, summary)[Symbol.asyncIterator](),
  };
}

async function* run(a: TableSide, b: TableSide, opts: DiffOptions, getNode: GetNode | undefined, summary: DiffSummary): AsyncIterable<RowChange> {
  if (a.kind !== b.kind) {
    throw new InputError('INPUT_INVALID', `cannot diff ${a.format.toUpperCase()} (${sideLabel(a)}) against ${b.format.toUpperCase()} (${sideLabel(b)}); convert one so both are tables of the same kind`, {});
  }
  const kind = a.kind;
  const budget = opts.memoryBudget ?? DEFAULT_MEMORY_BUDGET;

  // Key: the option, else what the versions recorded (when they agree), else content.
  let key: KeySpec = null;
  const parquet = a.format === 'parquet' || b.format === 'parquet';
  if (opts.key !== undefined) {
    // Parquet rows are objects keyed by column name: --key id means the pointer /id.
    key = parquet && !opts.key.startsWith('/') ? { pointer: `/${escapePointerToken(opts.key)}` } : parseKeyOption(opts.key, kind);
  }
  else if (a.key && b.key && JSON.stringify(a.key) === JSON.stringify(b.key)) key = a.key;
  else key = a.key ?? b.key ?? null;
  summary.key = keyText(key);

  // Schema, before any row.
  let columns: Column[] = [];
  let schema: SchemaChange[] = [];
  const dropped: string[] = []; // JSON: generalised paths left out of row comparison (schema-level changes)
  const loosePaths: string[] = [];
  const want = (p: string, g = p) =>
    (!opts.columns?.length || opts.columns.some((c) => under(p, c) || under(g, c))) && !opts.ignoreColumns?.some((c) => under(p, c) || under(g, c));
  let keyA: ((fields: readonly string[]) => KeyOf) | undefined;
  let keyB: ((fields: readonly string[]) => KeyOf) | undefined;
  const keyJ = key && 'pointer' in key ? [jsonKey(key, sideLabel(a)), jsonKey(key, sideLabel(b))] : undefined;
  if (kind === 'fields') {
    const s = csvSchemaChanges(a, b);
    schema = s.changes;
    const hb = b.header ?? [];
    for (const [k, name] of (a.header ?? []).entries()) {
      const other = s.renamed.get(name) ?? name;
      const j = hb.indexOf(other);
      if (j !== -1 && want(name) && want(other)) columns.push({ path: `/${escapePointerToken(other)}`, a: k, b: j, loose: s.retyped.has(name) });
    }
    for (const c of [...(opts.columns ?? []), ...(opts.ignoreColumns ?? [])]) {
      if (!a.header?.includes(c) && !hb.includes(c)) {
        throw new InputError('USAGE', `no column ${JSON.stringify(c)} in ${sideLabel(a)} or ${sideLabel(b)}; columns are ${[...new Set([...(a.header ?? []), ...hb])].map((h) => JSON.stringify(h)).join(', ')}`, { column: c });
      }
    }
    if (key && 'columns' in key) {
      keyA = fieldsKey(key, a.header ?? [], sideLabel(a));
      keyB = fieldsKey(key, hb, sideLabel(b));
    }
  } else if (key && 'columns' in key) {
    throw new InputError('USAGE', `--key for JSONL is a JSON pointer such as /id, not ${JSON.stringify(key.columns.join(','))}`, {});
  }

  // Identical bytes: nothing changed (and nothing to read).
  if (a.sha256 !== null && a.sha256 === b.sha256 && a.format === b.format) {
    summary.unchanged = a.rows;
    return;
  }

  // 1. Chunks only one side has. Moves need the shared chunks' positions too, so then the flat
  // chunk lists are compared (all recipe leaves are read) rather than the trees.
  let onlyA: (ChunkAt & { offset?: number })[];
  let onlyB: (ChunkAt & { offset?: number })[];
  let sharedChunks: [ChunkAt, ChunkAt][] = [];
  if (parquet) onlyA = onlyB = []; // rows come from rowValues
  else if (a.tree && b.tree && getNode && !opts.moves) ({ onlyA, onlyB } = await recipeDifference(getNode, a.tree, b.tree));
  else ({ onlyA, onlyB, pairs: sharedChunks } = chunkDifference(await a.chunks(), await b.chunks()));
  summary.chunksRead = onlyA.length + onlyB.length;

  const filtered = !!opts.columns?.length || !!opts.ignoreColumns?.length;
  const sameLayout = kind === 'fields' && a.dialect?.delimiter === b.dialect?.delimiter && a.dialect?.quote === b.dialect?.quote && JSON.stringify(a.header) === JSON.stringify(b.header) && !filtered;
  const sameJson = kind === 'json' && !filtered;
  const hasHeader = kind === 'fields';
  const dataRows = (c: ChunkAt) => c.rows - (hasHeader && c.firstRow === 0 && c.rows > 0 ? 1 : 0);

  // Rows never read (in shared chunks) or dropped as identical on both sides. Any such row has the
  // same fields on both sides, so no field can be on every row of one side and on none of the
  // other: schema changes are inferred from rows only when there is none.
  let unseen = parquet ? 0 : a.rows + b.rows - [...onlyA, ...onlyB].reduce((n, c) => n + dataRows(c), 0);
  const stats = kind === 'json' && (!jsonPathsOf(a) || !jsonPathsOf(b)) && unseen === 0 ? [new JsonSchemaAccumulator(), new JsonSchemaAccumulator()] : undefined;

  // 2. Rows of those chunks, keyed, in memory or, past the budget, in partitions on disk.
  const rowsHeld = (cs: ChunkAt[]) => cs.reduce((n, c) => n + c.bytes + c.rows * ROW_OVERHEAD, 0);
  // Parquet rows are read whole (as JSON text); their size is guessed from the row count.
  const estimate = rowsHeld(onlyA) + rowsHeld(onlyB) + [a, b].reduce((n, side) => n + (side.rowValues ? side.rows * (ROW_OVERHEAD + 256) : 0), 0);
  const rowsToRead = [...onlyA, ...onlyB].reduce((n, c) => n + c.rows, 0) + (a.rowValues ? a.rows : 0) + (b.rowValues ? b.rows : 0);
  const parts = estimate <= budget ? 1 : Math.max(2, Math.min(MAX_PARTITIONS, Math.ceil(estimate / (budget / 2)), Math.ceil(rowsToRead / 64)));
  summary.partitions = parts;
  const spill = parts > 1 ? new PartitionSpill(parts, { dir: opts.tmpDir, bufferBytes: budget / 4 / parts }) : undefined;
  // Over all rows (nothing unseen) the inference is exact; after dropping identical rows it is not.
  // Spilled rows are not parsed for it while they are keyed: whether it is needed at all is only
  // known once identical rows are looked for (below), and a shuffled file has them at once.
  let statsOn = !!stats && !spill;
  const held: [RowRec[], RowRec[]] = [[], []];
  // Rows whose bytes (line ending aside) are on both sides are unchanged under any key: with the
  // same layout they are dropped before any parsing, so the rows parsed are about the rows changed.
  const prefilter = !spill && !opts.moves && (sameLayout || sameJson);

  const parseFields = (side: TableSide, bytes: Uint8Array, row: number, offset: number): string[] => {
    // Line numbers assume no field spans lines before this row; the row number is exact.
    const fields = parseCsvRow(bytes, side.dialect!, { line: row + 1, offset });
    if (fields.length !== side.header!.length) {
      throw new InputError('INPUT_INVALID', `${sideLabel(side)}: row ${row} has ${fields.length} fields, the header has ${side.header!.length}; give every row the same number of fields`, { row });
    }
    return fields;
  };

  // Without a key, a row is identified by what is compared of it: the compared columns' values,
  // or the compared JSON leaves in pointer order (so key order and whitespace do not count).
  const contentOf = (s: 0 | 1, value: unknown): string => {
    if (kind === 'fields') return JSON.stringify(columns.map((c) => (value as string[])[s === 0 ? c.a : c.b]));
    return JSON.stringify(leaves(value).filter(([p, g]) => want(p, g)).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([p, , v]) => [p, v]));
  };

  // A top-level JSON key (/id): read from the row's start when it is the first member.
  const keyToken = key && 'pointer' in key && /^\/[^/~]+$/.test(key.pointer) ? new TextEncoder().encode(`{${JSON.stringify(key.pointer.slice(1))}:`) : undefined;
  // One key column: read just that field while no quote comes before it (most rows of most files).
  const keyColumn = key && 'columns' in key && key.columns.length === 1 ? [a.header!.indexOf(key.columns[0]!), b.header!.indexOf(key.columns[0]!)] : undefined;
  const keyOfRow = (s: 0 | 1, side: TableSide, bytes: Uint8Array, row: number, offset: number): string => {
    if (kind === 'fields') {
      if (keyColumn) {
        const v = plainField(bytes, keyColumn[s]!, side.dialect!.delimiter, side.dialect!.quote ?? -1);
        if (v !== undefined) return v;
      }
      const fields = parseFields(side, bytes, row, offset);
      return key ? (s === 0 ? keyA! : keyB!)(fields).id : contentOf(s, fields);
    }
    if (keyJ && !statsOn) {
      const k = topLevelKey(bytes, keyToken!);
      if (k !== undefined) return k;
    }
    const value = parseJsonlRow(bytes, { line: row, offset });
    if (statsOn) stats![s]!.add(value);
    return keyJ ? keyJ[s]!(value, row).id : contentOf(s, value);
  };

  try {
    const pending: [Pending[], Pending[]] = [[], []];
    const take = (s: 0 | 1, side: TableSide, row: number, rowBytes: Uint8Array, offset: number) => {
      summary.rowsRead++;
      if (prefilter) pending[s].push({ row, bytes: rowBytes, offset, raw: rawKey(rowBytes) });
      else {
        const rec: RowRec = { row, key: keyOfRow(s, side, rowBytes, row, offset), bytes: rowBytes };
        if (spill) spill.add(s, rec);
        else held[s].push(rec);
      }
    };
    for (const [s, side, chunks] of [
      [0, a, onlyA],
      [1, b, onlyB],
    ] as const) {
      if (side.rowValues) {
        const utf8 = new TextEncoder();
        for await (const { row, value } of side.rowValues()) {
          opts.signal?.throwIfAborted();
          take(s, side, row, utf8.encode(JSON.stringify(value) + '\n'), 0);
        }
        continue;
      }
      for await (const [c, bytes] of readChunks(side, chunks)) {
        opts.signal?.throwIfAborted();
        const ends = rowEndsOf(side, bytes);
        if (ends.length !== c.rows) throw new IntegrityError('OBJECT_INVALID', `${sideLabel(side)}: a chunk holds ${ends.length} rows, its recipe says ${c.rows}`, {});
        let start = 0;
        for (let r = 0; r < c.rows; r++) {
          const physical = c.firstRow + r;
          const rowBytes = bytes.subarray(start, ends[r]);
          const offset = (c.offset ?? 0) + start;
          start = ends[r]!;
          if (hasHeader && physical === 0) continue;
          take(s, side, hasHeader ? physical : physical + 1, rowBytes, offset);
        }
      }
    }
    if (prefilter) {
      const count = new Map<string, number>();
      for (const r of pending[0]) count.set(r.raw, (count.get(r.raw) ?? 0) + 1);
      const both = new Map<string, number>();
      const restB: Pending[] = [];
      for (const r of pending[1]) {
        const n = count.get(r.raw) ?? 0;
        if (n > 0) {
          count.set(r.raw, n - 1);
          both.set(r.raw, (both.get(r.raw) ?? 0) + 1);
          unseen += 2;
        } else restB.push(r);
      }
      if (unseen > 0) statsOn = false;
      for (const r of pending[0]) {
        const n = both.get(r.raw) ?? 0;
        if (n > 0) both.set(r.raw, n - 1);
        else held[0].push({ row: r.row, key: keyOfRow(0, a, r.bytes, r.row, r.offset), bytes: r.bytes });
      }
      for (const r of restB) held[1].push({ row: r.row, key: keyOfRow(1, b, r.bytes, r.row, r.offset), bytes: r.bytes });
      pending[0] = pending[1] = [];
    }
    spill?.finish();
    if (spill && stats && unseen === 0) {
      // Spilled: infer from rows only if no row has an identical twin on the other side (one
      // does, in any file that is mostly the same rows; then nothing more is read for this).
      if (spilledTwins(spill, parts)) unseen = 1;
      else {
        for (let p = 0; p < parts; p++) {
          for (const s of [0, 1] as const) {
            const list = spill.read(s, p);
            for (let i = 0; i < list.length; i++) {
              const r = list.rec(i);
              stats[s]!.add(parseJsonlRow(r.bytes, { line: r.row, offset: 0 }));
            }
          }
        }
        statsOn = true;
      }
    }

    // 3. Schema changes (JSON: from the recorded schemas, else from the rows read).
    if (kind === 'json') {
      const pa = jsonPathsOf(a);
      const pb = jsonPathsOf(b);
      if (pa && pb) schema = jsonSchemaChanges(pa.types, pb.types, { a: pa.everywhere, b: pb.everywhere });
      else if (stats && statsOn && unseen === 0) {
        const [ra, rb] = stats.map((st) => st.result());
        if (ra!.rows > 0 && rb!.rows > 0) {
          const toMap = (r: typeof ra) => new Map(r!.paths.map((p) => [p.path, new Set(Object.keys(p.types))]));
          const rowsAt = (r: typeof ra) => new Map(r!.paths.map((p) => [p.path, p.rows]));
          const na = rowsAt(ra);
          const nb = rowsAt(rb);
          schema = jsonSchemaChanges(toMap(ra), toMap(rb), { a: (p) => na.get(p) === ra!.rows, b: (p) => nb.get(p) === rb!.rows });
        }
      }
      for (const c of schema) {
        if (c.change === 'retyped') loosePaths.push(c.before!.path);
        else dropped.push((c.before ?? c.after)!.path);
      }
    }
    summary.schema = schema;
    for (const c of schema) yield c;

    // 4. Match, partition by partition. Rows with equal keys pair up in file order, except that a
    // row with the very same bytes on the other side is paired with it first (so duplicate keys
    // pair the same way whether identical rows were dropped early, or not).
    const stayed: { a: RowRec; b: RowRec }[] = [];
    for (let p = 0; p < parts; p++) {
      const ra: RowList = spill ? spill.read(0, p) : listOf(held[0]);
      const rb: RowList = spill ? spill.read(1, p) : listOf(held[1]);
      if (!spill) held[0] = held[1] = [];
      // Key → its A rows in file order (`next` chains them); `used` marks rows already paired.
      const first = new Map<string, number>();
      const next = new Int32Array(ra.length);
      for (let i = ra.length - 1; i >= 0; i--) {
        const k = ra.key(i);
        next[i] = first.get(k) ?? -1;
        first.set(k, i);
      }
      const used = new Uint8Array(ra.length);
      const mateOf = new Int32Array(rb.length).fill(-1);
      const keysB: string[] = new Array(rb.length);
      for (let j = 0; j < rb.length; j++) keysB[j] = rb.key(j);
      if (sameLayout || sameJson) {
        for (let j = 0; j < rb.length; j++) {
          let h = first.get(keysB[j]!) ?? -1;
          if (h === -1) continue;
          const bytes = rb.bytes(j);
          for (; h !== -1; h = next[h]!) {
            if (!used[h] && sameRowBytes(ra.bytes(h), bytes)) {
              used[h] = 1;
              mateOf[j] = h;
              break;
            }
          }
        }
      }
      for (let j = 0; j < rb.length; j++) {
        if ((j & 1023) === 0) opts.signal?.throwIfAborted();
        let h = mateOf[j]!;
        if (h !== -1 && !opts.moves) continue; // the very same bytes, same layout: unchanged
        if (h === -1) {
          for (h = first.get(keysB[j]!) ?? -1; h !== -1 && used[h]; h = next[h]!);
          if (h !== -1) used[h] = 1;
        }
        const r = rb.rec(j);
        if (h === -1) {
          summary.added++;
          if (!opts.statOnly) yield { op: 'added', key: shownKey(b, 1, r), after: rowValue(b, r.bytes, r.row), row: r.row };
          continue;
        }
        const mate = ra.rec(h);
        const m = compare(mate, r);
        if (m) {
          summary.modified++;
          if (!opts.statOnly) yield m;
        } else if (opts.moves) stayed.push({ a: mate, b: r });
      }
      for (let i = 0; i < ra.length; i++) {
        if (used[i]) continue;
        summary.removed++;
        if (!opts.statOnly) {
          const r = ra.rec(i);
          yield { op: 'removed', key: shownKey(a, 0, r), before: rowValue(a, r.bytes, r.row), row: r.row };
        }
      }
    }

    // 5. Moves: a row whose place among the rows both sides have changed. The rows (and shared
    // chunks, as blocks of rows) that keep the most rows in the same order stayed; the rest moved.
    if (opts.moves) {
      const items: { a: number; b: number; weight: number; pair?: { a: RowRec; b: RowRec }; chunks?: [ChunkAt, ChunkAt] }[] = [];
      for (const pr of stayed) items.push({ a: pr.a.row, b: pr.b.row, weight: 1, pair: pr });
      // Positions in data-row numbers, as rows have them: a chunk stands at its first data row.
      const firstData = (c: ChunkAt) => (hasHeader ? Math.max(1, c.firstRow) : c.firstRow + 1);
      for (const [ca, cb] of sharedChunks) if (dataRows(ca) > 0) items.push({ a: firstData(ca), b: firstData(cb), weight: dataRows(ca), chunks: [ca, cb] });
      items.sort((x, y) => x.a - y.a);
      const keep = heaviestIncreasing(items.map((it) => it.b), items.map((it) => it.weight));
      for (let k = 0; k < items.length; k++) {
        const it = items[k]!;
        if (keep.has(k)) continue;
        if (it.pair) {
          summary.moved++;
          if (!opts.statOnly) yield movedRecord(it.pair.a, it.pair.b);
          continue;
        }
        const [ca, cb] = it.chunks!;
        const [ba, bb] = await Promise.all([a.read(ca), b.read(cb)]);
        const ea = rowEndsOf(a, ba);
        for (let r = 0, start = 0; r < ca.rows; start = ea[r]!, r++) {
          const physicalA = ca.firstRow + r;
          if (hasHeader && physicalA === 0) continue;
          summary.moved++;
          if (opts.statOnly) continue;
          const rowBytes = ba.subarray(start, ea[r]);
          const rowA = hasHeader ? physicalA : physicalA + 1;
          const rowB = rowA - ca.firstRow + cb.firstRow;
          yield movedRecord({ row: rowA, key: '', bytes: rowBytes }, { row: rowB, key: '', bytes: bb.subarray(start, ea[r]) });
        }
      }
    }
    // Every row of A ends up removed, modified, moved or unchanged (shared chunks' rows among them).
    summary.unchanged = a.rows - summary.removed - summary.modified - summary.moved;
  } finally {
    spill?.remove();
  }

  function movedRecord(x: RowRec, y: RowRec): RowChange {
    return { op: 'moved', key: shownKey(b, 1, y), before: rowValue(a, x.bytes, x.row), after: rowValue(b, y.bytes, y.row), rows: [x.row, y.row] };
  }

  function shownKey(side: TableSide, s: 0 | 1, r: RowRec): unknown {
    if (!key) return null;
    if (kind === 'fields') return (s === 0 ? keyA! : keyB!)(parseFields(side, r.bytes, r.row, 0)).shown;
    return keyJ![s]!(parseJsonlRow(r.bytes, { line: r.row, offset: 0 }), r.row).shown;
  }

  function rowValue(side: TableSide, bytes: Uint8Array, row: number): unknown {
    if (kind === 'json') return parseJsonlRow(bytes, { line: row, offset: 0 });
    const fields = parseFields(side, bytes, row, 0);
    const o: Record<string, string> = {};
    side.header!.forEach((h, k) => (o[h] = fields[k]!));
    return o;
  }

  function compare(x: RowRec, y: RowRec): ModifiedRow | undefined {
    if ((sameLayout || sameJson) && sameRowBytes(x.bytes, y.bytes)) return undefined;
    const changes: FieldChange[] = [];
    let before: unknown;
    let after: unknown;
    if (kind === 'fields') {
      const fa = parseFields(a, x.bytes, x.row, 0);
      const fb = parseFields(b, y.bytes, y.row, 0);
      for (const c of columns) {
        const va = fa[c.a]!;
        const vb = fb[c.b]!;
        if (va !== vb && !(c.loose && looseEqual(va, vb))) changes.push({ path: c.path, before: va, after: vb });
      }
      if (changes.length === 0) return undefined;
      if (opts.statOnly) return { op: 'modified', key: null, before: null, after: null, changes, rows: [x.row, y.row] };
      before = Object.fromEntries(a.header!.map((h, k) => [h, fa[k]]));
      after = Object.fromEntries(b.header!.map((h, k) => [h, fb[k]]));
    } else {
      before = parseJsonlRow(x.bytes, { line: x.row, offset: 0 });
      after = parseJsonlRow(y.bytes, { line: y.row, offset: 0 });
      const la = leaves(before);
      const lb = new Map(leaves(after).map(([p, g, v]) => [p, [g, v] as const]));
      const keep = (p: string, g: string) => want(p, g) && !dropped.some((d) => under(g, d));
      for (const [p, g, va] of la) {
        const other = lb.get(p);
        if (other === undefined) {
          if (keep(p, g)) changes.push({ path: p, before: va });
          continue;
        }
        lb.delete(p);
        const vb = other[1];
        if (va === vb || (typeof va === 'object' && JSON.stringify(va) === JSON.stringify(vb))) continue;
        if (!keep(p, g)) continue;
        if (loosePaths.some((l) => g === l) && looseEqual(va, vb)) continue;
        changes.push({ path: p, before: va, after: vb });
      }
      for (const [p, [g, vb]] of lb) if (keep(p, g)) changes.push({ path: p, after: vb });
      if (changes.length === 0) return undefined;
    }
    return { op: 'modified', key: opts.statOnly ? null : shownKey(b, 1, y), before, after, changes, rows: [x.row, y.row] };
  }
}
