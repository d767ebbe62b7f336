// Finds identifiers of the HIPAA Safe Harbor kinds that can be recognised in text
// (45 CFR 164.514(b)(2)(i)(A)–(R)), in one cell value at a time. Pure: no I/O, no node:* imports.
// The patterns are in pii-patterns.ts, what a column's name says in pii-columns.ts.
//
// Design (why): `cognify scan` aims at ≥ 100 MB/s on one core (issue 5), about 1 µs for a whole
// 150-byte row of eleven cells. So a long value without a digit, '@', ':' or "www." costs one native
// regex test, and any other value one pass over its characters that records what each pattern
// needs — digits, separators, letters, and the *shape of its digit runs* (a run of 3, a '-', a run
// of 2, a '-', a run of 4 is the only way `###-##-####` can match). A regex runs only where that
// shape is present, so an ISO timestamp runs the ISO date pattern and nothing else. Each gate is
// implied by its pattern (the test suite checks gated and ungated detection agree). _detectRange
// works on a range of a larger string — a table scan's block of rows, even its byte view
// (pii-text.ts) — so only a value that needs a regex is ever sliced out of it.
//
// Context kinds (MRN, health plan, account, licence, plate, device, ZIP, names) are found only
// where a column name or a preceding keyword says what the number is — a bare digit run is never
// an identifier by itself, which is what keeps amounts, counts, credit scores and application ids
// (APP-100001) out.

import { columnContext, _hasLetter, _looksLikeName, type ColumnContext } from './pii-columns.js';
import {
  AGE_KW, AGE_UNIT, DATE_DE, DATE_DMON, DATE_DMY, DATE_DOT, DATE_ISO, DATE_MDY, DATE_MY, DATE_NUM, IPV4, monthPossible,
  monthPossibleAnyCase, NOT_BEFORE_DOT_DATE, NOT_BEFORE_INTL, NOT_BEFORE_IP, NOT_BEFORE_ISO, NOT_BEFORE_NUM, NOT_BEFORE_PHONE, PHONE_INTL,
  PHONE_US, URL, ZIP_STATE, ZIP_WORD, ages, columnFindings, emails, ipv6s, keywordSsns, keywords,
  scan, scanAfter, scanGroup, ssns, validVin, vins,
} from './pii-patterns.js';

export type PiiKind =
  | 'ssn'
  | 'phone'
  | 'email'
  | 'url'
  | 'ip'
  | 'date'
  | 'zip'
  | 'mrn'
  | 'health-plan'
  | 'account'
  | 'licence'
  | 'vehicle'
  | 'device'
  | 'age-over-89'
  | 'name';

/** One identifier: `start`/`end` are UTF-16 offsets within the value (end exclusive). */
export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
}

export const PII_KINDS: readonly PiiKind[] = [
  'ssn', 'phone', 'email', 'url', 'ip', 'date', 'zip', 'mrn', 'health-plan', 'account',
  'licence', 'vehicle', 'device', 'age-over-89', 'name',
];

export { validVin as _validVin };
export type { ColumnContext };

// Kinds recognised by their own shape win over kinds recognised only by context when two
// findings cover the same characters (e.g. "chart 2024-03-05" is a date, not an MRN).
const _RANK: Record<PiiKind, number> = {
  url: 0, email: 1, ssn: 2, ip: 3, phone: 4, date: 5, vehicle: 6, 'age-over-89': 7, zip: 8,
  mrn: 9, 'health-plan': 10, account: 11, licence: 12, device: 13, name: 14,
};

const _TRIGGER = /[0-9@:]|[wW]{3}\./;
/** Values longer than this are tested with _TRIGGER (native) before the character pass. */
const _TRIGGER_FIRST = 40;

// Shapes of digit runs (bits). A run's length and the single character between it and the run
// before are all the date, SSN, phone, ZIP and age patterns need to be possible.
const _SSN = 1, _PHONE = 2, _ISO = 4, _NUM = 8, _DOT = 16, _RUN5 = 32, _RUN9 = 64, _RUN12 = 128, _RUN23 = 256, _RUN4 = 512;
const _bit = (ch: string): number => 1 << (ch.charCodeAt(0) - 97);
const _S = _bit('s'), _Z = _bit('z'), _I = _bit('i'), _P = _bit('p'), _Y = _bit('y'), _AGE = _bit('a') | _bit('g') | _bit('e');

/** Shape bits of a digit run of length `n` that follows `r2` after separator `s2`, which followed `r1` after `s1` (0: not adjacent). */
function _runShapes(n: number, r1: number, s1: number, r2: number, s2: number): number {
  let b = n === 5 ? _RUN5 : n === 9 ? _RUN9 : n === 4 ? _RUN4 : 0;
  if (n <= 2) b |= _RUN12;
  if (n === 2 || n === 3) b |= _RUN23;
  if (s2 === 0) return b;
  // ###[ .-]#### — the exchange and line of a NANP number
  if (n === 4 && r2 === 3 && (s2 === 32 || s2 === 45 || s2 === 46)) b |= _PHONE;
  if (s1 !== s2) return b;
  if (n === 4 && r2 === 2 && r1 === 3 && s2 === 45) b |= _SSN; // ###-##-####
  if (n === 2 && r2 === 2 && r1 === 4 && (s2 === 45 || s2 === 47 || s2 === 46)) b |= _ISO; // ####-##-##
  if ((n === 2 || n === 4) && r2 <= 2 && r1 <= 2 && (s2 === 47 || s2 === 45)) b |= _NUM; // #/#/## … ##-##-####
  if (n === 4 && r2 <= 2 && r1 <= 2 && s2 === 46) b |= _DOT; // ##.##.####
  return b;
}

const _NONE: PiiFinding[] = [];
Object.freeze(_NONE);

function _hasNonAscii(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) >= 128) return true;
  return false;
}

// Bounds of the trimmed value after _nameCheck returned 1.
let _trimStart = 0;
let _trimEnd = 0;

/**
 * A value of a 'name' or 'person' column: 1 when s[start, end) is a name (the whole value, trimmed),
 * else 0 (a 'person' value is then scanned like any other). Works on a byte view too (`bytes`).
 */
export function _nameCheck(s: string, start: number, end: number, ctx: 'name' | 'person', bytes: boolean): number {
  let a = start;
  let b = end;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  if (a === b) return 0;
  _trimStart = a;
  _trimEnd = b;
  // (A) a name column: the whole trimmed value, when it holds a letter
  if (ctx === 'name') return _hasLetter(s, a, b, bytes) ? 1 : 0;
  return _looksLikeName(s, a, b, bytes) ? 1 : 0;
}

/**
 * Findings in s[start, end) for a column whose context is `ctx`, offsets relative to `start`,
 * sorted and never overlapping. With `bytes`, `s` is a byte view of UTF-8 text (one character per
 * byte, as Buffer#latin1Slice gives): a value that is all ASCII is its own text, and for one that
 * is not and may hold an identifier the answer is null — decode it and ask again. The result may
 * be a shared empty array: do not modify it.
 */
export function _detectRange(s: string, start: number, end: number, ctx: ColumnContext, bytes: boolean): PiiFinding[] | null {
  if (end <= start) return _NONE;
  if (ctx === 'name' || ctx === 'person') {
    const r = _nameCheck(s, start, end, ctx, bytes);
    if (r > 0) {
      // On a byte view, offsets of a non-ASCII value are not the text's: the caller decodes it.
      if (bytes && _hasNonAscii(s, _trimStart, _trimEnd)) return null;
      return [{ kind: 'name', start: _trimStart - start, end: _trimEnd - start }];
    }
    if (ctx === 'name') return _NONE;
    ctx = null; // not a name: the value is scanned like any other
  }

  const len = end - start;
  let value: string | undefined;
  if (len > _TRIGGER_FIRST) {
    // Every pattern needs a digit, an '@', a ':' or "www.": most free text has none (one native scan).
    value = s.slice(start, end);
    if (!_TRIGGER.test(value)) return _NONE;
  }

  // One pass over the characters, counting what each pattern needs to be possible.
  let digits = 0, dots = 0, colons = 0, upper = 0, lower = 0, lmask = 0, umask = 0;
  let at = false, plus = false, space = false, ws = false, dblColon = false, scheme = false, www = false, nonAscii = false, dashSlash = false;
  // digitDots: '.' between two digits (IPv4 needs 3); run/maxRun: longest alphanumeric run (VIN 17)
  let digitDots = 0, run = 0, maxRun = 0;
  // longest run of letters: every keyword has two letters together, except "A/C"
  let lr = 0, maxLr = 0;
  // Digit runs: the current one (dr), the last two before it (r2, r1) and the character between
  // each pair when they are one character apart (s2, s1; else 0).
  let dr = 0, lastLen = 0, lastEnd = -2, r1 = 0, s1 = 0, r2 = 0, s2 = 0, shapes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (dr === 0) {
        r1 = r2; s1 = s2; r2 = lastLen;
        s2 = i === lastEnd + 1 ? s.charCodeAt(i - 1) : 0;
      }
      dr++; digits++; run++;
      if (lr > maxLr) maxLr = lr;
      lr = 0;
      continue;
    }
    if (dr > 0) {
      shapes |= _runShapes(dr, r1, s1, r2, s2);
      lastLen = dr; lastEnd = i; dr = 0;
    }
    if (c >= 97 && c <= 122) { lower++; run++; lr++; lmask |= 1 << (c - 97); continue; }
    if (c >= 65 && c <= 90) { upper++; run++; lr++; const bit = 1 << (c - 65); lmask |= bit; umask |= bit; continue; }
    if (run > maxRun) maxRun = run;
    run = 0;
    if (lr > maxLr) maxLr = lr;
    lr = 0;
    if (c === 46) {
      dots++;
      if (i > start && _isDigit(s.charCodeAt(i - 1)) && i + 1 < end && _isDigit(s.charCodeAt(i + 1))) digitDots++;
      if (i - start >= 3 && (s.charCodeAt(i - 1) | 32) === 119 && (s.charCodeAt(i - 2) | 32) === 119 && (s.charCodeAt(i - 3) | 32) === 119) www = true;
    } else if (c === 58) {
      colons++;
      const n = i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if (n === 58) dblColon = true;
      else if (n === 47) scheme = true;
    } else if (c === 64) at = true;
    else if (c === 45 || c === 47) dashSlash = true;
    else if (c === 43) plus = true;
    else if (c === 32 || c === 9) space = ws = true;
    else if (c >= 10 && c <= 13) ws = true;
    else if (c >= 128) nonAscii = ws = true; // U+00A0, U+3000 … are \s to a regex
  }
  if (dr > 0) shapes |= _runShapes(dr, r1, s1, r2, s2);
  if (run > maxRun) maxRun = run;
  if (lr > maxLr) maxLr = lr;
  if (bytes && nonAscii) return null;
  if (digits === 0 && !at && colons === 0 && !www) return _NONE;
  value ??= start === 0 && end === s.length ? s : s.slice(start, end);
  const letters = upper + lower;
  const out: PiiFinding[] = [];

  if (at) {
    emails(value, out);
    // A value that is one e-mail address: nothing else can start before it, and only a URL (rank 0,
    // which needs "://" or "www.") could win at its start.
    if (out.length === 1 && out[0]!.start === 0 && out[0]!.end === len && !scheme && !www) return out;
  }
  if (scheme || www) scan(URL, value, out, 'url', true);
  // IPv6 is either compressed ('::') or eight groups (seven colons)
  if (dblColon || colons >= 7) ipv6s(value, out);

  if (digits > 0) {
    if (shapes & _SSN) ssns(value, out);
    if (shapes & _RUN9 && lmask & _S && letters >= 3) keywordSsns(value, out);
    if (shapes & _PHONE) scanAfter(PHONE_US, value, out, 'phone', NOT_BEFORE_PHONE);
    if (plus && digits >= 7) scanAfter(PHONE_INTL, value, out, 'phone', NOT_BEFORE_INTL);
    if (digitDots >= 3) scanAfter(IPV4, value, out, 'ip', NOT_BEFORE_IP);
    if (shapes & _ISO) scanAfter(DATE_ISO, value, out, 'date', NOT_BEFORE_ISO);
    if (shapes & _NUM) scanAfter(DATE_NUM, value, out, 'date', NOT_BEFORE_NUM);
    if (shapes & _DOT) scanAfter(DATE_DOT, value, out, 'date', NOT_BEFORE_DOT_DATE);
    if (shapes & _RUN12 && shapes & _RUN4) {
      if (dashSlash && monthPossibleAnyCase(lmask)) scan(DATE_DMON, value, out, 'date', false);
      if (dots > 0 && ws && upper > 0) scan(DATE_DE, value, out, 'date', false);
    }
    if (ws && lower > 0 && monthPossible(umask, lmask)) {
      if (shapes & _RUN4) scan(DATE_MY, value, out, 'date', false);
      if (shapes & _RUN12) {
        scan(DATE_MDY, value, out, 'date', false);
        scan(DATE_DMY, value, out, 'date', false);
      }
    }
    if (shapes & _RUN5) {
      if (upper >= 2 && space) scanGroup(ZIP_STATE, value, out, 'zip');
      if (lmask & _Z && lmask & _I && lmask & _P) scanGroup(ZIP_WORD, value, out, 'zip');
    }
    if (digits >= 2 && (maxLr >= 2 || (letters >= 2 && dashSlash))) keywords(value, out);
    if (digits >= 5 && maxRun >= 17 && upper > 0) vins(value, out);
    if (shapes & _RUN23) {
      if ((lmask & _AGE) === _AGE) ages(AGE_KW, value, out);
      if (lmask & _Y) ages(AGE_UNIT, value, out);
    }
    if (ctx !== null && (ctx !== 'zip' || shapes & _RUN5)) columnFindings(ctx, value, out);
  }
  return _resolve(out);
}

function _isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Every pattern on `value` with no gate at all: what the gates in _detectRange must agree with
 * (tests only; slow).
 */
export function _detectUngated(value: string, column?: string): PiiFinding[] {
  let ctx = column === undefined ? null : columnContext(column);
  if (ctx === 'name' || ctx === 'person') {
    const f = _detectRange(value, 0, value.length, ctx, false)!;
    if (ctx === 'name' || f.length > 0) return f.slice();
    ctx = null;
  }
  const out: PiiFinding[] = [];
  emails(value, out);
  scan(URL, value, out, 'url', true);
  ipv6s(value, out);
  ssns(value, out);
  keywordSsns(value, out);
  scanAfter(PHONE_US, value, out, 'phone', NOT_BEFORE_PHONE);
  scanAfter(PHONE_INTL, value, out, 'phone', NOT_BEFORE_INTL);
  scanAfter(IPV4, value, out, 'ip', NOT_BEFORE_IP);
  scanAfter(DATE_ISO, value, out, 'date', NOT_BEFORE_ISO);
  scanAfter(DATE_NUM, value, out, 'date', NOT_BEFORE_NUM);
  scanAfter(DATE_DOT, value, out, 'date', NOT_BEFORE_DOT_DATE);
  scan(DATE_DMON, value, out, 'date', false);
  scan(DATE_DE, value, out, 'date', false);
  scan(DATE_MY, value, out, 'date', false);
  scan(DATE_MDY, value, out, 'date', false);
  scan(DATE_DMY, value, out, 'date', false);
  scanGroup(ZIP_STATE, value, out, 'zip');
  scanGroup(ZIP_WORD, value, out, 'zip');
  keywords(value, out);
  vins(value, out);
  ages(AGE_KW, value, out);
  ages(AGE_UNIT, value, out);
  if (ctx !== null) columnFindings(ctx, value, out);
  return _resolve(out);
}

/**
 * Find identifiers in `value`. `column` (a column name, dotted path or JSON pointer) gives context:
 * it is what makes a digit run an MRN, account or ZIP, and the only way a value is ever reported
 * as a name. Findings are sorted by start and never overlap.
 */
export function detectPii(value: string, column?: string): PiiFinding[] {
  const f = _detectRange(value, 0, value.length, column === undefined ? null : columnContext(column), false)!;
  return f === _NONE ? [] : f;
}

/** Sort by start; where findings overlap keep the earliest, then the best-ranked, then the longest. */
function _resolve(f: PiiFinding[]): PiiFinding[] {
  if (f.length < 2) return f;
  f.sort((a, b) => a.start - b.start || _RANK[a.kind] - _RANK[b.kind] || b.end - a.end);
  const out: PiiFinding[] = [];
  let lastEnd = -1;
  for (const x of f) {
    if (x.start >= lastEnd) {
      out.push(x);
      lastEnd = x.end;
    } else {
      // overlapping matches of the same kind merge into one finding; another kind is dropped
      const prev = out[out.length - 1]!;
      if (prev.kind === x.kind && x.end > prev.end) { prev.end = x.end; lastEnd = x.end; }
    }
  }
  return out;
}

// Characters kept by maskValue: fixed separators only, so the masked text shows the shape of an
// identifier ("•••-••-••••", "•••••@•••••.•••") and never one of its letters or digits.
const _KEEP = new Set([32, 9, 45, 46, 64, 47, 58, 40, 41, 43, 44, 95, 35]); // space tab - . @ / : ( ) + , _ #
export const MASK_CHAR = '•';

/**
 * Replace every character of every finding with '•', except the separators listed in `_KEEP`.
 * Text outside the findings is returned unchanged.
 */
export function maskValue(value: string, findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return value;
  const chars = value.split('');
  for (const f of findings) {
    const end = Math.min(f.end, chars.length);
    for (let i = Math.max(0, f.start); i < end; i++) {
      if (!_KEEP.has(value.charCodeAt(i))) chars[i] = MASK_CHAR;
    }
  }
  return chars.join('');
}
