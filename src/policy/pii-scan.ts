// Streaming accumulator for a PII/PHI scan (issue 5): counts per kind and per column, plus a bounded
// list of masked locations. Memory stays bounded whatever the number of rows: counters are per
// kind and per column (columns capped at `maxColumns`), locations at `maxLocations`, and a location
// holds only the masked finding — never the cell, which may carry identifiers the detector missed.

import { detectPii, maskValue, type PiiKind } from './pii-detect.js';

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
  columns: Record<string, Partial<Record<PiiKind, number>>>;
  /** At most `maxLocations`, masked. */
  locations: PiiLocation[];
}

/** Columns beyond this many distinct names are counted together under this key. */
export const OTHER_COLUMNS = '(other columns)';

export class PiiScanAccumulator {
  private readonly _maxLocations: number;
  private readonly _maxColumns: number;
  private _rows = 0;
  private readonly _kinds = new Map<PiiKind, number>();
  private readonly _columns = new Map<string, Map<PiiKind, number>>();
  private readonly _locations: PiiLocation[] = [];

  constructor(opts: { maxLocations?: number; maxColumns?: number } = {}) {
    this._maxLocations = opts.maxLocations ?? 100;
    this._maxColumns = opts.maxColumns ?? 10_000;
  }

  addRow(cells: ReadonlyArray<{ column: string; value: string }>, key?: string): void {
    this._rows++;
    for (const { column, value } of cells) {
      const found = detectPii(value, column);
      if (found.length === 0) continue;
      let col = this._columns.get(column);
      if (col === undefined) {
        const name = this._columns.size < this._maxColumns ? column : OTHER_COLUMNS;
        col = this._columns.get(name);
        if (col === undefined) { col = new Map(); this._columns.set(name, col); }
      }
      for (const f of found) {
        this._kinds.set(f.kind, (this._kinds.get(f.kind) ?? 0) + 1);
        col.set(f.kind, (col.get(f.kind) ?? 0) + 1);
        if (this._locations.length < this._maxLocations) {
          this._locations.push({
            row: key ?? String(this._rows),
            column,
            kind: f.kind,
            masked: maskValue(value.slice(f.start, f.end), [{ kind: f.kind, start: 0, end: f.end - f.start }]),
          });
        }
      }
    }
  }

  result(): PiiScanResult {
    const columns: Record<string, Partial<Record<PiiKind, number>>> = {};
    for (const [name, m] of this._columns) {
      // defineProperty so a column called "__proto__" is an ordinary key
      Object.defineProperty(columns, name, { value: Object.fromEntries(m), enumerable: true, writable: true, configurable: true });
    }
    return {
      rows: this._rows,
      findings: Object.fromEntries(this._kinds) as Partial<Record<PiiKind, number>>,
      columns,
      locations: this._locations.slice(),
    };
  }
}
