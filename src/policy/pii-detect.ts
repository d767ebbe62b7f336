// Finds identifiers of the HIPAA Safe Harbor kinds that can be recognised in text
// (45 CFR 164.514(b)(2)(i)(A)–(R)), in one cell value at a time. Pure: no I/O, no node:* imports.
//
// Design (why): the scan aims at ≥ 100 MB/s on one core (issue 5), so a value without a digit, '@',
// ':' or "www." costs one native regex test; any other value gets one character pass counting what
// each pattern needs (digits, separators, letters), and only the regexes that could match are run.
// All regexes are compiled once, global, and reset per value.
// Context kinds (MRN, health plan, account, licence, plate, device, ZIP, names) are found only
// where a column name or a preceding keyword says what the number is — a bare digit run is never
// an identifier by itself, which is what keeps amounts, counts, credit scores and application ids
// (APP-100001) out.

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

// Kinds recognised by their own shape win over kinds recognised only by context when two
// findings cover the same characters (e.g. "chart 2024-03-05" is a date, not an MRN).
const _RANK: Record<PiiKind, number> = {
  url: 0, email: 1, ssn: 2, ip: 3, phone: 4, date: 5, vehicle: 6, 'age-over-89': 7, zip: 8,
  mrn: 9, 'health-plan': 10, account: 11, licence: 12, device: 13, name: 14,
};

// ---------------------------------------------------------------------------------------------
// Column context. A column may be a JSON path ("patient.contact.phone", "$.notes[0].text"): only
// the last segment counts; camelCase is split and everything lower-cased with '_' separators.

type _ColumnRule = { kind: PiiKind; re: RegExp };

// (A) names — only columns that clearly hold a person's name; free text is never guessed.
const _NAME_COL =
  /^(?:(?:patient|applicant|co_applicant|customer|client|borrower|member|subscriber|guarantor|contact|emergency_contact|guardian|spouse|mother|father|employee|physician|provider|doctor|nurse|person|insured|beneficiary|legal|maiden|preferred)_)?(?:first|last|given|family|middle|full|sur|maiden)?_?name$|^surname$/;
const _NAME_EXCLUDE = /^(?:file|user|host|product|model|dataset|column|table|field|display|domain|brand|company|org|organization|organisation|business|employer|bank|lender|plan|drug|medication|test|procedure|facility|hospital|department|branch|project|app|application|server|device)_?name$/;

const _COLUMN_RULES: readonly _ColumnRule[] = [
  { kind: 'ssn', re: /(?:^|_)(?:ssn|social_security(?:_number|_no)?)(?:_|$)/ },
  { kind: 'phone', re: /(?:^|_)(?:phone|telephone|tel|fax|mobile|cell|cellphone)(?:_|$)/ },
  // (B) geographic subdivisions smaller than a state: ZIP codes
  { kind: 'zip', re: /(?:^|_)(?:zip|zipcode|zip_code|postcode|postal|postal_code)(?:_|$)/ },
  // (H) medical record numbers
  { kind: 'mrn', re: /(?:^|_)(?:mrn|medical_record(?:_number|_no|_num|_id)?|chart_(?:number|no|id)|patient_id)(?:_|$)/ },
  // (I) health plan beneficiary numbers
  { kind: 'health-plan', re: /(?:^|_)(?:(?:member|subscriber|policy|health_plan|insurance|insurer|medicaid|medicare|beneficiary|plan_member)_(?:id|no|num|number)|hicn|mbi)(?:_|$)/ },
  // (J) account numbers
  { kind: 'account', re: /^(?:.*_)?(?:account|acct|bank_account|iban)(?:_(?:id|no|num|number))?$/ },
  // (K) certificate/licence numbers
  { kind: 'licence', re: /(?:^|_)(?:licen[cs]e(?:_(?:id|no|num|number))?|drivers?_licen[cs]e|dl_(?:no|num|number)|npi|dea(?:_number)?)$/ },
  // (L) vehicle identifiers and serial numbers, including licence plate numbers
  { kind: 'vehicle', re: /(?:^|_)(?:vin|licen[cs]e_plate|plate(?:_(?:no|num|number))?|vehicle_id)$/ },
  // (M) device identifiers and serial numbers
  { kind: 'device', re: /(?:^|_)(?:device_(?:id|serial|sn)|serial(?:_(?:no|num|number))?|udi|imei|implant_serial)$/ },
];
// (C) ages over 89
const _AGE_COL = /^(?:(?:patient|member|applicant|subject)_)?age(?:_(?:years|yrs|at_[a-z_]+))?$/;

interface _Ctx { kind: PiiKind | 'age' | null }
const _ctxCache = new Map<string, _Ctx>();

function _normColumn(column: string): string {
  let s = column;
  const cut = Math.max(s.lastIndexOf('.'), s.lastIndexOf('/'));
  if (cut >= 0) s = s.slice(cut + 1);
  return s
    .replace(/\[[^\]]*\]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function _columnContext(column: string): _Ctx {
  let c = _ctxCache.get(column);
  if (c !== undefined) return c;
  const n = _normColumn(column);
  let kind: _Ctx['kind'] = null;
  if (_NAME_COL.test(n) && !_NAME_EXCLUDE.test(n)) kind = 'name';
  else if (_AGE_COL.test(n)) kind = 'age';
  else for (const r of _COLUMN_RULES) if (r.re.test(n)) { kind = r.kind; break; }
  c = { kind };
  // Column names repeat on every row; the cache is bounded so hostile input cannot grow it.
  if (_ctxCache.size < 4096) _ctxCache.set(column, c);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Patterns (all global; `lastIndex` is reset before each use). What may not precede a match is
// checked in code (`_scanAfter`) rather than with a leading lookbehind, which would stop the regex
// engine from skipping quickly to the pattern's first character — a tenfold cost on long notes.

// (G) SSN ###-##-####; SSA never issues area 000, 666 or 900–999, group 00 or serial 0000.
const _SSN = /(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
// (G) SSN without dashes, only after the keyword.
const _SSN_KW = /\b(?:SSN|social security(?: number| no\.?)?)\b[ \t]*[:#]?[ \t]*(\d{9})(?!\d)/gi;
// (D, E) telephone and fax: NANP with optional +1, parentheses, '-', '.', ' ' separators…
const _PHONE_US = /(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\w-]|\.\d)/g;
// …and E.164 (+CC then 6–13 more digits, optional single separators, and the "(0)" trunk prefix
// written in UK/European numbers).
const _PHONE_INTL = /\+[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\d){6,13}(?![\w-])/g;
// (N, O) URLs (web addresses); trailing sentence punctuation is trimmed afterwards.
const _URL = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
// (O) IPv4 with valid octets, not part of a longer dotted number.
const _OCT = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const _IPV4 = new RegExp(`(?:${_OCT}\\.){3}${_OCT}(?!\\d|\\.\\d)`, 'g');
// (O) IPv6 candidates; validated by _isIpv6 (8 groups, or '::' once with ≥ 2 groups).
const _IPV6 = /(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;
// (C) dates more specific than a year.
const _DATE_ISO = /(?:1[89]|20)\d\d([-/.])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?!\d)/g;
const _DATE_NUM = /(?:0?[1-9]|[12]\d|3[01])([/-])(?:0?[1-9]|[12]\d|3[01])\1(?:(?:19|20)\d\d|\d\d)(?![\d/-]|\.\d)/g;
// Day.month.year with a four-digit year (European notation); three parts, so never an IPv4.
const _DATE_DOT = /(?:0?[1-9]|[12]\d|3[01])\.(?:0?[1-9]|1[0-2])\.(?:19|20)\d\d(?!\d|\.\d)/g;
const _MON = 'Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?';
const _FULL_MON = 'January|February|March|April|May|June|July|August|September|October|November|December';
const _DATE_MDY = new RegExp(`\\b(?:${_MON})\\.?\\s+(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\\b(?:,?\\s+(?:19|20)\\d\\d\\b)?`, 'g');
const _DATE_DMY = new RegExp(`\\b(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\\s+(?:${_MON})\\b\\.?,?(?:\\s+(?:19|20)\\d\\d\\b)?`, 'g');
// Month and year ("March 2024"): the month is a date element (C); full names only, to stay precise.
const _DATE_MY = new RegExp(`\\b(?:${_FULL_MON}),?\\s+(?:19|20)\\d\\d\\b`, 'g');
// (B) ZIP in free text only after a state abbreviation or the word ZIP.
const _ZIP_STATE = /\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]),?[ \t]+(\d{5}(?:-\d{4})?)(?![\d-])/g;
const _ZIP_WORD = /\b(?:ZIP|Zip|zip)(?:[ _]?code)?[ \t]*[:#]?[ \t]*(\d{5}(?:-\d{4})?)(?![\d-])/g;
const _ZIP_ANY = /\d{5}(?:-\d{4})?(?![\d-])/g;
// (H, I, J, K, L, M) numbers named by a preceding keyword. The group that matched gives the kind;
// "licence plate" is tried before "licence" so plates are vehicles (L), not licences (K).
const _KEYWORD = new RegExp(
  String.raw`\b(?:(MRN|medical[ _]record|chart|patient[ _]id)|(member|subscriber|policy|health[ _]plan|insurance|medicaid|medicare|beneficiary|HICN|MBI)|(acct|account|bank[ _]account)|(licen[cs]e[ _]plate|plate)|(driver'?s?[ _]licen[cs]e|licen[cs]e|DL|DEA|NPI)|(serial|S\/N|device[ _]id|UDI|IMEI))` +
    String.raw`\b\.?[ \t]*(?:(?:no|num|nbr|number|id|identifier)\b\.?|#)?[ \t]*[:#=]?[ \t]*([A-Z]{0,4}-?\d[\dA-Z-]*)`,
  'gi',
);
const _KEYWORD_KINDS: readonly PiiKind[] = ['mrn', 'health-plan', 'account', 'vehicle', 'licence', 'device'];
// (L) VIN: 17 characters without I, O, Q; the ISO 3779 / 49 CFR 565 check digit is validated.
const _VIN = /\b[A-HJ-NPR-Z0-9]{17}\b/g;
// (C) ages over 89, stated with a keyword ("age 92", "aged 95") or a unit ("93 years old", "91 y/o").
const _AGE_KW = /\b(?:age[ds]?|aged)\b[ \t]*[:=]?[ \t]*(\d{2,3})\b/gi;
const _AGE_UNIT = /\b(\d{2,3})(?:[ -]?(?:years?|yrs?)[ -]old|[ -]?(?:y\/o|yo|y\.o\.))(?![\w])/gi;
const _TRIGGER = /[0-9@:]|[wW]{3}\./;
// Identifier-like tokens in a context column.
const _TOKEN = /[A-Za-z0-9][A-Za-z0-9-]*/g;

// ---------------------------------------------------------------------------------------------

function _validSsn(a: string, g: string, s: string): boolean {
  return a !== '000' && a !== '666' && a.charCodeAt(0) !== 57 /* '9' */ && g !== '00' && s !== '0000';
}

const _VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
// Transliteration A–Z (I, O, Q unused) per 49 CFR 565.15.
const _VIN_LETTER = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9];

/** True when a 17-character VIN candidate has a valid check digit (position 9). */
export function _validVin(v: string): boolean {
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

/**
 * Find identifiers in `value`. `column` (a column name or JSON path) gives context: it is what makes
 * a digit run an MRN, account or ZIP, and the only way a value is ever reported as a name.
 * Findings are sorted by start and never overlap.
 */
export function detectPii(value: string, column?: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  const len = value.length;
  if (len === 0) return out;
  const ctx = column === undefined ? null : _columnContext(column).kind;

  if (ctx === 'name') {
    // (A) the whole trimmed value, when it holds a letter
    let s = 0;
    let e = len;
    while (s < e && value.charCodeAt(s) <= 32) s++;
    while (e > s && value.charCodeAt(e - 1) <= 32) e--;
    if (e > s && /\p{L}/u.test(value.slice(s, e))) out.push({ kind: 'name', start: s, end: e });
    return out;
  }

  // Fast path, run natively by the regex engine: every pattern needs a digit, an '@', a ':' or
  // "www." — most free-text and categorical cells have none and cost one scan.
  if (!_TRIGGER.test(value)) return out;

  // Prefilter: one pass over the characters, counting what each pattern needs to be possible.
  let digits = 0, dots = 0, dashes = 0, slashes = 0, colons = 0, upper = 0, lower = 0;
  let at = false, plus = false, w = false, z = false, y = false, g = false, space = false, dblColon = false, scheme = false;
  // digitDots: '.' between two digits (IPv4 needs 3); run/maxRun: longest alphanumeric run (VIN 17)
  let digitDots = 0, run = 0, maxRun = 0;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97) {
      if (c <= 122) { lower++; run++; if (c === 119) w = true; else if (c === 122) z = true; else if (c === 121) y = true; else if (c === 103) g = true; continue; }
    } else if (c >= 65) {
      if (c <= 90) { upper++; run++; if (c === 87) w = true; else if (c === 90) z = true; else if (c === 89) y = true; else if (c === 71) g = true; continue; }
    } else if (c >= 48) {
      if (c <= 57) { digits++; run++; continue; }
      if (c === 58) { colons++; const n = value.charCodeAt(i + 1); if (n === 58) dblColon = true; else if (n === 47) scheme = true; }
      else if (c === 64) at = true;
    } else if (c === 46) {
      dots++;
      if (_isDigit(value.charCodeAt(i - 1)) && _isDigit(value.charCodeAt(i + 1))) digitDots++;
    }
    else if (c === 45) dashes++;
    else if (c === 47) slashes++;
    else if (c === 43) plus = true;
    else if (c === 32 || c === 9) space = true;
    if (run > maxRun) maxRun = run;
    run = 0;
  }
  if (run > maxRun) maxRun = run;
  const letters = upper + lower;

  if (at) _emails(value, out);
  if (scheme || (w && dots > 0)) _scan(_URL, value, out, 'url', true);
  // IPv6 is either compressed ('::') or eight groups (seven colons)
  if (dblColon || colons >= 7) {
    _IPV6.lastIndex = 0;
    for (let m = _IPV6.exec(value); m !== null; m = _IPV6.exec(value)) {
      if (m.index > 0 && _isWordOr(value.charCodeAt(m.index - 1), 58)) { _IPV6.lastIndex = m.index + 1; continue; }
      if (_isIpv6(m[0])) out.push({ kind: 'ip', start: m.index, end: m.index + m[0].length });
    }
  }

  if (digits > 0) {
    if (digits >= 9 && dashes >= 2) {
      _SSN.lastIndex = 0;
      for (let m = _SSN.exec(value); m !== null; m = _SSN.exec(value)) {
        const p = m.index > 0 ? value.charCodeAt(m.index - 1) : 0;
        if (_isDigit(p) || p === 45) { _SSN.lastIndex = m.index + 1; continue; }
        if (_validSsn(m[1]!, m[2]!, m[3]!)) out.push({ kind: 'ssn', start: m.index, end: m.index + 11 });
      }
    }
    if (digits >= 9 && letters >= 3) {
      _SSN_KW.lastIndex = 0;
      for (let m = _SSN_KW.exec(value); m !== null; m = _SSN_KW.exec(value)) {
        const d = m[1]!;
        if (_validSsn(d.slice(0, 3), d.slice(3, 5), d.slice(5))) {
          const end = m.index + m[0].length;
          out.push({ kind: 'ssn', start: end - 9, end });
        }
      }
    }
    if (digits >= 10) _scanAfter(_PHONE_US, value, out, 'phone', _NOT_BEFORE_PHONE);
    if (plus && digits >= 7) _scanAfter(_PHONE_INTL, value, out, 'phone', _NOT_BEFORE_INTL);
    if (digitDots >= 3) _scanAfter(_IPV4, value, out, 'ip', _NOT_BEFORE_IP);
    if (digits >= 6 && (dashes >= 2 || slashes >= 2 || dots >= 2)) _scanAfter(_DATE_ISO, value, out, 'date', _NOT_BEFORE_ISO);
    if (digits >= 4 && (dashes >= 2 || slashes >= 2)) _scanAfter(_DATE_NUM, value, out, 'date', _NOT_BEFORE_NUM);
    if (digits >= 6 && dots >= 2) _scanAfter(_DATE_DOT, value, out, 'date', _NOT_BEFORE_IP);
    if (upper > 0 && lower > 0 && space) {
      if (digits >= 4) _scan(_DATE_MY, value, out, 'date', false);
      _scan(_DATE_MDY, value, out, 'date', false);
      _scan(_DATE_DMY, value, out, 'date', false);
    }
    if (digits >= 5) {
      if (upper >= 2 && space) _scanGroup(_ZIP_STATE, value, out, 'zip');
      if (z) _scanGroup(_ZIP_WORD, value, out, 'zip');
    }
    if (digits >= 3 && letters >= 3) _keywords(value, out);
    if (digits >= 5 && maxRun >= 17 && upper > 0) {
      _VIN.lastIndex = 0;
      for (let m = _VIN.exec(value); m !== null; m = _VIN.exec(value)) {
        if (_validVin(m[0])) out.push({ kind: 'vehicle', start: m.index, end: m.index + 17 });
      }
    }
    if (digits >= 2 && g) _ages(_AGE_KW, value, out);
    if (digits >= 2 && y) _ages(_AGE_UNIT, value, out);
    if (ctx !== null) _columnFindings(ctx, value, digits, out);
  }

  return _resolve(out);
}

function _isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function _isWordOr(c: number, extra: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === extra;
}
// What may not come right before a match (the lookbehinds, written as code).
const _NOT_BEFORE_PHONE = (c: number) => _isWordOr(c, 43) || c === 46 || c === 45; // [\w+.-]
const _NOT_BEFORE_INTL = (c: number) => _isWordOr(c, 43); // [\w+]
const _NOT_BEFORE_IP = (c: number) => _isDigit(c) || c === 46; // [\d.]
const _NOT_BEFORE_ISO = (c: number) => _isDigit(c);
const _NOT_BEFORE_NUM = (c: number) => _isDigit(c) || c === 47 || c === 46 || c === 45; // [\d/.-]
const _NOT_BEFORE_ZIP = (c: number) => _isDigit(c) || c === 45; // [\d-]

function _scanAfter(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind, notBefore: (c: number) => boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    if (m.index > 0 && notBefore(value.charCodeAt(m.index - 1))) { re.lastIndex = m.index + 1; continue; }
    out.push({ kind, start: m.index, end: m.index + m[0].length });
  }
}

function _scan(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind, trimTrail: boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    let end = m.index + m[0].length;
    if (trimTrail) while (end > m.index && _TRAIL.has(value.charCodeAt(end - 1))) end--;
    if (end > m.index) out.push({ kind, start: m.index, end });
  }
}

/** The identifier is capture group 1, which always ends the match. */
function _scanGroup(re: RegExp, value: string, out: PiiFinding[], kind: PiiKind): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const end = m.index + m[0].length;
    out.push({ kind, start: end - m[1]!.length, end });
  }
}

function _ages(re: RegExp, value: string, out: PiiFinding[]): void {
  re.lastIndex = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const n = Number(m[1]);
    if (n > 89 && n < 130) {
      const start = m.index + m[0].indexOf(m[1]!);
      out.push({ kind: 'age-over-89', start, end: start + m[1]!.length });
    }
  }
}

function _keywords(value: string, out: PiiFinding[]): void {
  _KEYWORD.lastIndex = 0;
  for (let m = _KEYWORD.exec(value); m !== null; m = _KEYWORD.exec(value)) {
    let g = 0;
    while (g < 6 && m[g + 1] === undefined) g++;
    const kind = _KEYWORD_KINDS[g]!;
    const tok = m[7]!;
    let end = m.index + m[0].length;
    const start = end - tok.length;
    while (end > start && value.charCodeAt(end - 1) === 45) end--; // trailing '-'
    if (_countDigits(value, start, end) >= (kind === 'vehicle' ? 3 : 4)) out.push({ kind, start, end });
    // let the next search start right after the keyword, so a token is never skipped over
    _KEYWORD.lastIndex = Math.max(start, m.index + 1);
  }
}

function _emails(value: string, out: PiiFinding[]): void {
  // (F) e-mail: expand around each '@' instead of a regex with a leading '+' run, which would
  // backtrack at every position of long free text.
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

function _columnFindings(ctx: Exclude<_Ctx['kind'], null | 'name'>, value: string, digits: number, out: PiiFinding[]): void {
  if (ctx === 'age') {
    // (C) a column named age with a value over 89
    const t = value.trim();
    if (/^\d{2,3}(?:\.\d+)?$/.test(t) && Number(t) > 89) {
      const start = value.indexOf(t);
      out.push({ kind: 'age-over-89', start, end: start + t.length });
    }
    return;
  }
  if (ctx === 'zip') {
    if (digits >= 5) _scanAfter(_ZIP_ANY, value, out, 'zip', _NOT_BEFORE_ZIP);
    return;
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

/** Sort by start; where findings overlap keep the earliest, then the longest, then the best-ranked. */
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
