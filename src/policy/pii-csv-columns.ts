// The columns of a CSV/TSV scan (pii-table-csv.ts): each column's context, counters, value-format
// memo (pii-formats.ts) and cache of repeated values; the row template built from the memos; and
// the cells of a split row through the detector. The splitter fills `fa`/`fb`/`tag` (where each
// field's text is) and calls scanRow, templateRow or textRow.

import { fieldsKey } from '../diff/keys.js';
import { columnContext, type ColumnContext } from './pii-columns.js';
import { detectPii, maskValue, PII_KINDS, _detectRange, _nameCheck, type PiiFinding } from './pii-detect.js';
import { FORMAT_FINDING, learnFormat, rowTemplate, type Formats, type TemplatePart } from './pii-formats.js';
import { columnLabel, type ColumnCounts, type PiiScanAccumulator } from './pii-scan.js';
import { textOfView, type TextOf } from './pii-text.js';

interface _Column {
  label: string;
  ctx: ColumnContext;
  counts: ColumnCounts;
  /** Formats this column's context allows (bit i: format i). */
  allowed: number;
  /** The memo: the format the last values had, or -1; how often it fitted and did not. */
  fmt: number;
  hits: number;
  misses: number;
  /** Without a memo: values to go through the detector before trying to learn one again, and the next wait. */
  wait: number;
  backoff: number;
  /** Whether the template reads this column inside a regex run. */
  inRun: boolean;
  /** Kinds found in values seen before (see cell), lookups, and hits. */
  cache: Map<string, readonly number[]> | null;
  lookups: number;
  found: number;
}

// Tags of a split field: ≥ 0 a format hit; else where its text is.
export const PLAIN = -1;
export const QUOTED = -2; // between quotes, no "" inside
export const ESCAPED = -3; // between quotes with "" inside

const _NO_KINDS: readonly number[] = [];
const _NO_FINDINGS: PiiFinding[] = [];
/** What cell counts for a value of a person column that is a name (spans are not needed). */
const _ONE_NAME: PiiFinding[] = [{ kind: 'name', start: 0, end: 0 }];
const _CACHE_VALUE = 256;
const _CACHE_ENTRIES = 4096;
const _CACHE_BUDGET = 8 << 20;
const _CACHE_TRIAL = 4096;

export class CsvColumns {
  cols: _Column[] = [];
  width = -1;
  // Fields of the row being split: text bounds (in the block's byte view) and tags.
  fa = new Int32Array(64);
  fb = new Int32Array(64);
  tag = new Int32Array(64);
  /** The block being scanned: its byte view and how to decode a range of it. */
  view = '';
  textOf: TextOf = () => '';
  /** A copy of view[a, b) that does not refer to the view. */
  copyOf: TextOf = () => '';
  /** The row template (see rowTemplate): rebuilt when a column's format changes. */
  tplDirty = true;
  tpl: TemplatePart[] | null = null;
  private _tplCache = new Map<string, TemplatePart[] | null>();
  /** Columns of the template's regex runs that report a finding, and its kind. */
  private _tplCols: number[] = [];
  private _tplKinds: number[] = [];
  /** Rows read by the template since it was built: hits of every column in its runs. */
  private _runRows = 0;
  /** Bytes of values remembered by the columns' caches. */
  private _cacheBytes = 0;
  private _key: number[] | null = null;
  private readonly _qs: string;

  constructor(
    private readonly _acc: PiiScanAccumulator,
    readonly formats: Formats,
    quote: number,
    private readonly _keySpec: { columns: string[] } | null,
    private readonly _valueCache: boolean,
  ) {
    this._qs = quote < 0 ? '\u0000' : String.fromCharCode(quote);
  }

  /** Column names: the header's, or "column N". Throws when a key column is not among them. */
  set(names: string[]): void {
    this.width = names.length;
    // A header cell that is itself an identifier (a file whose first row is data) is masked.
    this.cols = names.map((n) => {
      const f = detectPii(n);
      const label = columnLabel(f.length ? maskValue(n, f) : n);
      const ctx = columnContext(n);
      return { label, ctx, counts: this._acc._column(label), allowed: this.formats.allowed(ctx), fmt: -1, hits: 0, misses: 0, wait: 1, backoff: 1, inRun: false, cache: this._valueCache ? new Map() : null, lookups: 0, found: 0 };
    });
    if (this._keySpec) {
      fieldsKey(this._keySpec, names); // throws, naming the columns, when a key column is missing
      this._key = this._keySpec.columns.map((c) => names.indexOf(c));
    }
    while (this.fa.length < this.width + 1) this.grow();
    this.tplDirty = true;
  }

  grow(): void {
    const size = this.fa.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.fa = grow(this.fa);
    this.fb = grow(this.fb);
    this.tag = grow(this.tag);
  }

  /** Phase 2 of the field-by-field path: the `w` fields just split. */
  scanRow(s: string, w: number): void {
    const acc = this._acc;
    acc._beginRow();
    const cols = this.cols;
    for (let c = 0; c < w; c++) {
      const col = cols[c]!;
      const tag = this.tag[c]!;
      const a = this.fa[c]!;
      const b = this.fb[c]!;
      if (tag >= 0) {
        // A format hit: the detector's answer is known (FORMAT_FINDING).
        col.hits++;
        const k = FORMAT_FINDING[tag]!;
        if (k !== null) {
          acc._countKind(col.counts, k.index);
          if (acc._wantsLocations()) acc._locate(col.label, s.slice(a, b), [{ kind: k.kind, start: 0, end: k.end < 0 ? b - a : k.end }]);
        }
        continue;
      }
      if (b > a) this._cell(col, s, a, b, tag);
    }
    if (acc._needsLabel()) acc._endRow(this._label());
  }

  /** Phase 2 of the template path: counts of the regex runs, then each other column's field. */
  templateRow(s: string): void {
    const acc = this._acc;
    acc._beginRow();
    const cols = this.cols;
    const parts = this.tpl!;
    const fc = this._tplCols;
    const kinds = this._tplKinds;
    this._runRows++;
    for (let i = 0; i < fc.length; i++) acc._countKind(cols[fc[i]!]!.counts, kinds[i]!);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.re !== null) continue;
      const c = part.from;
      const col = cols[c]!;
      const tag = this.tag[c]!;
      if (tag >= 0) {
        col.hits++;
        const k = FORMAT_FINDING[tag];
        if (k) acc._countKind(col.counts, k.index);
        continue;
      }
      const a = this.fa[c]!;
      const b = this.fb[c]!;
      if (b > a) this._cell(col, s, a, b, tag);
    }
  }

  /** A row read by parseCsvRow: its cells as text. */
  textRow(fields: readonly string[]): void {
    const acc = this._acc;
    acc._beginRow();
    fields.forEach((v, c) => {
      const col = this.cols[c]!;
      const f = _detectRange(v, 0, v.length, col.ctx, false)!;
      if (f.length === 0) return;
      acc._count(col.counts, f);
      if (acc._wantsLocations()) acc._locate(col.label, v, f);
    });
    if (acc._needsLabel()) acc._endRow(this._keyLabel((c) => fields[c]!));
  }

  /**
   * One cell through the detector (then the column's format memo is updated). A column also
   * remembers the answer for values it has seen (their kinds), while that pays: categorical and
   * repeated values are common in tables. Bounded: values up to _CACHE_VALUE bytes, _CACHE_ENTRIES
   * per column, _CACHE_BUDGET bytes in all; a column whose first _CACHE_TRIAL lookups hit less than
   * half the time stops looking. Not used while locations are recorded (they need the spans).
   */
  private _cell(col: _Column, s: string, a: number, b: number, tag: number): void {
    const acc = this._acc;
    const locate = acc._wantsLocations();
    let key: string | undefined;
    const cache = col.cache;
    if (cache !== null && !locate && b - a <= _CACHE_VALUE) {
      key = s.slice(a, b);
      const kinds = cache.get(key);
      if (++col.lookups === _CACHE_TRIAL && col.found * 2 < col.lookups) col.cache = null;
      if (kinds !== undefined) {
        col.found++;
        for (let i = 0; i < kinds.length; i++) acc._countKind(col.counts, kinds[i]!);
        return;
      }
    }
    let f: PiiFinding[] | null;
    let text: string | undefined;
    if (tag === ESCAPED) {
      const e = this.unescape(s, a, b);
      f = _detectRange(e, 0, e.length, col.ctx, true);
      if (f === null) {
        text = textOfView(e);
        f = _detectRange(text, 0, text.length, col.ctx, false)!;
      } else text = e;
    } else if (col.ctx === 'person' || col.ctx === 'name') {
      // A name is counted without decoding it (its span is needed only for a location); a name
      // column's other values hold nothing, a person column's are scanned like any other.
      if (_nameCheck(s, a, b, col.ctx, true) > 0) {
        if (locate) {
          text = this.textOf(a, b);
          f = _detectRange(text, 0, text.length, col.ctx, false)!;
        } else f = _ONE_NAME;
      } else f = col.ctx === 'name' ? _NO_FINDINGS : _detectRange(s, a, b, null, true);
    } else f = _detectRange(s, a, b, col.ctx, true);
    if (f === null) {
      text = this.textOf(a, b);
      f = _detectRange(text, 0, text.length, col.ctx, false)!;
    }
    if (f.length > 0) {
      acc._count(col.counts, f);
      if (locate) acc._locate(col.label, text ?? s.slice(a, b), f);
    }
    if (key !== undefined && col.cache !== null && col.cache.size < _CACHE_ENTRIES && this._cacheBytes + key.length <= _CACHE_BUDGET) {
      // A copy: a slice of the block's view would keep the whole block alive.
      col.cache.set(this.copyOf(a, b), f.length === 0 ? _NO_KINDS : f.map((x) => PII_KINDS.indexOf(x.kind)));
      this._cacheBytes += key.length;
    }
    if (f !== _ONE_NAME) this._learn(col, s, tag, a, b);
  }

  buildTemplate(): void {
    this.tplDirty = false;
    for (const c of this.cols) if (c.inRun) c.hits += this._runRows;
    this._runRows = 0;
    // Only columns whose format nearly always fits go into a regex run: one value that does not fit
    // sends its whole row field by field. The others are parts of their own (memo tried, then read).
    const fmts = this.cols.map((c) => (c.fmt >= 0 && c.misses * 32 <= c.hits ? c.fmt : -1));
    this.cols.forEach((c, i) => (c.inRun = fmts[i]! >= 0));
    const key = fmts.join(',');
    let t = this._tplCache.get(key);
    if (t === undefined) {
      t = rowTemplate(this.formats, fmts);
      if (this._tplCache.size >= 64) this._tplCache.clear();
      this._tplCache.set(key, t);
    }
    this.tpl = t;
    this._tplCols = [];
    this._tplKinds = [];
    fmts.forEach((f, c) => {
      const k = f < 0 ? null : FORMAT_FINDING[f];
      if (!k) return;
      this._tplCols.push(c);
      this._tplKinds.push(k.index);
    });
  }

  /**
   * A value of `col` went through the detector. A memo that stopped fitting most values is dropped;
   * without one, the column tries to learn one now and then (every value at first, then less often
   * while none fits, up to every 1024th).
   */
  private _learn(col: _Column, s: string, tag: number, a: number, b: number): void {
    if (col.fmt >= 0) {
      ++col.misses;
      if (col.inRun && col.misses * 32 > col.hits + this._runRows) this.tplDirty = true; // no longer fits nearly always
      if (col.misses <= 16 || col.misses <= col.hits + (col.inRun ? this._runRows : 0)) return;
      col.fmt = -1;
      col.wait = 0;
      col.backoff = 1;
      this.tplDirty = true;
    }
    if (--col.wait > 0 || col.allowed === 0 || tag === ESCAPED) return;
    const fmt = learnFormat(this.formats, s, tag === QUOTED ? a - 1 : a, tag === QUOTED ? b + 1 : b, col.allowed);
    col.hits = col.misses = 0;
    if (fmt >= 0) {
      col.fmt = fmt;
      col.backoff = 1;
      this.tplDirty = true;
    } else col.backoff = Math.min(1024, col.backoff * 2);
    col.wait = col.backoff;
  }

  /** A quoted field's text with each "" read as one quote (still a byte view). */
  unescape(s: string, a: number, b: number): string {
    return s.slice(a, b).split(this._qs + this._qs).join(this._qs);
  }

  /** The text of field `c` of the row just split. */
  private _text(c: number): string {
    const tag = this.tag[c]!;
    if (tag === ESCAPED) return textOfView(this.unescape(this.view, this.fa[c]!, this.fb[c]!));
    return this.textOf(this.fa[c]!, this.fb[c]!);
  }

  private _label(): string {
    return this._keyLabel((c) => this._text(c));
  }

  /** The row's label: its key value(s) when none of them is itself an identifier, else '' (the row number). */
  private _keyLabel(text: (column: number) => string): string {
    if (this._key === null) return '';
    const values: string[] = [];
    for (const c of this._key) {
      const v = text(c);
      if (_detectRange(v, 0, v.length, this.cols[c]!.ctx, false)!.length > 0) return '';
      values.push(v);
    }
    return values.length === 1 ? values[0]! : JSON.stringify(values);
  }
}

