// JSON side of the PII scan (pii-table.ts): JSONL rows and Parquet rows (which the diff layer reads
// as JSON-like objects) walked leaf by leaf, each string leaf — and each number leaf whose path
// gives context, such as /age or /mrn — through the detector.
//
// Columns are JSON pointers (RFC 6901) with every array index written "*", as the dataset schema
// records paths (src/diff/dataset-types.ts): /messages/0/content and /messages/7/content are both
// /messages/*/content, so counts stay per field, not per element. Paths live in a trie walked
// alongside each value (no path string is built per leaf), capped at `maxColumns` nodes; objects
// used as maps (keyed by ids) would otherwise grow it without bound, and past the cap their leaves
// count under OTHER_COLUMNS. A member name that is itself an identifier (an object keyed by e-mail
// addresses) is masked in the path, so the report never copies it.

import { InputError } from '../core/errors.js';
import { escapePointerToken, jsonPointer, parseJsonlRow } from '../diff/jsonl-parse.js';
import { _decodeRow } from '../diff/csv-parse.js';
import { columnContext, type ColumnContext } from './pii-columns.js';
import { detectPii, maskValue, _detectRange } from './pii-detect.js';
import { columnLabel, OTHER_COLUMNS, type ColumnCounts, type PiiScanAccumulator } from './pii-scan.js';

interface _Node {
  label: string;
  ctx: ColumnContext;
  counts: ColumnCounts;
  kids: Map<string, _Node> | null;
  star: _Node | null;
}

/** Values nested deeper than this are counted at the path of their ancestor at this depth. */
const _MAX_DEPTH = 64;

const _decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class JsonTableScan {
  private readonly _root: _Node;
  private readonly _other: _Node;
  private _nodes = 1;
  private _row: unknown;
  /** Line of the next JSONL row. */
  private _line = 1;

  constructor(
    private readonly _acc: PiiScanAccumulator,
    private readonly _pointer: string | null,
    private readonly _maxNodes: number,
  ) {
    if (_pointer !== null) jsonPointer({}, _pointer); // throws on a malformed pointer
    this._root = this._node('', null);
    this._other = { label: OTHER_COLUMNS, ctx: null, counts: _acc._column(OTHER_COLUMNS), kids: null, star: null };
  }

  private _node(label: string, parent: _Node | null): _Node {
    const l = columnLabel(label);
    return { label: l, ctx: parent === null ? null : columnContext(l), counts: this._acc._column(l), kids: null, star: null };
  }

  private _child(parent: _Node, key: string): _Node {
    if (parent === this._other) return parent;
    let kids = parent.kids;
    if (kids === null) kids = parent.kids = new Map();
    let c = kids.get(key);
    if (c !== undefined) return c;
    if (this._nodes >= this._maxNodes) return this._other;
    const f = detectPii(key);
    c = this._node(`${parent.label}/${escapePointerToken(f.length ? maskValue(key, f) : key)}`, parent);
    kids.set(key, c);
    this._nodes++;
    return c;
  }

  private _element(parent: _Node): _Node {
    if (parent.star !== null) return parent.star;
    if (parent === this._other || this._nodes >= this._maxNodes) return this._other;
    this._nodes++;
    return (parent.star = this._node(`${parent.label}/*`, parent));
  }

  /** One row: a parsed JSON value. */
  row(value: unknown): void {
    this._acc._beginRow();
    this._row = value;
    this._walk(value, this._root, 0);
    if (this._acc._needsLabel()) this._acc._endRow(this._label());
  }

  private _walk(v: unknown, node: _Node, depth: number): void {
    switch (typeof v) {
      case 'string':
        this._leaf(v, node);
        return;
      case 'number':
      case 'bigint':
        // A number alone matches no pattern; only a path's context makes it one (/age, /mrn, /zip).
        if (node.ctx !== null && node.ctx !== 'name' && node.ctx !== 'person') this._leaf(String(v), node);
        return;
      case 'object': {
        if (v === null) return;
        const deep = depth >= _MAX_DEPTH;
        if (Array.isArray(v)) {
          const el = deep ? node : this._element(node);
          for (let i = 0; i < v.length; i++) this._walk(v[i], el, depth + 1);
          return;
        }
        const o = v as Record<string, unknown>;
        for (const k in o) this._walk(o[k], deep ? node : this._child(node, k), depth + 1);
        return;
      }
      default:
        return;
    }
  }

  private _leaf(s: string, node: _Node): void {
    const f = _detectRange(s, 0, s.length, node.ctx, false)!;
    if (f.length === 0) return;
    this._acc._count(node.counts, f);
    if (this._acc._wantsLocations()) this._acc._locate(node.label, s, f);
  }

  /** The key's value when it is a scalar and not itself an identifier, else '' (the row number). */
  private _label(): string {
    if (this._pointer === null) return '';
    const v = jsonPointer(this._row, this._pointer);
    if (v === undefined || v === null || typeof v === 'object') return '';
    const text = String(v);
    return detectPii(text, this._pointer).length > 0 ? '' : text;
  }

  /** JSONL: whole rows (see CsvTableScan.block). */
  block(bytes: Uint8Array, ends: readonly number[], offset: number): void {
    const bom = offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let text: string;
    try {
      text = _decoder.decode(bytes.subarray(bom));
    } catch {
      this._badUtf8(bytes, ends, offset);
    }
    let pos = 0;
    for (let k = 0; k < ends.length; k++) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      let value: unknown;
      try {
        value = JSON.parse(text.slice(pos, nl));
      } catch {
        // parseJsonlRow names the line and column (and refuses a blank line).
        const a = k === 0 ? 0 : ends[k - 1]!;
        parseJsonlRow(bytes.subarray(a, ends[k]), { line: this._line, offset: offset + a });
        throw new InputError('INPUT_INVALID', `invalid JSON at line ${this._line}; each line must be one complete JSON value`, { line: this._line });
      }
      this.row(value);
      this._line++;
      pos = nl + 1;
    }
  }

  private _badUtf8(bytes: Uint8Array, ends: readonly number[], offset: number): never {
    for (let k = 0; k < ends.length; k++) {
      const a = k === 0 ? 0 : ends[k - 1]!;
      _decodeRow(bytes.subarray(a, ends[k]), { line: this._line + k, offset: offset + a });
    }
    throw new InputError('INPUT_INVALID', `invalid UTF-8 near line ${this._line}; re-save the file as UTF-8`, { line: this._line });
  }
}
