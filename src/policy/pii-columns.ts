// Column context for the PII/PHI detector (issue 5): what a column's name — a CSV header, a dotted
// path, or a JSON pointer such as `/patient/name` or `/contacts/*/phone` — says its values are.
// Context is what makes a digit run an MRN, an account or a ZIP code, and the only way a value is
// ever reported as a name: free text is never guessed (45 CFR 164.514(b)(2)(i)(A) names are
// identifiers, but a detector that guessed them in prose would flag every capitalised word).
//
// A label is cut into path segments (RFC 6901 tokens unescaped, then '.'-separated parts; array
// indexes — '*', digits, `[n]` — dropped), each normalised to snake_case. The last segment decides,
// except that the last two read together win when they name something ("/patient/id" is
// patient_id, an MRN; "/product/name" is product_name, not a person), and a bare `name` inside an
// object counts only when that object (or the one holding it) is a person: "/city/name" and
// "/items/*/name" are not names. A bare person noun ("customer", "/loan/borrower") is a name when
// the value looks like one (see _looksLikeName).

import type { PiiKind } from './pii-detect.js';

/**
 * What a column's values are: a kind known from context, 'age' (a number, reported over 89), 'name'
 * (the whole value is a name), 'person' (a name when the value looks like one), or null.
 */
export type ColumnContext = PiiKind | 'age' | 'person' | null;

// People a record names: a column called just this ("customer", "/loan/borrower") holds names when
// its values look like names, and "<noun>_name" / "/<noun>/name" always does.
const _PERSON_NOUNS =
  'patient|applicant|co_applicant|customer|client|borrower|co_borrower|member|subscriber|guarantor|' +
  'contact|emergency_contact|guardian|spouse|mother|father|employee|physician|provider|doctor|nurse|' +
  'person|insured|beneficiary|policyholder|cardholder|holder|owner|signer|signatory|author|tenant|' +
  'landlord|buyer|seller|payee|payer|recipient|sender|caregiver|referrer|witness|reviewer|approver|' +
  'assignee|reporter|requester|submitter|student|agent|attending|caller|driver|practitioner|passenger|' +
  'traveller|traveler|visitor|guest|participant|respondent|claimant|cosigner|co_signer|prescriber|' +
  'pharmacist|therapist|surgeon|clinician|dentist|candidate|attendee';

// (A) names — only columns that clearly hold a person's name.
const _NAME_COL = new RegExp(
  `^(?:(?:${_PERSON_NOUNS}|legal|maiden|preferred|nick)s?_)?(?:first|last|given|family|middle|full|sur|maiden|nick)?_?names?$|^surnames?$`,
);
const _NAME_EXCLUDE =
  /^(?:file|host|product|model|dataset|column|table|field|display|domain|brand|company|org|organization|organisation|business|employer|bank|lender|plan|drug|medication|test|procedure|facility|hospital|department|branch|project|app|application|server|device|city|country|state|street|place|site|store|shop|merchant|vendor|team|group|role|event|category|tag|key|path|class|type|item|service|package|module|function|method|feature|metric|variable|attribute|property|queue|topic|channel|job|task|step|stage)s?_?names?$/;
// "user_name" is a login as often as a person: a name only when it looks like one.
const _USER_NAME = /^user_?names?$/;
const _PERSON_COL = new RegExp(`(?:^|_)(?:${_PERSON_NOUNS})$`);
// "/name/first"
const _NAME_PART = /^(?:first|last|given|family|middle|full|sur|maiden)(?:_name)?$/;
const _BARE_NAME = /^names?$/;

const _COLUMN_RULES: ReadonlyArray<{ kind: PiiKind; re: RegExp }> = [
  { kind: 'ssn', re: /(?:^|_)(?:ssn|social_security(?:_number|_no)?)(?:_|$)/ },
  { kind: 'phone', re: /(?:^|_)(?:phone|telephone|tel|fax|mobile|cell|cellphone)s?(?:_|$)/ },
  // (B) geographic subdivisions smaller than a state: ZIP codes
  { kind: 'zip', re: /(?:^|_)(?:zip|zipcode|zip_code|postcode|postal|postal_code)(?:_|$)/ },
  // (H) medical record numbers
  { kind: 'mrn', re: /(?:^|_)(?:mrn|medical_record(?:_number|_no|_num|_id)?|chart_(?:number|no|id)|patient_id)(?:_|$)/ },
  // (I) health plan beneficiary numbers
  { kind: 'health-plan', re: /(?:^|_)(?:(?:member|subscriber|policy|health_plan|insurance|insurer|medicaid|medicare|beneficiary|plan_member)_(?:id|no|num|number)|hicn|mbi)(?:_|$)/ },
  // (J) account numbers
  { kind: 'account', re: /^(?:.*_)?(?:(?:account|acct|bank_account|iban)(?:_(?:id|no|num|number))?|loan_(?:id|no|num|number))$/ },
  // (K) certificate/licence numbers
  { kind: 'licence', re: /(?:^|_)(?:licen[cs]e(?:_(?:id|no|num|number))?|drivers?_licen[cs]e|dl_(?:no|num|number)|npi|dea(?:_number)?)$/ },
  // (L) vehicle identifiers and serial numbers, including licence plate numbers
  { kind: 'vehicle', re: /(?:^|_)(?:vin|licen[cs]e_plate|plate(?:_(?:no|num|number))?|vehicle_id)$/ },
  // (M) device identifiers and serial numbers
  { kind: 'device', re: /(?:^|_)(?:device_(?:id|serial|sn)|serial(?:_(?:no|num|number))?|udi|imei|implant_serial)$/ },
];
// (C) ages over 89
const _AGE_COL = /^(?:(?:patient|member|applicant|subject)_)?age(?:_(?:years|yrs|at_[a-z_]+))?$/;

/** snake_case of one segment: "[n]" dropped, camelCase split, anything not [a-z0-9] a separator. */
function _norm(seg: string): string {
  return seg
    .replace(/\[[^\]]*\]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Normalised path segments of a column label, array indexes dropped. */
export function _segments(column: string): string[] {
  const tokens = column.startsWith('/')
    ? column.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    : [column];
  const out: string[] = [];
  for (const t of tokens) {
    for (const part of t.split(/[./]/)) {
      const n = _norm(part);
      if (n !== '' && !/^\d+$/.test(n)) out.push(n);
    }
  }
  return out;
}

/** The context of one normalised name, or undefined when it says nothing. */
function _flat(n: string): ColumnContext | undefined {
  if (_NAME_EXCLUDE.test(n)) return null;
  if (_NAME_COL.test(n)) return 'name';
  if (_USER_NAME.test(n)) return 'person';
  if (_AGE_COL.test(n)) return 'age';
  for (const r of _COLUMN_RULES) if (r.re.test(n)) return r.kind;
  if (_PERSON_COL.test(n)) return 'person';
  return undefined;
}

/** "patients" → "patient", so "/patients/*\/name" reads as patient_name; "address" stays. */
function _singular(s: string): string {
  return s.length > 3 && s.endsWith('s') && !s.endsWith('ss') ? s.slice(0, -1) : s;
}

function _resolveContext(column: string): ColumnContext {
  const segs = _segments(column);
  const leaf = segs[segs.length - 1];
  if (leaf === undefined) return null;
  if (segs.length >= 2) {
    const parent = _singular(segs[segs.length - 2]!);
    if (parent === 'name' && _NAME_PART.test(leaf)) return 'name';
    if (parent === 'user' && (_BARE_NAME.test(leaf) || _NAME_PART.test(leaf))) return 'person';
    const both = _flat(`${parent}_${leaf}`);
    if (both !== undefined) return both;
    // A bare "name" is a person's when the object holding it is a person, looking up to two
    // levels ("/patient/demographics/name"); "/city/name" and "/items/*/name" are not.
    if (_BARE_NAME.test(leaf)) {
      if (segs.length >= 3) {
        const up = _flat(`${_singular(segs[segs.length - 3]!)}_name`);
        if (up !== undefined) return up === 'name' ? 'name' : null;
      }
      return null;
    }
  }
  return _flat(leaf) ?? null;
}

const _cache = new Map<string, ColumnContext>();

/** The context of a column label (cached: labels repeat on every row; the cache is bounded). */
export function columnContext(column: string): ColumnContext {
  let c = _cache.get(column);
  if (c !== undefined) return c;
  c = _resolveContext(column);
  if (_cache.size < 4096) _cache.set(column, c);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Does a value look like a person's name? 2–5 words of letters (apostrophes, hyphens and dots
// inside), no digits; the first and last word start with a capital (or a letter of a script
// without case, as in "静 陈"), though the first may be a surname particle ("van der Berg, Anika");
// one comma after a word ("Garcia, Maria"); organisations' suffixes refused. Exactly: at most one
// comma, _PERSON_NAME_RE, and not _ORG_WORD_RE. It runs on text or on a byte view of UTF-8
// (pii-text.ts) with the same result, so a scan never decodes a name to check it (decoding a short
// value cost about 300 ns here, more than the check).

const _W_FIRST = String.raw`[\p{Lu}\p{Lt}\p{Lo}][\p{L}\p{M}'’.-]*`;
const _W_ANY = String.raw`\p{L}[\p{L}\p{M}'’.-]*`;
const _PARTICLES = ['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'dos', 'das', 'du', 'la', 'le', 'bin', 'ibn', 'al', 'el', 'ter', 'ten', 'st', 'mac', 'mc'];
/** The definition (tests check _looksLikeName against it). */
export const _PERSON_NAME_RE = new RegExp(
  String.raw`^(?=[^,]*,?[^,]*$)(?:${_W_FIRST}|(?:${_PARTICLES.join('|')})(?![\p{L}\p{M}'’.-])),?(?:[ \t]+${_W_ANY},?){0,3}[ \t]+${_W_FIRST}$`,
  'u',
);
const _PARTICLE = new RegExp(`(?:${_PARTICLES.join('|')})(?![A-Za-z'.-])`, 'y');
const _ORG = 'inc|llc|llp|ltd|corp|corporation|co|company|gmbh|ag|sa|plc|bank|hospital|clinic|group|holdings|partners|university|foundation|trust|team|department|services';
export const _ORG_WORD_RE = new RegExp(`[ \\t](?:${_ORG})\\.?$`, 'i');
/** _ORG_WORD_RE tried at the start of the last word. */
const _ORG_LAST = new RegExp(`(?:${_ORG})\\.?(?![A-Za-z'.-])`, 'iy');
const _MAX_NAME = 100; // UTF-16 code units
/** For each first letter of an organisation's word, the bits of the letters that follow it. */
const _ORG_PREFIX = new Int32Array(26);
for (const w of _ORG.split('|')) _ORG_PREFIX[w.charCodeAt(0) - 97]! |= 1 << (w.charCodeAt(1) - 97);

// Character classes of code points, computed from the regex classes on first use (so they agree
// with them exactly): bit 1 \p{L}, bit 2 \p{M}, bit 4 \p{Lu}|\p{Lt}|\p{Lo}; 255 = not yet known.
const _L = 1, _M = 2, _CAP = 4;
const _cls = new Uint8Array(0x10000).fill(255);
const _RE_L = /\p{L}/u, _RE_M = /\p{M}/u, _RE_CAP = /[\p{Lu}\p{Lt}\p{Lo}]/u;

function _classOf(cp: number): number {
  if (cp < 128) return (cp >= 65 && cp <= 90) ? _L | _CAP : cp >= 97 && cp <= 122 ? _L : 0;
  if (cp < 0x10000) {
    const c = _cls[cp]!;
    if (c !== 255) return c;
  }
  const ch = String.fromCodePoint(cp);
  const c = (_RE_L.test(ch) ? _L : 0) | (_RE_M.test(ch) ? _M : 0) | (_RE_CAP.test(ch) ? _CAP : 0);
  if (cp < 0x10000) _cls[cp] = c;
  return c;
}

// The code point at i (set by _cp) and the index after it; `bytes`: s is a byte view of UTF-8.
let _next = 0;
function _cp(s: string, i: number, bytes: boolean): number {
  const c = s.charCodeAt(i);
  if (c < 128) {
    _next = i + 1;
    return c;
  }
  if (!bytes) {
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        _next = i + 2;
        return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
      }
    }
    _next = i + 1;
    return c;
  }
  if (c < 0xe0) {
    _next = i + 2;
    return ((c & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f);
  }
  if (c < 0xf0) {
    _next = i + 3;
    return ((c & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f);
  }
  _next = i + 4;
  return ((c & 0x07) << 18) | ((s.charCodeAt(i + 1) & 0x3f) << 12) | ((s.charCodeAt(i + 2) & 0x3f) << 6) | (s.charCodeAt(i + 3) & 0x3f);
}

/** Whether s[a, b) is a surname particle ("van", "de" …). */
function _isParticle(s: string, a: number, b: number): boolean {
  _PARTICLE.lastIndex = a;
  return _PARTICLE.test(s) && _PARTICLE.lastIndex === b;
}

/** Whether s[start, end) holds a letter (\p{L}). */
export function _hasLetter(s: string, start: number, end: number, bytes: boolean): boolean {
  for (let i = start; i < end; i = _next) if (_classOf(_cp(s, i, bytes)) & _L) return true;
  return false;
}

/**
 * Whether s[start, end) (already trimmed) looks like a person's name (see above). With `bytes`, s
 * is a byte view of valid UTF-8.
 */
export function _looksLikeName(s: string, start: number, end: number, bytes = false): boolean {
  if (end - start < 3) return false;
  let units = 0; // UTF-16 length, for _MAX_NAME
  let words = 0;
  let inWord = false;
  let comma = false; // just after the comma of "Garcia, Maria"
  let commaUsed = false;
  let lastWord = start;
  let lastCap = false;
  let particle = false; // the first word starts lower-case: it must be a particle
  for (let i = start; i < end; ) {
    const at = i;
    let cp = s.charCodeAt(i);
    if (cp < 128) i++;
    else if (bytes && cp < 0xe0) {
      cp = ((cp & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f); // two bytes: most accented letters
      i += 2;
    } else {
      cp = _cp(s, i, bytes);
      i = _next;
    }
    units += cp >= 0x10000 ? 2 : 1;
    if (cp === 32 || cp === 9) {
      if (!inWord && !comma && words === 0) return false;
      if (inWord && particle && words === 1 && !_isParticle(s, lastWord, at)) return false;
      inWord = false;
      comma = false;
      continue;
    }
    if (cp === 44) {
      if (!inWord || commaUsed) return false;
      if (particle && words === 1 && !_isParticle(s, lastWord, at)) return false;
      inWord = false;
      comma = commaUsed = true;
      continue;
    }
    if (comma) return false; // the comma is followed by a space
    if (!inWord) {
      const c = cp < 128 ? ((cp >= 65 && cp <= 90) ? _L | _CAP : cp >= 97 && cp <= 122 ? _L : 0) : _classOf(cp);
      if ((c & _L) === 0 || ++words > 5) return false;
      lastCap = (c & _CAP) !== 0;
      if (words === 1 && !lastCap) {
        if (cp < 97 || cp > 122) return false; // a particle is lower-case ASCII
        particle = true;
      }
      inWord = true;
      lastWord = at;
      continue;
    }
    if (cp < 128) {
      if ((cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || cp === 39 || cp === 46 || cp === 45) continue;
      return false;
    }
    if (cp !== 0x2019 && (_classOf(cp) & (_L | _M)) === 0) return false;
  }
  if (!inWord || words < 2 || !lastCap || units > _MAX_NAME) return false;
  // The last word's first two letters must start an organisation's word before the regex is tried.
  const p0 = (s.charCodeAt(lastWord) | 32) - 97;
  const p1 = (s.charCodeAt(lastWord + 1) | 32) - 97;
  if (p0 < 0 || p0 > 25 || p1 < 0 || p1 > 25 || (_ORG_PREFIX[p0]! & (1 << p1)) === 0) return true;
  _ORG_LAST.lastIndex = lastWord;
  return !(_ORG_LAST.test(s) && _ORG_LAST.lastIndex === end);
}
