// Streaming accumulator for a PII/PHI scan (issue 5): counts per kind and per column, plus a bounded
// list of masked locations. Memory stays bounded whatever the number of rows: counters are per
// kind and per column (columns capped at `maxColumns`), locations at `maxLocations`, and a location
// holds only the masked finding — never the cell, which may carry identifiers the detector missed.
//
// Two ways in: `addRow` (cells as {column, value}, detection included), and the lower-level
// `_column` / `_count` / `_locate` / `_endRow` that scanTable (pii-table.ts) drives with column
// handles resolved once per column, so a cell without findings costs the accumulator nothing.
// Sizes are kept within what the signed scan object accepts (policy-types.ts): a column name up
// to 2000 characters, a row label up to 200, a masked finding up to 1000.

import { detectPii, maskValue, PII_KINDS, type PiiFinding, type PiiKind } from './pii-detect.js';

export interface PiiLocation {
  /** The row key if given, else the 1-based row number as text. */
  row: string;
  column: string;
  kind: PiiKind;
  /** The finding with its letters and digits replaced by '•' (see maskValue). */
  masked: string;
}

export interface PiiScanResult {
  rows: number;
  /** Only kinds that were found. */
  findings: Partial<Record<PiiKind, number>>;
  /** Only columns where something was found. */
  columns: Record<string, Partial<Record<PiiKind, number>>>;
  /** At most `maxLocations`, masked. */
  locations: PiiLocation[];
}

/** Columns beyond this many distinct names are counted together under this key. */
export const OTHER_COLUMNS = '(other columns)';

/** Longest column name and row label kept as they are; longer ones are cut (names) or replaced by the row number (labels). */
export const MAX_COLUMN_CHARS = 2000;
export const MAX_ROW_LABEL_CHARS = 200;
/** A masked finding longer than this is cut and ends in '…' (it holds only '•' and separators). */
const _MAX_MASKED = 100;

const _KIND_INDEX = new Map<PiiKind, number>(PII_KINDS.map((k, i) => [k, i]));

/** The counters of one column (or of OTHER_COLUMNS), one per kind in PII_KINDS order. */
export interface ColumnCounts {
  readonly name: string;
  readonly counts: Float64Array;
}

/** A column name as reports show it: at most MAX_COLUMN_CHARS characters. */
export function columnLabel(name: string): string {
  return name.length <= MAX_COLUMN_CHARS ? name : `${name.slice(0, MAX_COLUMN_CHARS - 1)}…`;
}

/** The finding `f` of `value`, masked and cut to a bounded length. */
export function maskedFinding(value: string, f: PiiFinding): string {
  const end = Math.min(f.end, f.start + _MAX_MASKED);
  const m = maskValue(value.slice(f.start, end), [{ kind: f.kind, start: 0, end: end - f.start }]);
  return end < f.end ? `${m}…` : m;
}

export class PiiScanAccumulator {
  private readonly _maxLocations: number;
  private readonly _maxColumns: number;
  private _rows = 0;
  private readonly _kinds = new Float64Array(PII_KINDS.length);
  private readonly _columns = new Map<string, ColumnCounts>();
  private readonly _locations: PiiLocation[] = [];
  /** Locations of the current row still waiting for its label (the last `_pending` entries). */
  private _pending = 0;

  constructor(opts: { maxLocations?: number; maxColumns?: number } = {}) {
    this._maxLocations = opts.maxLocations ?? 100;
    this._maxColumns = opts.maxColumns ?? 10_000;
    if (!Number.isInteger(this._maxLocations) || this._maxLocations < 0) throw new RangeError(`maxLocations must be an integer ≥ 0, got ${this._maxLocations}`);
    if (!Number.isInteger(this._maxColumns) || this._maxColumns < 1) throw new RangeError(`maxColumns must be an integer ≥ 1, got ${this._maxColumns}`);
  }

  /** Scan one row's cells; `key` labels its locations (else its 1-based number). */
  addRow(cells: ReadonlyArray<{ column: string; value: string }>, key?: string): void {
    this._beginRow();
    for (const { column, value } of cells) {
      const found = detectPii(value, column);
      if (found.length === 0) continue;
      this._count(this._column(column), found);
      if (this._wantsLocations()) this._locate(columnLabel(column), value, found);
    }
    this._endRow(key ?? String(this._rows));
  }

  /** Starts the next row; returns its 1-based number. */
  _beginRow(): number {
    return ++this._rows;
  }

  /** The counters of a column, made on first use; past `maxColumns` names, the shared OTHER_COLUMNS ones. */
  _column(name: string): ColumnCounts {
    let col = this._columns.get(name);
    if (col !== undefined) return col;
    const key = this._columns.size < this._maxColumns ? columnLabel(name) : OTHER_COLUMNS;
    col = this._columns.get(key);
    if (col === undefined) {
      col = { name: key, counts: new Float64Array(PII_KINDS.length) };
      this._columns.set(key, col);
    }
    return col;
  }

  _count(col: ColumnCounts, found: readonly PiiFinding[]): void {
    for (let i = 0; i < found.length; i++) {
      const k = _KIND_INDEX.get(found[i]!.kind)!;
      col.counts[k]!++;
      this._kinds[k]!++;
    }
  }

  /** One finding of kind number `k` (its index in PII_KINDS) in `col`. */
  _countKind(col: ColumnCounts, k: number): void {
    col.counts[k]!++;
    this._kinds[k]!++;
  }

  /** True while the location list has room. */
  _wantsLocations(): boolean {
    return this._locations.length < this._maxLocations;
  }

  /** Records (masked) locations of `found` in `value`; the row label comes with _endRow. */
  _locate(column: string, value: string, found: readonly PiiFinding[]): void {
    for (const f of found) {
      if (this._locations.length >= this._maxLocations) return;
      this._locations.push({ row: '', column, kind: f.kind, masked: maskedFinding(value, f) });
      this._pending++;
    }
  }

  /** True when the current row recorded locations, so _endRow needs its label. */
  _needsLabel(): boolean {
    return this._pending > 0;
  }

  /** Labels the current row's locations: `label`, or the row number when it is empty or too long. */
  _endRow(label: string): void {
    if (this._pending === 0) return;
    const row = label === '' || label.length > MAX_ROW_LABEL_CHARS ? String(this._rows) : label;
    for (let i = this._locations.length - this._pending; i < this._locations.length; i++) this._locations[i]!.row = row;
    this._pending = 0;
  }

  get rows(): number {
    return this._rows;
  }

  result(): PiiScanResult {
    const findings: Partial<Record<PiiKind, number>> = {};
    PII_KINDS.forEach((k, i) => {
      if (this._kinds[i]! > 0) findings[k] = this._kinds[i]!;
    });
    const columns: Record<string, Partial<Record<PiiKind, number>>> = {};
    const seen = new Set<ColumnCounts>();
    for (const col of this._columns.values()) {
      if (seen.has(col)) continue;
      seen.add(col);
      const counts: Partial<Record<PiiKind, number>> = {};
      let any = false;
      PII_KINDS.forEach((k, i) => {
        if (col.counts[i]! > 0) {
          counts[k] = col.counts[i]!;
          any = true;
        }
      });
      // defineProperty so a column called "__proto__" is an ordinary key
      if (any) Object.defineProperty(columns, col.name, { value: counts, enumerable: true, writable: true, configurable: true });
    }
    return { rows: this._rows, findings, columns, locations: this._locations.map((l) => ({ ...l })) };
  }
}
