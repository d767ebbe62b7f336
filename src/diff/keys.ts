// Row keys: how a diff (and the duplicate-key check at commit) tells which row is which. CSV/TSV
// rows are keyed by one or more columns (`--key id` or `--key region,id`), JSONL rows by one JSON
// pointer (`--key /id`, `--key /meta/uid`). Without a key, rows are identified by their content.
import { InputError } from '../core/errors.js';
import type { KeySpec, RowKey } from './changes.js';
import { jsonPointer } from './jsonl-parse.js';

/** Reads a `--key` value for a table of the given kind: a JSON pointer for JSONL, column names otherwise. */
export function parseKeyOption(text: string, kind: 'fields' | 'json'): NonNullable<KeySpec> {
  if (kind === 'json') {
    if (!text.startsWith('/')) {
      throw new InputError('USAGE', `--key for JSONL is a JSON pointer such as /id or /meta/uid, not ${JSON.stringify(text)}`, { key: text });
    }
    jsonPointer({}, text); // validates the escapes
    return { pointer: text };
  }
  if (text.startsWith('/')) throw new InputError('USAGE', `--key ${text} is a JSON pointer; for CSV/TSV give column names, e.g. --key id or --key region,id`, { key: text });
  const columns = text.split(',').map((c) => c.trim());
  if (columns.some((c) => c === '')) throw new InputError('USAGE', `--key ${JSON.stringify(text)} has an empty column name; write --key col or --key col1,col2`, { key: text });
  if (new Set(columns).size !== columns.length) throw new InputError('USAGE', `--key ${JSON.stringify(text)} names a column twice`, { key: text });
  if (columns.length > 16) throw new InputError('USAGE', `--key names ${columns.length} columns; at most 16`, { key: text });
  return { columns };
}

/** The key spec as the user would type it. */
export function keyText(spec: KeySpec): string {
  return spec === null ? '(row content)' : 'pointer' in spec ? spec.pointer : spec.columns.join(',');
}

export interface KeyOf {
  /** A string equal for equal keys and different for different ones (for maps and partitions). */
  id: string;
  /** The key as shown in reports: the value, or an array of values for a composite key. */
  shown: RowKey;
}

/**
 * Key extraction for CSV/TSV rows against a header. Throws, naming the columns that exist, when a
 * key column is not in the header.
 */
export function fieldsKey(spec: { columns: string[] }, header: readonly string[], name = 'the file'): (fields: readonly string[]) => KeyOf {
  const index = spec.columns.map((c) => {
    const k = header.indexOf(c);
    if (k === -1) {
      throw new InputError('INPUT_INVALID', `key column ${JSON.stringify(c)} is not in ${name}; its columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`, { column: c });
    }
    return k;
  });
  if (index.length === 1) {
    const k = index[0]!;
    return (fields) => ({ id: fields[k]!, shown: fields[k]! });
  }
  return (fields) => {
    const values = index.map((k) => fields[k]!);
    return { id: JSON.stringify(values), shown: values };
  };
}

/**
 * Key extraction for JSONL rows. A row without a value at the pointer, or with an object or array
 * there, is refused: a key names one row by a scalar. `line` names the row in the error.
 */
export function jsonKey(spec: { pointer: string }, name = 'the file'): (value: unknown, line: number) => KeyOf {
  return (value, line) => {
    const v = jsonPointer(value, spec.pointer);
    if (v === undefined) {
      throw new InputError('INPUT_INVALID', `${name} line ${line} has no value at key ${spec.pointer}; every row needs one when rows are keyed by it`, { line, pointer: spec.pointer });
    }
    if (v !== null && typeof v === 'object') {
      throw new InputError('INPUT_INVALID', `${name} line ${line} has an ${Array.isArray(v) ? 'array' : 'object'} at key ${spec.pointer}; a key must be a string, number, boolean or null`, {
        line,
        pointer: spec.pointer,
      });
    }
    return { id: typeof v === 'string' ? v : `\u0000${JSON.stringify(v)}`, shown: v };
  };
}
