// Fairness metrics from a predictions file: one row per decision, with protected-attribute
// columns, the true label and the model's prediction. The file is streamed once through the
// dataset layer's row reader (row-aligned chunker + CSV/JSONL scanners + row parsers, as commit
// and diff use them), so memory holds one chunk and BiasAccumulator's counters (one record per
// distinct combination of group values), never the file.
//
// Values. CSV/TSV fields are taken as written. JSONL rows must be objects; a field is read by its
// top-level name, strings as they are and numbers and booleans as their JSON text (1 → "1",
// true → "true", 1.0 → "1", since JSON.parse cannot tell 1.0 from 1). A value that is missing,
// null, or empty after trimming is an error naming the line: dropping such rows silently would
// change every rate, and an unrecorded attribute should be a value of its own ("not stated").
// Values are not trimmed or case-folded: " male" and "male" are different groups, as in
// fairlearn, which compares values exactly.
//
// The positive value. Rates are measured for the positive (favourable) outcome: selection rate is
// the share predicted positive, and the four-fifths rule (29 CFR 1607.4(D)) reads it as the
// selection rate. Guessing it from arbitrary label text would need a second pass and could pick
// the wrong side, so the rule is: `positive` must be given unless every label and prediction
// belongs to one recognised binary pair, below, whose positive member is then used (sklearn's
// and fairlearn's pos_label=1 convention). The pair is chosen by the first label; any later
// value outside it is an error naming the line. Comparison is exact and case-sensitive, as
// BiasAccumulator's is: a file mixing "True" and "true" has three values and is refused rather
// than folded. Where 1 means the unfavourable outcome (say, "defaulted"), pass positive "0".

import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError, NotFoundError, isCognifyError } from '../core/errors.js';
import { createCsvScanner } from '../diff/csv-scanner.js';
import { createJsonlScanner } from '../diff/jsonl-scanner.js';
import { checkWidth, parseCsvRow, readHeader, type CsvDialect } from '../diff/csv-parse.js';
import { parseJsonlRow } from '../diff/jsonl-parse.js';
import { chunkRows } from '../diff/row-chunker.js';
import { dialectOf, formatFromName, sniffTableFormat } from '../diff/table-format.js';
import { BiasAccumulator, type BiasResult } from './bias.js';

export interface PredictionColumns {
  /** Protected-attribute columns (CSV/TSV header names, JSONL top-level field names). */
  groups: string[];
  label: string;
  pred: string;
  /** The label/prediction value that counts as positive; may be left out only for a recognised binary pair (RECOGNISED_PAIRS). */
  positive?: string;
}

export type PredictionFormat = 'csv' | 'tsv' | 'jsonl';

export interface BiasFromPredictionsOptions {
  path: string;
  columns: PredictionColumns;
  /** Default: from the file name (.csv, .tsv/.tab, .jsonl/.ndjson), else sniffed from the first bytes. */
  format?: PredictionFormat;
  signal?: AbortSignal;
}

export interface BiasFromPredictionsResult {
  /** BiasAccumulator's result, with warnings about the positive value added. */
  result: BiasResult;
  /** Data rows read (a CSV/TSV header not counted). */
  rows: number;
  /** The positive value used: as given, or the recognised pair's. */
  positive: string;
  format: PredictionFormat;
}

/** [negative, positive]: the label pairs whose positive side is inferred. Exact spellings only. */
export const RECOGNISED_PAIRS: readonly (readonly [string, string])[] = [
  ['0', '1'],
  ['false', 'true'], // JSON, JavaScript
  ['False', 'True'], // Python str(bool), pandas to_csv
  ['FALSE', 'TRUE'], // Excel, R
  ['no', 'yes'],
];

const SNIFF_BYTES = 64 * 1024;
/** Distinct label/prediction values kept for error messages; bounded so memory stays bounded. */
const SAMPLE_VALUES = 10;

export async function biasFromPredictions(opts: BiasFromPredictionsOptions): Promise<BiasFromPredictionsResult> {
  const { path, columns, signal } = _checkOptions(opts);
  signal?.throwIfAborted();
  const head = await _readHead(path);
  const format = _formatOf(path, opts.format, head);
  const dialect = dialectOf(format, head);

  const flags = [...columns.groups.map(() => '--group'), '--label', '--pred'];
  const names = [...columns.groups, columns.label, columns.pred];
  let indexes: number[] | undefined; // CSV/TSV: the used columns' positions in the header
  let width = 0;
  let rows = 0;
  let positive = columns.positive;
  let pair: readonly [string, string] | undefined;
  let acc = positive === undefined ? undefined : new BiasAccumulator({ groups: columns.groups, positive });
  const seen = { label: new Set<string>(), pred: new Set<string>(), positiveInLabels: false, positiveInPreds: false };

  try {
    for await (const row of _rows(path, dialect, signal)) {
      let values: (string | undefined)[];
      if (dialect) {
        if (!indexes) {
          const header = readHeader(row.bytes, dialect);
          indexes = names.map((name, k) => {
            const i = header.indexOf(name);
            if (i === -1) throw _noColumn(path, 'column', name, flags[k]!, header, '', 'the columns are');
            return i;
          });
          width = header.length;
          continue;
        }
        const fields = parseCsvRow(row.bytes, dialect, row);
        checkWidth(fields, width, row);
        values = indexes.map((i) => fields[i]);
      } else {
        const value = parseJsonlRow(row.bytes, row);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new InputError('INPUT_INVALID', `${path}:${row.line}: expected a JSON object with fields ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, { path, line: row.line });
        }
        const obj = value as Record<string, unknown>;
        if (rows === 0) {
          names.forEach((name, k) => {
            if (!Object.prototype.hasOwnProperty.call(obj, name)) throw _noColumn(path, 'field', name, flags[k]!, Object.keys(obj), ` in the first row (line ${row.line})`, 'its fields are');
          });
        }
        values = names.map((name) => _jsonText(path, row.line, name, obj[name]));
      }

      values.forEach((v, k) => {
        if (v === undefined || v.trim() === '') {
          const what = flags[k] === '--group' ? 'record an unknown attribute as a value of its own, such as "not stated"' : 'drop the row or fill it in';
          throw new InputError('INPUT_INVALID', `${path}:${row.line}: no value for ${JSON.stringify(names[k])} (${flags[k]}); ${what}`, { path, line: row.line, column: names[k] });
        }
      });
      const label = values[values.length - 2]!;
      const pred = values[values.length - 1]!;

      if (acc === undefined) {
        pair = RECOGNISED_PAIRS.find((p) => p.includes(label));
        if (pair === undefined) throw _needPositive(path, row.line, 'label', label);
        positive = pair[1];
        acc = new BiasAccumulator({ groups: columns.groups, positive });
      }
      if (pair !== undefined) {
        if (!pair.includes(label)) throw _needPositive(path, row.line, 'label', label, pair);
        if (!pair.includes(pred)) throw _needPositive(path, row.line, 'prediction', pred, pair);
      }
      if (seen.label.size < SAMPLE_VALUES) seen.label.add(label);
      if (seen.pred.size < SAMPLE_VALUES) seen.pred.add(pred);
      if (label === positive) seen.positiveInLabels = true;
      if (pred === positive) seen.positiveInPreds = true;
      acc.add({ groups: values.slice(0, -2) as string[], label, pred });
      rows++;
    }
  } catch (e) {
    // Errors from the dataset layer name a line but not the file.
    if (e instanceof InputError && !e.message.startsWith(path)) throw new InputError(e.code, `${path}: ${e.message}`, { ...e.data, path }, e);
    // Node's file errors carry a string code (ENOENT, EACCES, EIO); anything else (an AbortError) passes through.
    const code = (e as { code?: unknown } | null)?.code;
    if (!isCognifyError(e) && typeof code === 'string' && /^E[A-Z]+$/.test(code)) _noFile(path, e);
    throw e;
  }

  if (rows === 0 || acc === undefined || positive === undefined) {
    const why = indexes ? 'has a header but no rows' : 'is empty';
    throw new InputError('INPUT_INVALID', `${path} ${why}; give a file with one row per prediction`, { path });
  }
  const list = (s: Set<string>) => [...s].map((v) => JSON.stringify(v)).join(', ') + (s.size >= SAMPLE_VALUES ? ', …' : '');
  if (!seen.positiveInLabels && !seen.positiveInPreds) {
    throw new InputError(
      'INPUT_INVALID',
      `${path}: positive value ${JSON.stringify(positive)} appears in no label and no prediction (labels: ${list(seen.label)}; predictions: ${list(seen.pred)}); give --positive with one of those values`,
      { path, positive, labels: [...seen.label], preds: [...seen.pred] },
    );
  }
  const extra: string[] = [];
  if (!seen.positiveInLabels) extra.push(`${columns.label}: no label is ${JSON.stringify(positive)} (labels: ${list(seen.label)}); every TPR is undefined; check --label and --positive`);
  if (!seen.positiveInPreds) extra.push(`${columns.pred}: no prediction is ${JSON.stringify(positive)} (predictions: ${list(seen.pred)}); every selection rate is 0; check --pred and --positive`);
  const result = acc.result();
  return { result: { ...result, warnings: [...result.warnings, ...extra] }, rows, positive, format };
}

interface _Row {
  bytes: Uint8Array;
  /** First physical line of the row (1-based) and its byte offset: a RowStart for the parsers. */
  line: number;
  offset: number;
}

/** The file's rows, streamed: the chunker holds one chunk (or one oversized row) at a time. */
async function* _rows(path: string, dialect: CsvDialect | null, signal?: AbortSignal): AsyncIterable<_Row> {
  let line = 1;
  const source = _abortable(createReadStream(path, { highWaterMark: 1 << 20 }), signal);
  for await (const chunk of chunkRows(source, dialect ? createCsvScanner(dialect) : createJsonlScanner())) {
    let start = 0;
    for (const end of chunk.rowEnds) {
      const bytes = chunk.bytes.subarray(start, end);
      yield { bytes, line, offset: chunk.offset + start };
      // A CSV row spans more than one line when a quoted field holds a newline.
      for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) line++;
      start = end;
    }
  }
}

async function* _abortable(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  for await (const piece of source) {
    signal?.throwIfAborted();
    yield piece;
  }
}

function _checkOptions(opts: BiasFromPredictionsOptions): { path: string; columns: PredictionColumns; signal?: AbortSignal } {
  const bad = (message: string, data: Record<string, unknown>) => new InputError('INPUT_INVALID', `predictions: ${message}`, data);
  if (typeof opts?.path !== 'string' || opts.path === '') throw bad('path must name a CSV, TSV or JSONL file', { path: opts?.path });
  const c: Partial<PredictionColumns> | undefined = opts.columns;
  const groups: unknown = c?.groups;
  if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => typeof g !== 'string' || g === '')) {
    throw bad('give one or more protected-attribute columns with --group', { groups });
  }
  if (new Set(groups).size !== groups.length) throw bad(`each --group column once, got ${JSON.stringify(groups)}`, { groups });
  for (const k of ['label', 'pred'] as const) {
    if (typeof c?.[k] !== 'string' || c[k] === '') throw bad(`give the ${k === 'label' ? 'true label' : 'prediction'} column with --${k}`, { [k]: c?.[k] });
  }
  if (c!.positive !== undefined && (typeof c!.positive !== 'string' || c!.positive === '')) {
    throw bad('--positive must be the non-empty label value that counts as positive, e.g. approve', { positive: c!.positive });
  }
  if (opts.format !== undefined && !['csv', 'tsv', 'jsonl'].includes(opts.format)) {
    throw bad(`format must be csv, tsv or jsonl, got ${JSON.stringify(opts.format)}`, { format: opts.format });
  }
  return { path: opts.path, columns: c as PredictionColumns, signal: opts.signal };
}

function _formatOf(path: string, given: PredictionFormat | undefined, head: Uint8Array): PredictionFormat {
  if (given) return given;
  const named = formatFromName(path);
  if (named === 'parquet') {
    throw new InputError('INPUT_INVALID', `${path} is Parquet; predictions are read from CSV, TSV or JSONL: export it as one of those`, { path });
  }
  return named ?? sniffTableFormat(head);
}

async function _readHead(path: string): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    _noFile(path, e);
  }
}

function _noFile(path: string, e: unknown): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `cannot read ${path}: no such file; check the path`, { path }, e);
  if (code === 'EISDIR') throw new InputError('INPUT_INVALID', `${path} is a directory; give a CSV, TSV or JSONL file of predictions`, { path }, e);
  throw new InputError('INPUT_INVALID', `cannot read ${path}: ${(e as Error).message}`, { path }, e);
}

/** "no column "gender"; the columns are a, b, c; give --group with one of them". */
function _noColumn(path: string, kind: 'column' | 'field', name: string, flag: string, have: string[], where: string, intro: string): InputError {
  const shown = have.length > 50 ? `${have.slice(0, 50).join(', ')}, … (${have.length - 50} more)` : have.join(', ');
  return new InputError('INPUT_INVALID', `${path}: no ${kind} ${JSON.stringify(name)}${where}; ${intro} ${shown || '(none)'}; give ${flag} with one of them`, {
    path,
    [kind]: name,
    columns: have,
  });
}

function _needPositive(path: string, line: number, what: 'label' | 'prediction', value: string, pair?: readonly [string, string]): InputError {
  const pairs = RECOGNISED_PAIRS.map(([n, p]) => `{${n}, ${p}}`).join(', ');
  const found = pair ? `the labels began as {${pair[0]}, ${pair[1]}} but line ${line} has ${what} ${JSON.stringify(value)}` : `line ${line} has ${what} ${JSON.stringify(value)}`;
  return new InputError(
    'INPUT_INVALID',
    `${path}: the positive value can be inferred only when labels and predictions are one of ${pairs}; ${found}; give --positive with the value that counts as the favourable outcome`,
    { path, line, value },
  );
}

/** A JSONL field as text: strings as they are, numbers and booleans as their JSON text; missing or null → undefined. */
function _jsonText(path: string, line: number, name: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  throw new InputError('INPUT_INVALID', `${path}:${line}: field ${JSON.stringify(name)} is ${Array.isArray(v) ? 'an array' : 'an object'}; give a string, number or boolean`, { path, line, field: name });
}
