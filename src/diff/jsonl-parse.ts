// Parsing one JSONL row (https://jsonlines.org: UTF-8, one JSON value per line), addressing
// values by JSON Pointer (RFC 6901), flattening a value to its leaf paths for row diffs, and
// inferring the shape of many rows for schema-change reports.

import { InputError } from '../core/errors.js';
import { _decodeRow, _positionIn, type RowStart } from './csv-parse.js';

/**
 * Parses one row's bytes, as cut by createJsonlScanner ("\n" or "\r\n" included, or none for a
 * last row). A row of only whitespace is an error: a file's final newline ends its last row and
 * never makes a row of its own, so only a real blank line gets here.
 */
export function parseJsonlRow(bytes: Uint8Array, where: RowStart): unknown {
  const { text, skipped } = _decodeRow(bytes, where);
  if (text.trim() === '') {
    throw new InputError('INPUT_INVALID', `line ${where.line} is empty; JSONL needs one JSON value per line`, {
      line: where.line,
      column: 1,
      offset: where.offset,
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // V8 names a position in most messages ("... in JSON at position 7"), not in "Unexpected
    // token 'x', "..." is not valid JSON"; a truncated value is reported where the line ends.
    // A row ends with its line ending; V8 may point just past it (at the end of the input), which
    // belongs to this line, not the next: clamp to the end of the row's text.
    const end = text.replace(/[\r\n]+$/, '').length;
    const m = /at position (\d+)/.exec(msg);
    let index = 0;
    if (m) index = Math.min(Number(m[1]), end);
    else if (/Unexpected end of JSON input/.test(msg)) index = end;
    const pos = _positionIn(text, index, where, skipped);
    const reason = msg.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/, '');
    throw new InputError(
      'INPUT_INVALID',
      `invalid JSON at line ${pos.line}, column ${pos.column}: ${reason}; each line must be one complete JSON value`,
      { ...pos },
      e,
    );
  }
}

/** Unescapes one reference token (RFC 6901 §4: "~1" then "~0"). */
function unescapeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Escapes one reference token (RFC 6901 §3). */
export function escapePointerToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The value `pointer` refers to (RFC 6901), or undefined when there is none. "" is the whole
 * value; array indexes are "0" or digits without a leading zero, and "-" (past the end) never
 * refers to a value.
 */
export function jsonPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  if (!pointer.startsWith('/') || /~(?![01])/.test(pointer)) {
    throw new InputError('INPUT_INVALID', `invalid JSON pointer ${JSON.stringify(pointer)}; write it as /field/0/sub, with ~0 for ~ and ~1 for /`, {
      pointer,
    });
  }
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const token = unescapeToken(raw);
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      const k = Number(token);
      if (k >= cur.length) return undefined;
      cur = cur[k];
    } else if (cur !== null && typeof cur === 'object') {
      if (!own(cur, token)) return undefined;
      cur = (cur as Record<string, unknown>)[token];
    } else return undefined;
  }
  return cur;
}

/**
 * Every leaf of `value` by JSON pointer, in document order: scalars, and empty objects and
 * arrays (so that {} and [] still differ from a missing field). A scalar root is the path "".
 */
export function flattenPaths(value: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.set(path, v);
      for (let k = 0; k < v.length; k++) walk(v[k], `${path}/${k}`);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) out.set(path, v);
      for (const key of keys) walk((v as Record<string, unknown>)[key], `${path}/${escapePointerToken(key)}`);
    } else out.set(path, v);
  };
  walk(value, '');
  return out;
}

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

export function jsonTypeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      throw new TypeError(`expected a JSON value, got ${typeof v}`);
  }
}

export interface JsonPathInfo {
  /** JSON pointer with every array index generalised to "*", so /messages/0/role and /messages/1/role are one path. */
  path: string;
  /** Rows in which the path occurs at least once. */
  rows: number;
  /** Occurrences of each type at this path (an array of n elements counts n under /x/*). */
  types: Partial<Record<JsonType, number>>;
}

export interface JsonSchemaResult {
  rows: number;
  /** Paths in order of first appearance. */
  paths: JsonPathInfo[];
  /** True if more distinct paths appeared than maxPaths; later new paths were not recorded. */
  truncated: boolean;
}

/**
 * Streaming shape inference over JSONL rows: every path (objects and arrays too, not only
 * leaves) with the JSON types seen there. Memory is bounded by the number of distinct
 * generalised paths, capped by `maxPaths` (objects used as maps, keyed by ids, would grow
 * without bound).
 */
export class JsonSchemaAccumulator {
  readonly #maxPaths: number;
  readonly #paths = new Map<string, JsonPathInfo & { lastRow: number }>();
  #rows = 0;
  #truncated = false;

  constructor(opts: { maxPaths?: number } = {}) {
    this.#maxPaths = opts.maxPaths ?? 10_000;
  }

  add(value: unknown): void {
    const row = ++this.#rows;
    const walk = (v: unknown, path: string): void => {
      const type = jsonTypeOf(v);
      let info = this.#paths.get(path);
      if (info === undefined) {
        if (this.#paths.size >= this.#maxPaths) {
          this.#truncated = true;
          return;
        }
        info = { path, rows: 0, types: {}, lastRow: 0 };
        this.#paths.set(path, info);
      }
      if (info.lastRow !== row) {
        info.lastRow = row;
        info.rows++;
      }
      info.types[type] = (info.types[type] ?? 0) + 1;
      if (type === 'array') for (const e of v as unknown[]) walk(e, `${path}/*`);
      else if (type === 'object') {
        for (const [k, e] of Object.entries(v as Record<string, unknown>)) walk(e, `${path}/${escapePointerToken(k)}`);
      }
    };
    walk(value, '');
  }

  result(): JsonSchemaResult {
    const paths = [...this.#paths.values()].map(({ path, rows, types }) => ({ path, rows, types: { ...types } }));
    return { rows: this.#rows, paths, truncated: this.#truncated };
  }
}
