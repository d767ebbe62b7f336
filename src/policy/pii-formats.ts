// Value formats for the CSV scan's per-column memo (pii-table-csv.ts): shapes so common in tables
// that one sticky regex can both find a field's end and settle what the detector (pii-detect.ts)
// reports for the whole value, with no character loop in JavaScript. Each claim below is argued
// from the patterns and checked by test/policy/pii-table.test.ts against detectPii on generated
// values; a format is used only for columns whose context leaves the claim true.
//
//   TEXT   no ASCII digit, '@' or ':' (quoted or not): no pattern can match (each needs one of
//          them, or "www.", which the caller rules out per block). Not for name columns.
//   DEC    -?digits(.digits)?: every shape pattern needs a separator other than a lone '.', a
//          '+', a letter or an '@'. Not where context makes numbers identifiers (ZIP, MRN, age …).
//   ID     a lowercase letter then digits, or one or two capitals then at most 14 digits: keywords
//          need two letters and a word boundary, a VIN 17 characters with a capital.
//   ISO    an ISO 8601 date or timestamp from 1800 on: one date, its first 10 characters.
//   EMAIL  a bare e-mail address not starting "www.": one e-mail, the whole value (only a URL, which
//          needs "://" or "www." at the start, could outrank it there).

import type { ColumnContext } from './pii-columns.js';
import { PII_KINDS, type PiiKind } from './pii-detect.js';

export const F_TEXT = 0;
export const F_DEC = 1;
export const F_ID = 2;
export const F_ISO = 3;
export const F_EMAIL = 4;

/** What the detector reports for a whole value of each format: nothing, or one finding from 0 to `end` (-1: to the end); `index` is the kind's in PII_KINDS. */
export const FORMAT_FINDING: ReadonlyArray<{ kind: PiiKind; index: number; end: number } | null> = [
  null,
  null,
  null,
  { kind: 'date', index: PII_KINDS.indexOf('date'), end: 10 },
  { kind: 'email', index: PII_KINDS.indexOf('email'), end: -1 },
];

const _DEC = String.raw`-?\d+(?:\.\d+)?`;
const _ID = String.raw`(?:[a-z]\d+|[A-Z]{1,2}\d{1,14})`;
const _ISO = String.raw`(?:1[89]|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?)?`;
const _EMAIL = String.raw`(?![wW]{3}\.)[A-Za-z0-9_%+-][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`;

const _ALL = (1 << F_TEXT) | (1 << F_DEC) | (1 << F_ID) | (1 << F_ISO) | (1 << F_EMAIL);
/** Tried in this order when a column learns its format (TEXT, the most general, last). */
const _LEARN_ORDER = [F_ISO, F_EMAIL, F_DEC, F_ID, F_TEXT];

export interface Formats {
  /** Sticky regexes, by format number, and their sources. */
  re: RegExp[];
  src: string[];
  delimiter: number;
  /** Formats a column with this context may use (bit i: format i). */
  allowed(ctx: ColumnContext): number;
}

const _hex = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;

/** The formats for a dialect (TEXT must stop at its delimiter and quote). */
export function formatsFor(delimiter: number, quote: number): Formats {
  const d = _hex(delimiter);
  const q = _hex(quote);
  // Quoted: "…" with "" inside, written as an unrolled loop (a per-character alternation is slow).
  const text = quote < 0 ? `[^${d}0-9@:\\n\\r]*` : `${q}[^${q}0-9@:\\n\\r]*(?:${q}${q}[^${q}0-9@:\\n\\r]*)*${q}|[^${d}${q}0-9@:\\n\\r]*`;
  const src: string[] = [];
  src[F_TEXT] = text;
  src[F_DEC] = _DEC;
  src[F_ID] = _ID;
  src[F_ISO] = _ISO;
  src[F_EMAIL] = _EMAIL;
  // A fragment must never match the delimiter or the quote, or a format would run past its field:
  // with an unusual dialect (a letter, digit, space or one of . - : + _ % @), no formats.
  const usable = ![delimiter, quote].some((b) => b >= 0 && /[A-Za-z0-9 .\-:+_%@]/.test(String.fromCharCode(b)));
  return {
    re: src.map((x) => new RegExp(x, 'y')),
    src,
    delimiter,
    allowed(ctx) {
      if (!usable) return 0;
      if (ctx === null) return _ALL;
      if (ctx === 'person') return _ALL & ~(1 << F_TEXT);
      if (ctx === 'name') return 1 << F_DEC;
      return 1 << F_TEXT;
    },
  };
}

/** The first allowed format whose match at `a` ends exactly at `b`, or -1. */
export function learnFormat(f: Formats, s: string, a: number, b: number, allowed: number): number {
  for (const k of _LEARN_ORDER) {
    if ((allowed & (1 << k)) === 0) continue;
    const re = f.re[k]!;
    re.lastIndex = a;
    if (re.test(s) && re.lastIndex === b) return k;
  }
  return -1;
}

/** Whether the whole of `value` has format `k` (tests). */
export function _isFormat(f: Formats, k: number, value: string): boolean {
  const re = f.re[k]!;
  re.lastIndex = 0;
  return re.test(value) && re.lastIndex === value.length;
}

/**
 * A row as runs of columns: each run of columns that all have a format is one sticky regex (its
 * delimiters, and at the end of the row the line ending, included), so a row of such columns costs a
 * few native calls instead of one per field; a column without one is a part of its own, read as
 * usual. A fragment never matches a delimiter outside quotes, so the regex's delimiters are the
 * row's. null when no column has a format.
 */
export interface TemplatePart {
  re: RegExp | null;
  /** Columns [from, to). */
  from: number;
  to: number;
}

export function rowTemplate(f: Formats, fmts: readonly number[]): TemplatePart[] | null {
  const parts: TemplatePart[] = [];
  const d = _hex(f.delimiter);
  let any = false;
  for (let i = 0; i < fmts.length; ) {
    if (fmts[i]! < 0) {
      parts.push({ re: null, from: i, to: i + 1 });
      i++;
      continue;
    }
    let j = i;
    const src: string[] = [];
    for (; j < fmts.length && fmts[j]! >= 0; j++) src.push(`(?:${f.src[fmts[j]!]!})`);
    parts.push({ re: new RegExp(src.join(d) + (j === fmts.length ? '\\r?\\n' : d), 'y'), from: i, to: j });
    any = true;
    i = j;
  }
  return any ? parts : null;
}
