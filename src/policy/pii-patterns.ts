// The patterns of the PII/PHI detector (issue 5) and the loops that run them over one value. Which
// of them run on a value is decided by pii-detect.ts from one pass over its characters; everything
// here assumes it was asked to run. All regexes are compiled once, global, and reset before use.
//
// What may not precede a match is checked in code (`scanAfter`) rather than with a leading
// lookbehind, which would stop the regex engine from skipping quickly to the pattern's first
// character — a tenfold cost on long notes.

import type { PiiFinding, PiiKind } from './pii-detect.js';

// (G) SSN ###-##-####; SSA never issues area 000, 666 or 900–999, group 00 or serial 0000.
export const SSN = /(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
// (G) SSN without dashes, only after the keyword.
export const SSN_KW = /\b(?:SSN|social security(?: number| no\.?)?)\b[ \t]*[:#]?[ \t]*(\d{9})(?!\d)/gi;
// (D, E) telephone and fax: NANP with optional +1, parentheses, '-', '.', ' ' separators…
export const PHONE_US = /(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\w-]|\.\d)/g;
// …and E.164 (+CC then 6–13 more digits, optional single separators, and the "(0)" trunk prefix
// written in UK/European numbers).
export const PHONE_INTL = /\+[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\d){6,13}(?![\w-])/g;
// (N, O) URLs (web addresses); trailing sentence punctuation is trimmed afterwards.
export const URL = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
// (O) IPv4 with valid octets, not part of a longer dotted number.
const _OCT = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
export const IPV4 = new RegExp(`(?:${_OCT}\\.){3}${_OCT}(?!\\d|\\.\\d)`, 'g');
// (O) IPv6 candidates; validated by isIpv6 (8 groups, or '::' once with ≥ 2 groups).
const _IPV6 = /(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
// (C) dates more specific than a year.
export const DATE_ISO = /(?:1[89]|20)\d\d([-/.])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?!\d)/g;
export const DATE_NUM = /(?:0?[1-9]|[12]\d|3[01])([/-])(?:0?[1-9]|[12]\d|3[01])\1(?:(?:19|20)\d\d|\d\d)(?![\d/-]|\.\d)/g;
// Day.month.year with a four-digit year (European notation); three parts, so never an IPv4.
export const DATE_DOT = /(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:19|20)\d\d(?!\d|\.\d)/g;
// Day, month abbreviation, year with dashes or slashes, in any case ("01-Mar-2009", "5/MAR/1990").
export const DATE_DMON = /\b(?:[12]\d|3[01]|0?[1-9])([-/])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\1(?:19|20)\d\d\b/gi;
// German: "23. Februar 1962", "5. März 2024".
export const DATE_DE = /\b(?:[12]\d|3[01]|0?[1-9])\.[ \t]*(?:Januar|Jänner|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)[ \t]+(?:19|20)\d\d\b/g;
const _MON = 'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';
const _FULL_MON = 'January|February|March|April|May|June|July|August|September|October|November|December';
export const DATE_MDY = new RegExp(`\\b(?:${_MON})\\.?\\s+(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\\b(?:,?\\s+(?:19|20)\\d\\d\\b)?`, 'g');
export const DATE_DMY = new RegExp(`\\b(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\\s+(?:${_MON})\\b\\.?,?(?:\\s+(?:19|20)\\d\\d\\b)?`, 'g');
// Month and year ("March 2024"): the month is a date element (C); full names only, to stay precise.
export const DATE_MY = new RegExp(`\\b(?:${_FULL_MON}),?\\s+(?:19|20)\\d\\d\\b`, 'g');
// Which months' names the letters of a value allow: each needs its capital and its next two letters
// (any case) — "Jan" J, a, n … — a gate the month patterns imply (they are case-sensitive).
const _MONTH_LETTERS: ReadonlyArray<[number, number]> = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) => [
  1 << (m.charCodeAt(0) - 65),
  (1 << (m.charCodeAt(1) - 97)) | (1 << (m.charCodeAt(2) - 97)),
]);

/** Whether letters `lmask` (any case, bit 0 = a) may spell a month's abbreviation in any case. */
export function monthPossibleAnyCase(lmask: number): boolean {
  for (const [cap, rest] of _MONTH_LETTERS) if ((lmask & (cap | rest)) === (cap | rest)) return true;
  return false;
}

/** Whether a value with capitals `umask` and letters `lmask` (bit 0 = A/a) may hold a month's name. */
export function monthPossible(umask: number, lmask: number): boolean {
  for (const [cap, rest] of _MONTH_LETTERS) if (umask & cap && (lmask & rest) === rest) return true;
  return false;
}
// (B) ZIP in free text only after a state abbreviation or the word ZIP.
export const ZIP_STATE = /\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]),?[ \t]+(\d{5}(?:-\d{4})?)(?![\d-])/g;
export const ZIP_WORD = /\b(?:ZIP|Zip|zip)(?:[ _]?code)?(?:[ \t]+is)?[ \t]*[:#]?[ \t]*(\d{5}(?:-\d{4})?)(?![\d-])/g;
const _ZIP_ANY = /\d{5}(?:-\d{4})?(?![\d-])/g;
// (H, I, J, K, L, M) numbers named by a preceding keyword. The group that matched gives the kind;
// "licence plate" is tried before "licence" so plates are vehicles (L), not licences (K).
// The identifier is a token with a digit early on, or a GS1 string of "(AI)value" pairs (a UDI).
const _KEYWORD = new RegExp(
  String.raw`\b(?:(MRN|MR(?=[ \t]*#)|medical[ _]record|med\.?[ _]rec|hospital(?=[ _](?:number|no\b|#))|chart|patient[ _]id)` +
    String.raw`|(member|subscriber|policy|health[ _]plan|insurance|medicaid|medicare|beneficiary|HICN|MBI)` +
    String.raw`|(acct|account|bank[ _]account|A\/C|IBAN|loan(?=[ _]*(?:number|no\b|#)))` +
    String.raw`|(licen[cs]e[ _]plate|registration[ _]plate|plate)` +
    String.raw`|(driver'?s?[ _]licen[cs]e|drivers?'?[ _]lic|driving[ _]licen[cs]e|licen[cs]e|lic|DL|DEA|NPI|national[ _]provider[ _]identifier)` +
    String.raw`|(serial|S\/N|SN|device[ _]id|UDI|IMEI))` +
    String.raw`\b\.?[ \t]*(?:(?:no|num|nbr|number|id|identifier|reg|registration)\b\.?|#)?[ \t]*(?:(?:is|was)[ \t]+)?[:#=-]?[ \t]*` +
    String.raw`((?:\(\d{2,4}\)[0-9A-Z]+)+|[A-Z]{0,4}-?\d[\dA-Z-]*)`,
  'gi',
);
const _KEYWORD_KINDS: readonly PiiKind[] = ['mrn', 'health-plan', 'account', 'vehicle', 'licence', 'device'];
// (L) VIN: 17 characters without I, O, Q; the ISO 3779 / 49 CFR 565 check digit is validated.
const _VIN = /\b[A-HJ-NPR-Z0-9]{17}\b/g;
// (C) ages over 89, stated with a keyword ("age 92", "aged 95") or a unit ("93 years old", "91 y/o").
export const AGE_KW = /\b(?:age[ds]?|aged)\b[ \t]*[:=]?[ \t]*(\d{2,3})\b/gi;
export const AGE_UNIT = /\b(\d{2,3})(?:[ -]?(?:years?|yrs?)(?:[ -]old)?|[ -]?(?:y\/o|yo|y\.o\.))(?![\w])/gi;
// Identifier-like tokens in a context column.
const _TOKEN = /[A-Za-z0-9][A-Za-z0-9-]*/g;

// ---------------------------------------------------------------------------------------------

export function validSsn(a: string, g: string, s: string): boolean {
  return a !== '000' && a !== '666' && a.charCodeAt(0) !== 57 /* '9' */ && g !== '00' && s !== '0000';
}

const _VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
// Transliteration A–Z (I, O, Q unused) per 49 CFR 565.15.
const _VIN_LETTER = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9];

/** True when a 17-character VIN candidate has a valid check digit (position 9). */
export function validVin(v: string): boolean {
  let sum = 0;
  let digits = 0;
  for (let i = 0; i < 17; i++) {
    const c = v.charCodeAt(i);
    let n: number;
    if (c >= 48 && c <= 57) { n = c - 48; digits++; } else n = _VIN_LETTER[c - 65] ?? 0;
    sum += n * (_VIN_WEIGHTS[i] ?? 0);
  }
  // A run of 17 digits is an amount or an id, not a VIN; real VINs carry letters (WMI).
  if (digits === 17 || digits < 5) return false;
  const r = sum % 11;
  const check = v.charCodeAt(8);
  return r === 10 ? check === 88 /* 'X' */ : check === 48 + r;
}

function _isIpv6(s: string): boolean {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return false;
  const parts = s.split(':');
  let groups = 0;
  for (const p of parts) if (p.length > 0) groups++;
  if (dbl < 0) return parts.length === 8 && groups === 8;
  // ':::' or stray leading/trailing single ':' are not addresses
  if (/:::/.test(s) || (/^:[^:]/.test(s)) || /[^:]:$/.test(s)) return false;
  return groups >= 2 && groups <= 7;
}

function _countDigits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

const _TRAIL = new Set([46, 44, 59, 58, 33, 63, 41, 93, 125, 39, 34]); // . , ; : ! ? ) ] } ' "

function _isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function _isWordOr(c: number, extra: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === extra;
}
// What may not come right before a match (the lookbehinds, written as code).
export const NOT_BEFORE_PHONE = (c: number): boolean => _isWordOr(c, 43) || c === 46 || c === 45; // [\w+.-]
export const NOT_BEFORE_INTL = (c: number): boolean => _isWordOr(c, 43); // [\w+]
export const NOT_BEFORE_IP = (c: number): boolean => _isDigit(c) || c === 46; // [\d.]
// A dotted date right after a letter is a version ("v12.3.2032"), not a date.
export const NOT_BEFORE_DOT_DATE = (c: number): boolean => _isWordOr(c, 46); // [\w.]
export const NOT_BEFORE_ISO = (c: number): boolean => _isDigit(c);
export const NOT_BEFORE_NUM = (c: number): boolean => _isDigit(c) || c === 47 || c === 46 || c === 45; // [\d/.-]
const _NOT_BEFORE_ZIP = (c: number): boolean => _isDigit(c) || c === 45; // [\d-]

export function scanAfter(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind, notBefore: (c: number) => boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    if (m.index > 0 && notBefore(value.charCodeAt(m.index - 1))) { re.lastIndex = m.index + 1; continue; }
    out.push({ kind, start: m.index, end: m.index + m[0].length });
  }
}

export function scan(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind, trimTrail: boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    let end = m.index + m[0].length;
    if (trimTrail) while (end > m.index && _TRAIL.has(value.charCodeAt(end - 1))) end--;
    if (end > m.index) out.push({ kind, start: m.index, end });
  }
}

/** The identifier is capture group 1, which always ends the match. */
export function scanGroup(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const end = m.index + m[0].length;
    out.push({ kind, start: end - m[1]!.length, end });
  }
}

export function ssns(value: string, out: PiiFinding[]): void {
  SSN.lastIndex = 0;
  for (let m = SSN.exec(value); m !== null; m = SSN.exec(value)) {
    const p = m.index > 0 ? value.charCodeAt(m.index - 1) : 0;
    if (_isDigit(p) || p === 45) { SSN.lastIndex = m.index + 1; continue; }
    if (validSsn(m[1]!, m[2]!, m[3]!)) out.push({ kind: 'ssn', start: m.index, end: m.index + 11 });
  }
}

export function keywordSsns(value: string, out: PiiFinding[]): void {
  SSN_KW.lastIndex = 0;
  for (let m = SSN_KW.exec(value); m !== null; m = SSN_KW.exec(value)) {
    const d = m[1]!;
    if (validSsn(d.slice(0, 3), d.slice(3, 5), d.slice(5))) {
      const end = m.index + m[0].length;
      out.push({ kind: 'ssn', start: end - 9, end });
    }
  }
}

export function ipv6s(value: string, out: PiiFinding[]): void {
  _IPV6.lastIndex = 0;
  for (let m = _IPV6.exec(value); m !== null; m = _IPV6.exec(value)) {
    if (m.index > 0 && _isWordOr(value.charCodeAt(m.index - 1), 58)) { _IPV6.lastIndex = m.index + 1; continue; }
    if (_isIpv6(m[0])) out.push({ kind: 'ip', start: m.index, end: m.index + m[0].length });
  }
}

export function vins(value: string, out: PiiFinding[]): void {
  _VIN.lastIndex = 0;
  for (let m = _VIN.exec(value); m !== null; m = _VIN.exec(value)) {
    if (validVin(m[0])) out.push({ kind: 'vehicle', start: m.index, end: m.index + 17 });
  }
}

export function ages(re: RegExp, value: string, out: PiiFinding[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const n = Number(m[1]);
    if (n > 89 && n < 130) {
      const start = m.index + m[0].indexOf(m[1]!);
      out.push({ kind: 'age-over-89', start, end: start + m[1]!.length });
    }
  }
}

/**
 * Digits a token needs to count as an identifier of `kind`: plates ("SY00HZC") and device serials
 * ("SNT1RU4AYK") carry few digits among letters, so two do when the token is long enough.
 */
function _minDigits(kind: PiiKind, len: number): number {
  if (kind === 'vehicle') return len >= 5 ? 2 : 3;
  if (kind === 'device') return len >= 6 ? 2 : 4;
  return 4;
}

export function keywords(value: string, out: PiiFinding[]): void {
  _KEYWORD.lastIndex = 0;
  for (let m = _KEYWORD.exec(value); m !== null; m = _KEYWORD.exec(value)) {
    let g = 0;
    while (g < 6 && m[g + 1] === undefined) g++;
    const kind = _KEYWORD_KINDS[g]!;
    const tok = m[7]!;
    let end = m.index + m[0].length;
    const start = end - tok.length;
    while (end > start && value.charCodeAt(end - 1) === 45) end--; // trailing '-'
    if (_countDigits(value, start, end) >= _minDigits(kind, end - start)) out.push({ kind, start, end });
    // let the next search start right after the keyword, so a token is never skipped over
    _KEYWORD.lastIndex = Math.max(start, m.index + 1);
  }
}

/**
 * (F) e-mail: expand around each '@' instead of a regex with a leading '+' run, which would
 * backtrack at every position of long free text.
 */
export function emails(value: string, out: PiiFinding[]): void {
  let from = 0;
  for (let at = value.indexOf('@', from); at >= 0; at = value.indexOf('@', from)) {
    from = at + 1;
    let s = at;
    while (s > 0 && _isLocal(value.charCodeAt(s - 1))) s--;
    let e = at + 1;
    while (e < value.length && _isDomain(value.charCodeAt(e))) e++;
    while (e > at + 1 && (value.charCodeAt(e - 1) === 46 || value.charCodeAt(e - 1) === 45)) e--;
    while (s < at && value.charCodeAt(s) === 46) s++;
    if (s === at || e === at + 1) continue;
    const lastDot = value.lastIndexOf('.', e - 1);
    if (lastDot <= at + 1 || e - lastDot - 1 < 2) continue;
    let tldOk = true;
    for (let i = lastDot + 1; i < e; i++) {
      const c = value.charCodeAt(i) | 32;
      if (c < 97 || c > 122) { tldOk = false; break; }
    }
    if (tldOk) out.push({ kind: 'email', start: s, end: e });
    from = e;
  }
}

function _isLocal(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function _isDomain(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

const _AGE_VALUE = /^\d{2,3}(?:\.\d+)?$/;

/** Findings a column's context gives a value with at least one digit (`ctx` is not a name kind). */
export function columnFindings(ctx: PiiKind | 'age', value: string, out: PiiFinding[]): void {
  if (ctx === 'age') {
    // (C) a column named age with a value over 89
    const t = value.trim();
    if (_AGE_VALUE.test(t) && Number(t) > 89) {
      const start = value.indexOf(t);
      out.push({ kind: 'age-over-89', start, end: start + t.length });
    }
    return;
  }
  if (ctx === 'zip') {
    scanAfter(_ZIP_ANY, value, out, 'zip', _NOT_BEFORE_ZIP);
    return;
  }
  if (ctx !== 'ssn' && ctx !== 'phone') {
    // A value that is one word ("(01)0884…(21)7SS3M", "SY00HZC", "MRN-00123456") is one identifier.
    let a = 0;
    let b = value.length;
    while (a < b && value.charCodeAt(a) <= 32) a++;
    while (b > a && value.charCodeAt(b - 1) <= 32) b--;
    // Serials and plates may carry a single digit ("SN7WZRBRNW").
    const d = _countDigits(value, a, b);
    if (b - a >= 4 && (d >= 2 || (d === 1 && b - a >= 6 && (ctx === 'device' || ctx === 'vehicle'))) && !/\s/.test(value.slice(a, b))) {
      out.push({ kind: ctx, start: a, end: b });
      return;
    }
  }
  _TOKEN.lastIndex = 0;
  for (let m = _TOKEN.exec(value); m !== null; m = _TOKEN.exec(value)) {
    const start = m.index;
    let end = start + m[0].length;
    while (end > start && value.charCodeAt(end - 1) === 45) end--;
    const d = _countDigits(value, start, end);
    if (ctx === 'ssn') {
      if (d === 9 && end - start === 9) out.push({ kind: 'ssn', start, end });
    } else if (ctx === 'phone') {
      if ((d === 10 || d === 11) && d === end - start) out.push({ kind: 'phone', start, end });
    } else if (d >= 3) {
      out.push({ kind: ctx, start, end });
    }
  }
}
