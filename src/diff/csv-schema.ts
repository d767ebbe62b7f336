// Streaming per-column type inference for CSV/TSV: each field string is classified, and a
// column's type is the narrowest one that fits every non-empty value. Used to report schema
// changes between dataset versions once, rather than as millions of row changes.

export type CsvFieldKind = 'integer' | 'number' | 'boolean' | 'date' | 'string' | 'empty';

export interface CsvColumnInfo {
  name: string;
  /** integer ⊂ number; any other mix is string; 'empty' if every value was empty. */
  type: CsvFieldKind;
  /** Empty fields (""), also counted in counts.empty. */
  empties: number;
  /**
   * Values of each kind, until the column's type is settled as string (a string value, or kinds
   * that do not mix): from then on only empty fields are told apart, the rest count as string,
   * since no later value can change the type. Most columns of most files are strings; this keeps
   * commit from running the number and date patterns on every one of their values.
   */
  counts: Record<CsvFieldKind, number>;
}

export interface CsvSchemaResult {
  rows: number;
  columns: CsvColumnInfo[];
}

// Decimal integers; a leading zero ("007", a zip code) is an identifier, so a string.
const INTEGER = /^[+-]?(?:0|[1-9]\d*)$/;
// Decimal numbers as JSON writes them, plus a leading "+" or "." and a trailing ".".
const NUMBER = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false|TRUE|FALSE|True|False)$/;
// ISO 8601 calendar date, optionally with a time (T or space), fraction and zone (RFC 3339 §5.6).
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const digit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
};

function isDate(s: string): boolean {
  // Most values that start with a digit are not dates: rule them out before the pattern runs.
  if (s.length < 10 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || !digit(s, 0) || !digit(s, 5) || !digit(s, 8)) return false;
  const m = DATE.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 60)) return false;
  return true;
}

/** Kind of one field's text. */
export function classifyCsvField(s: string): CsvFieldKind {
  if (s === '') return 'empty';
  const c = s.charCodeAt(0);
  // Cheap first-character gate: most strings are rejected before any regex runs.
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
    if (INTEGER.test(s)) return 'integer';
    if (NUMBER.test(s)) return 'number';
    if (isDate(s)) return 'date';
    return 'string';
  }
  if (BOOLEAN.test(s)) return 'boolean';
  return 'string';
}

function columnType(n: Record<CsvFieldKind, number>): CsvFieldKind {
  const kinds = (['integer', 'number', 'boolean', 'date', 'string'] as const).filter((k) => n[k] > 0);
  if (kinds.length === 0) return 'empty';
  if (kinds.length === 1) return kinds[0]!;
  if (kinds.length === 2 && n.integer > 0 && n.number > 0) return 'number';
  return 'string';
}

const zero = (): Record<CsvFieldKind, number> => ({ integer: 0, number: 0, boolean: 0, date: 0, string: 0, empty: 0 });

/**
 * Accumulates column types over rows of fields (check widths first with checkWidth; a row
 * wider than the header adds columns named by position).
 */
export class CsvSchemaAccumulator {
  readonly #names: string[];
  readonly #counts: Record<CsvFieldKind, number>[];
  readonly #settled: boolean[];
  #rows = 0;

  constructor(header: readonly string[]) {
    this.#names = [...header];
    this.#counts = header.map(zero);
    this.#settled = header.map(() => false);
  }

  add(fields: readonly string[]): void {
    this.#rows++;
    for (let k = 0; k < fields.length; k++) {
      let c = this.#counts[k];
      if (c === undefined) {
        while (this.#counts.length <= k) {
          this.#names.push(`column ${this.#counts.length + 1}`);
          this.#counts.push(zero());
        }
        c = this.#counts[k]!;
      }
      const v = fields[k]!;
      if (this.#settled[k]) {
        c[v === '' ? 'empty' : 'string']++;
        continue;
      }
      const kind = classifyCsvField(v);
      c[kind]++;
      if (kind !== 'empty' && columnType(c) === 'string') this.#settled[k] = true;
    }
  }

  result(): CsvSchemaResult {
    return {
      rows: this.#rows,
      columns: this.#names.map((name, k) => {
        const counts = { ...this.#counts[k]! };
        return { name, type: columnType(counts), empties: counts.empty, counts };
      }),
    };
  }
}
