/**
 * Blind labelled corpus for measuring the PII/PHI detector (precision / recall).
 *
 * Written independently of the detector: the labels follow the Safe Harbor labelling rules
 * (45 CFR 164.514(b)(2)) as stated in the brief, never the detector's patterns. Every value is
 * synthetic and reserved: example.com/.org/.net, 555 exchanges, Ofcom drama numbers, RFC 5737 /
 * RFC 3849 addresses, SSNs in the issued ranges, VINs / NPIs / DEAs / IMEIs / IBANs with correct
 * check digits. Deterministic: one seeded PRNG (mulberry32), no Math.random, no clock.
 *
 * Each label carries a `variant` (e.g. `date:dot`, `mrn:MRN#`, `phone:col-bare10`) so the test
 * can group misses by the surface form that caused them.
 */
import type { PiiKind } from '../../src/policy/pii-detect.js';

export interface BlindLabel { kind: PiiKind; start: number; end: number; variant: string }
export interface BlindCell { table: string; row: number; column: string; value: string; labels: BlindLabel[] }

export const BLIND_KINDS: readonly PiiKind[] = ['ssn', 'phone', 'email', 'url', 'ip', 'date', 'zip', 'mrn', 'health-plan',
  'account', 'licence', 'vehicle', 'device', 'age-over-89', 'name'];

// ---------------------------------------------------------------- PRNG and small helpers
let seedState = 1;
function rnd(): number {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
function pick<T>(xs: readonly T[]): T {
  const x = xs[Math.floor(rnd() * xs.length)];
  if (x === undefined) throw new Error('pick from empty list');
  return x;
}
const chance = (p: number): boolean => rnd() < p;
const digits = (n: number): string => Array.from({ length: n }, () => String(int(0, 9))).join('');
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const chars = (set: string, n: number): string => Array.from({ length: n }, () => set.charAt(int(0, set.length - 1))).join('');
const UPPER = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const ALNUM = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const hex = (n: number): string => chars('0123456789abcdef', n);
const ascii = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '');

// ---------------------------------------------------------------- labelled text builder
interface Seg { k: PiiKind; v: string; t: string }
type Part = string | Seg | Part[];
const L = (k: PiiKind, v: string, t: string): Seg => ({ k, v, t });

function build(part: Part): { value: string; labels: BlindLabel[] } {
  let value = '';
  const labels: BlindLabel[] = [];
  const walk = (p: Part): void => {
    if (typeof p === 'string') value += p;
    else if (Array.isArray(p)) p.forEach(walk);
    else { labels.push({ kind: p.k, start: value.length, end: value.length + p.v.length, variant: p.t }); value += p.v; }
  };
  walk(part);
  return { value, labels };
}
/** Pick one named surface form; the label's variant is `kind:name`. `only` restricts the choice. */
function one(k: PiiKind, opts: Record<string, () => string>, only?: readonly string[]): Seg {
  const key = pick(only ?? Object.keys(opts));
  const f = opts[key];
  if (!f) throw new Error(`no form ${key} for ${k}`);
  return L(k, f(), `${k}:${key}`);
}
/** keyword + identifier token; only the token is labelled. */
function kw(k: PiiKind, keywords: readonly string[], id: () => string): Part[] {
  const w = pick(keywords);
  return [w, L(k, id(), `${k}:${w.trim()}`)];
}
const col = (k: PiiKind, v: string, column: string): Seg => L(k, v, `${k}:col ${column}`);

// ---------------------------------------------------------------- check-digit identifiers
function luhnDigit(payload: string): number {
  let s = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload.charAt(payload.length - 1 - i));
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    s += d;
  }
  return (10 - (s % 10)) % 10;
}
const VIN_T = '12345678012345070923456789'; // ISO 3779 transliteration A..Z (I, O, Q unused)
const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
export function vinCheck(v: string): string {
  let s = 0;
  for (let i = 0; i < 17; i++) {
    const c = v.charAt(i);
    s += (/\d/.test(c) ? Number(c) : Number(VIN_T.charAt(c.charCodeAt(0) - 65))) * (VIN_W[i] ?? 0);
  }
  return s % 11 === 10 ? 'X' : String(s % 11);
}
function vin(): string {
  const b = pick(['1HG', '1FT', '2T1', '3VW', 'JHM', 'WBA', '5YJ', '1G1', '4T1', 'KMH']) + chars(ALNUM, 5) + '0'
    + pick([...'ABCDEFGHJKLMNPRSTVWXY123456789']) + chars(ALNUM, 1) + digits(6);
  return b.slice(0, 8) + vinCheck(b) + b.slice(9);
}
export function npi(): string { const b = pick(['1', '2']) + digits(8); return b + String(luhnDigit('80840' + b)); }
function dea(): string {
  const d = digits(6).split('').map(Number) as [number, number, number, number, number, number];
  const c = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10;
  return pick(['A', 'B', 'F', 'G', 'M']) + chars(UPPER, 1) + d.join('') + String(c);
}
function imei(): string { const p = '35' + digits(12); return p + String(luhnDigit(p)); }
function iban(): string {
  const cc = pick(['GB', 'DE']);
  const bban = cc === 'GB' ? pick(['NWBK', 'WEST', 'BARC']) + digits(14) : digits(18);
  let m = 0;
  for (const ch of (bban + cc + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))) m = (m * 10 + Number(ch)) % 97;
  return cc + pad(98 - m) + bban;
}
function isbn13(): string {
  const b = '978' + digits(9);
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(b.charAt(i)) * (i % 2 === 0 ? 1 : 3);
  return `978-${b.slice(3, 4)}-${b.slice(4, 7)}-${b.slice(7, 12)}-${(10 - (s % 10)) % 10}`;
}

// ---------------------------------------------------------------- people, places
const FIRST = ['James', 'María', 'Wei', 'Aisha', 'Olga', 'Diego', 'Priya', 'Liam', 'Fatima', 'Noah', 'Sofia', 'Hiroshi', 'Chloé',
  'Mateo', 'Ngozi', 'Jürgen', 'Anika', 'Tomás', 'Mei', 'Samuel', 'Zainab', 'Erik', 'Leila', 'Rahul', 'Grace', 'Siobhan'];
const LAST = ['Smith', 'García', 'Chen', 'Okafor', 'Ivanova', 'Patel', "O'Brien", 'Müller', 'Kowalski', 'Nakamura', 'Johnson',
  'Haddad', 'Rossi', 'Dubois', 'Andersson', 'Nguyen', 'Fernández-Ruiz', 'Schmidt', 'Kim', 'Singh', 'MacLeod', 'van der Berg',
  'Lefebvre', 'Mensah', 'Raghunathan'];
function personName(): string {
  const f = pick(FIRST), l = pick(LAST);
  return pick([`${f} ${l}`, `${f} ${l}`, `${l}, ${f}`, `${f} ${chars(UPPER, 1)}. ${l}`, `${f} ${l}`.toUpperCase(), `${f} ${l} Jr.`]);
}
const CITIES: [string, string][] = [['Austin', 'TX'], ['Boston', 'MA'], ['Chicago', 'IL'], ['Seattle', 'WA'], ['Denver', 'CO'],
  ['Portland', 'OR'], ['Columbus', 'OH'], ['Atlanta', 'GA'], ['Phoenix', 'AZ'], ['Nashville', 'TN'], ['Madison', 'WI'],
  ['Raleigh', 'NC'], ['Baltimore', 'MD'], ['Albany', 'NY'], ['Sacramento', 'CA'], ['Pittsburgh', 'PA'], ['Indianapolis', 'IN']];
const street = (): string => `${int(10, 19999)} ${pick(['Oak', 'Maple', 'Lakeview', 'Harbor', 'Cedar Ridge', 'Main'])} `
  + `${pick(['St', 'Ave', 'Blvd', 'Rd', 'Ln'])}${chance(0.3) ? `, Apt ${int(1, 40)}${pick(['A', 'B', ''])}` : ''}`;
const zipVal = (): string => (chance(0.25) ? `${pad(int(1001, 99950), 5)}-${digits(4)}` : pad(int(1001, 99950), 5));
function cityStateZip(): Part[] {
  const [c, s] = pick(CITIES); const z = zipVal();
  return [`${c}, ${s} `, L('zip', z, z.length > 5 ? 'zip:after-state+4' : 'zip:after-state')];
}

// ---------------------------------------------------------------- identifier generators
const NPA = ['212', '312', '415', '617', '713', '206', '303', '404', '503', '602', '615', '702', '804', '919', '971', '305', '512', '646', '801'];
const line = (): string => (chance(0.6) ? '01' + digits(2) : digits(4));
function usPhone(): Seg {
  const a = pick(NPA), l = line();
  return one('phone', { paren: () => `(${a}) 555-${l}`, dash: () => `${a}-555-${l}`, dot: () => `${a}.555.${l}`,
    '+1space': () => `+1 ${a} 555 ${l}`, '+1dash': () => `+1-${a}-555-${l}`, 'paren-nospace': () => `(${a})555-${l}`,
    '1-dash': () => `1-${a}-555-${l}`, '+1paren': () => `+1 (${a}) 555-${l}` });
}
const intlPhone = (only?: string[]): Seg => one('phone', {
  'uk-london': () => `+44 20 7946 0${digits(3)}`, 'uk-mobile': () => `+44 7700 900${digits(3)}`,
  'uk-(0)': () => `+44 (0)20 7946 0${digits(3)}`, 'de-berlin': () => `+49 30 ${digits(3)} ${digits(4)}`,
  'de-mobile': () => `+49 151 ${digits(8)}`, 'in-mobile': () => `+91 ${pick(['98', '97', '99', '88'])}${digits(3)} ${digits(5)}`,
  'in-landline': () => `+91-22-${digits(4)}-${digits(4)}`, fr: () => `+33 1 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
  au: () => `+61 2 ${digits(4)} ${digits(4)}`, 'e164-compact': () => `+4420794600${digits(2)}`,
}, only);
function email(): Seg {
  const f = ascii(pick(FIRST)).toLowerCase(), l = ascii(pick(LAST)).toLowerCase();
  const d = pick(['example.com', 'example.org', 'example.net', 'mail.example.com', 'clinic.example.org', 'bank.example.net']);
  return one('email', { dotted: () => `${f}.${l}@${d}`, initial: () => `${f.charAt(0)}${l}${int(1, 99)}@${d}`,
    plus: () => `${f}+${pick(['portal', 'billing', 'rx'])}@${d}`, underscore: () => `${l}_${f}@${d}`,
    upper: () => `${f}.${l}@${d}`.toUpperCase(), hyphen: () => `${f}-${l}@${d}` });
}
function url(): Seg {
  const h = pick(['portal.example.com', 'www.example.org', 'example.net', 'records.example.com', 'telehealth.example.org']);
  return one('url', { https: () => `https://${h}/patients/${digits(6)}`, http: () => `http://${h}`,
    query: () => `https://${h}/login?next=%2Fchart&ref=${hex(8)}`, www: () => `www.example.${pick(['com', 'org', 'net'])}/${pick(['help', 'billing', 'forms/intake'])}`,
    fragment: () => `https://${h}/docs/visit-summary#section-${int(1, 9)}`, port: () => `https://${h}:8443/api/v2/records` });
}
const h4 = (): string => int(1, 0xffff).toString(16);
const ip = (only?: string[]): Seg => one('ip', {
  v4: () => `${pick(['192.0.2', '198.51.100', '203.0.113'])}.${int(1, 254)}`, 'v6-short': () => `2001:db8::${h4()}`,
  'v6-full': () => `2001:0db8:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}:${hex(4)}`,
  'v6-mid': () => `2001:db8:${h4()}:${h4()}::${h4()}`,
}, only);
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DE_MONTHS = ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'];
const ord = (d: number): string => `${d}${d % 10 === 1 && d !== 11 ? 'st' : d % 10 === 2 && d !== 12 ? 'nd' : d % 10 === 3 && d !== 13 ? 'rd' : 'th'}`;
const US_DATES = ['iso', 'us', 'us-short', 'long', 'abbr', 'dmy-abbr', 'month-year', 'dd-mon-yyyy', 'iso-slash', 'ordinal', 'abbr-dot'];
const INTL_DATES = ['dot', 'uk-slash', 'dmy-long', 'dmy-abbr', 'de-month', 'dot-short', 'iso'];
function date(only: readonly string[] = [...US_DATES, 'dot', 'uk-slash', 'dmy-long']): Seg {
  const y = int(1925, 2025), m = int(1, 12), d = int(1, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 28);
  const M = MONTHS[m - 1] ?? 'May', Mo = M.slice(0, 3);
  return one('date', {
    iso: () => `${y}-${pad(m)}-${pad(d)}`, us: () => `${pad(m)}/${pad(d)}/${y}`, 'us-short': () => `${m}/${d}/${pad(y % 100)}`,
    long: () => `${M} ${d}, ${y}`, abbr: () => `${Mo} ${d}, ${y}`, 'dmy-long': () => `${d} ${M} ${y}`, 'dmy-abbr': () => `${d} ${Mo} ${y}`,
    'month-year': () => `${M} ${y}`, dot: () => `${pad(d)}.${pad(m)}.${y}`, 'dot-short': () => `${d}.${m}.${y}`,
    'uk-slash': () => `${pad(Math.max(d, 13))}/${pad(m)}/${y}`, 'dd-mon-yyyy': () => `${pad(d)}-${Mo}-${y}`,
    'iso-slash': () => `${y}/${pad(m)}/${pad(d)}`, ordinal: () => `${M} ${ord(d)}, ${y}`, 'abbr-dot': () => `${m === 9 ? 'Sept.' : m === 5 ? 'May' : `${Mo}.`} ${d}, ${y}`,
    'de-month': () => `${d}. ${DE_MONTHS[m - 1] ?? 'Mai'} ${y}`,
  }, only);
}
const clock = (): string => `${pad(int(0, 23))}:${pad(int(0, 59))}:${pad(int(0, 59))}`;
function dateTime(): Part[] {
  const d = date(['iso']); d.t = 'date:iso+time';
  return [d, pick([`T${clock()}Z`, ` ${clock()}`, `T${clock()}.${digits(3)}+01:00`])];
}
const ssnVal = (): string => { let a = int(1, 899); if (a === 666) a = 667; return `${pad(a, 3)}-${pad(int(1, 99))}-${pad(int(1, 9999), 4)}`; };
const ssn = (): Seg => L('ssn', ssnVal(), 'ssn:dashed');
const invalidSsn = (): string => pick([`000-${pad(int(1, 99))}-${pad(int(1, 9999), 4)}`, `666-${pad(int(1, 99))}-${pad(int(1, 9999), 4)}`,
  `${int(900, 999)}-${pad(int(1, 99))}-${pad(int(1, 9999), 4)}`, `${pad(int(1, 665), 3)}-00-${pad(int(1, 9999), 4)}`, `${pad(int(1, 665), 3)}-${pad(int(1, 99))}-0000`]);
const mrnId = (): string => pick([digits(8), digits(7), 'K' + digits(7), `MR${digits(6)}`, `${digits(2)}-${digits(6)}`, `E${digits(9)}`]);
const mrnKw = (): Part[] => kw('mrn', ['MRN: ', 'MRN ', 'MRN#', 'MR# ', 'Medical record number ', 'medical record no. ', 'Med Rec #', 'hospital number ', 'chart #', 'MRN - '], mrnId);
const hpId = (): string => pick([`${chars(UPPER, 3)}${digits(9)}`, `W${digits(9)}`, `${chars(UPPER, 2)}${digits(8)}01`,
  `${int(1, 9)}${chars('ACDEFGHJKMNPQRTUVWXY', 1)}${chars('ACDEFGHJKMNPQRTUVWXY0123456789', 1)}${digits(1)}${chars('ACDEFGHJKMNPQRTUVWXY', 2)}${digits(1)}${chars('ACDEFGHJKMNPQRTUVWXY', 2)}${digits(2)}`]);
const hpKw = (): Part[] => kw('health-plan', ['Member ID: ', 'member ID ', 'Member #', 'policy no. ', 'Policy Number: ', 'Subscriber ID ',
  'Medicaid ID ', 'Medicare ID ', 'MBI ', 'insurance ID ', 'beneficiary no. ', 'health plan ID '], hpId);
const acctId = (): string => pick([digits(10), digits(12), digits(8), `${digits(4)}-${digits(4)}-${digits(2)}`, `ACC${digits(8)}`]);
const acctKw = (): Part[] => (chance(0.15) ? kw('account', ['IBAN ', 'IBAN: '], iban)
  : kw('account', ['acct # ', 'Acct#', 'account number ', 'Account No. ', 'account no: ', 'A/C ', 'loan number ', 'Loan #', 'checking account ', 'savings acct '], acctId));
const dlId = (): string => pick(['D' + digits(7), `${chars(UPPER, 1)}${digits(3)}-${digits(3)}-${digits(2)}-${digits(3)}-${digits(1)}`, digits(9), chars(UPPER, 1) + digits(12)]);
const profId = (): string => pick([`RN${digits(6)}`, `G${digits(5)}`, `MD-${digits(7)}`, digits(6), `PA${digits(5)}`]);
const licKw = (): Part[] => pick([
  () => kw('licence', ["driver's license ", "Driver's License #", 'DL# ', 'DL: ', 'drivers lic. ', 'driving licence no. '], dlId),
  () => kw('licence', ['DEA #', 'DEA: ', 'DEA number ', 'DEA Reg. '], dea),
  () => kw('licence', ['NPI ', 'NPI: ', 'NPI#', 'National Provider Identifier '], npi),
  () => kw('licence', ['RN license ', 'medical license ', 'license no. ', 'state licence #', 'Lic. #'], profId)])();
const plateId = (): string => pick([`${int(1, 9)}${chars(UPPER, 3)}${digits(3)}`, `${chars(UPPER, 3)}-${digits(4)}`, `${chars(UPPER, 3)}${digits(4)}`, `${chars(UPPER, 2)}${digits(2)}${chars(UPPER, 3)}`]);
const vehKw = (): Part[] => (chance(0.55) ? kw('vehicle', ['VIN ', 'VIN: ', 'VIN#', 'vehicle identification number ', 'chassis no. '], vin)
  : kw('vehicle', ['plate ', 'licence plate ', 'license plate #', 'plate no. ', 'registration plate '], plateId));
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const serialId = (): string => pick([`SN${chars(ALNUM, 8)}`, `${chars(ALNUM, 4)}-${chars(ALNUM, 4)}-${chars(ALNUM, 2)}`, `PJN${digits(6)}`, hex(12).toUpperCase()]);
const udi = (): string => `(01)0${digits(13)}(21)${chars(ALNUM, 6)}`;
const devKw = (): Part[] => pick([
  () => kw('device', ['serial no. ', 'Serial #', 'S/N ', 'SN: ', 'serial number ', 'implant serial no. ', 'pump serial '], serialId),
  () => kw('device', ['device ID ', 'Device Id: ', 'device id='], uuid), () => kw('device', ['IMEI ', 'IMEI: '], imei),
  () => kw('device', ['UDI ', 'UDI: '], udi)])();
function ageOver(): Part[] {
  const a = String(int(90, 106));
  return pick<() => Part[]>([() => ['age ', L('age-over-89', a, 'age:age N')], () => ['aged ', L('age-over-89', a, 'age:aged N')],
    () => [L('age-over-89', a, 'age:N years old'), ' years old'], () => [L('age-over-89', a, 'age:N y/o'), ' y/o'],
    () => ['a ', L('age-over-89', a, 'age:N-year-old'), '-year-old'], () => [L('age-over-89', a, 'age:Nyo'), 'yo'],
    () => ['Age: ', L('age-over-89', a, 'age:Age: N')], () => [L('age-over-89', a, 'age:N yrs'), ' yrs']])();
}
const ageUnder = (): string => { const a = int(18, 89); return pick([`age ${a}`, `aged ${a}`, `${a} years old`, `${a} y/o`, `a ${a}-year-old`, `${a}yo`]); };
const ageAny = (): Part => (chance(0.5) ? ageOver() : ageUnder());

// ---------------------------------------------------------------- hard negatives (never labelled)
const money = (): string => pick([`${int(1, 99)},${pad(int(0, 999), 3)}.${pad(int(0, 99))}`, `${int(1, 999)}.${pad(int(0, 99))}`, `${int(1, 9)},${pad(int(0, 999), 3)},${pad(int(0, 999), 3)}.00`]);
const bp = (): string => `${int(95, 180)}/${int(55, 110)}`;
const icd = (): string => pick(['E11.9', 'I10', 'J45.909', 'Z79.4', 'M54.50', 'N18.3', 'F32.A', 'I48.91', 'E78.5', 'K21.9', 'R07.89']);
const cpt = (): string => pick(['99213', '99214', '93000', '80053', '36415', '71046', '99285', '97110']);
const NEG: (() => string)[] = [
  () => `$${money()}`, () => `USD ${money()}`, () => `€${int(1, 9)}.${pad(int(0, 999), 3)},${pad(int(0, 99))}`, () => `v${int(1, 15)}.${int(0, 9)}.${int(10000, 22631)}`,
  () => `${int(1, 30)}.${int(13, 40)}.${int(0, 9)}`, () => `${int(32, 120)}.${int(0, 9)}.${int(0, 40)}`, () => `build 10.0.${int(17763, 22631)}.${int(300, 4000)}`, () => `Chrome/${int(100, 126)}.0.${int(5000, 6500)}.${int(10, 200)}`,
  () => `ORD-${digits(5)}-${digits(4)}`, () => `order #A${digits(7)}`, () => `PO ${4500000000 + int(0, 99999999)}`, () => `ISBN ${isbn13()}`,
  () => clock(), () => `[${clock()}.${digits(3)}] INFO`, () => `BP ${bp()} mmHg`, () => `MoCA ${int(18, 30)}/30`, () => `GCS ${int(13, 15)}/15`,
  () => `PHQ-9 ${int(13, 27)}/27`, () => `in ${int(1950, 2024)}`, () => `${int(1, 99)}.${int(0, 9)}%`, () => `FICO ${int(520, 850)}`,
  () => `HbA1c ${int(5, 12)}.${int(0, 9)}%`, () => `creatinine ${int(0, 3)}.${int(0, 9)} mg/dL`, () => `K ${int(3, 5)}.${int(0, 9)} mmol/L`,
  () => icd(), () => `CPT ${cpt()}`, () => `SKU-${digits(5)}-${pick(['BLU', 'RED', 'XL', 'S'])}`,
  () => `${int(10000, 99999)} ${pick(['steps', 'claims', 'records', 'impressions', 'tickets'])}`, () => invalidSsn(), () => `${int(2, 5)}:1`,
  () => `titre 1:${pick([40, 80, 160, 320])}`, () => `ext. ${digits(4)}`, () => `PIN ${digits(4)}`,
  () => `${pick(['admin', 'jsmith', 'backup'])}@${pick(['localhost', 'intranet', 'fileserver'])}`, () => `@${pick(['ExampleHealth', 'jsmith_rn', 'bank_support'])}`,
  () => `${int(10, 2000)} mg`, () => `${int(90, 99)} days`, () => `SpO2 ${int(90, 100)}%`, () => `room ${int(90, 999)}`, () => ageUnder(),
  () => `case ${int(18, 24)}-${digits(5)}`, () => `WBC ${int(3, 15)}.${int(0, 9)} x10^9/L`, () => `${int(1, 9)}-${digits(3)}-${digits(2)}`,
  () => `${int(1, 9)},${pad(int(0, 999), 3)},${pad(int(0, 999), 3)}`, () => `score ${int(90, 100)}/100`, () => `INC${digits(7)}`, () => `${int(90, 250)} bpm`,
];
const neg = (): string => pick(NEG)();

// ---------------------------------------------------------------- sentence pools for free text
const CONDS = ['community-acquired pneumonia', 'a CHF exacerbation', 'NSTEMI', 'cellulitis of the left leg', 'DKA', 'a hip fracture',
  'acute kidney injury', 'a COPD exacerbation', 'syncope', 'UTI with delirium'];
const PLANS = ['Aetna Choice POS II', 'Example Health PPO', 'BCBS Federal', 'Medicare Part B', 'UnitedExample HMO', 'Medicaid (TX)'];
const CARS = ['2014 Honda Civic', 'silver 2019 Toyota RAV4', 'Ford F-150', 'blue Subaru Outback', 'VW Golf'];
const CLIN: (() => Part)[] = [
  () => ['Patient is ', ageAny(), ', admitted on ', date(), ' with ', pick(CONDS), '.'],
  () => [mrnKw(), '; DOB ', date(), '.'], () => ['Seen in clinic ', date(), ' (BP ', bp(), ', HR ', String(int(55, 110)), ').'],
  () => ['Follow up with Dr. ', pick(LAST), ' (', licKw(), ') on ', date(), '; call ', usPhone(), ' to confirm.'],
  () => ['Daughter (', email(), ') will view results at ', url(), '.'], () => ['Coverage: ', pick(PLANS), ', ', hpKw(), '.'],
  () => [pick(['Pacemaker', 'Insulin pump', 'ICD', 'CGM']), ' ', devKw(), ' checked ', date(), ', battery ', String(int(60, 99)), '%.'],
  () => ['Discharged home to ', street(), ', ', cityStateZip(), '.'], () => ['Please fax records to ', usPhone(), ' or email ', email(), '.'],
  () => ['Labs drawn ', dateTime(), ': HbA1c ', `${int(5, 12)}.${int(0, 9)}`, '%, Cr ', `${int(0, 3)}.${int(0, 9)}`, ' mg/dL.'],
  () => ['SSN ', ssn(), ' verified at registration.'], () => ['Telehealth visit from ', ip(), ' ended at ', clock(), '.'],
  () => ['Son drives a ', pick(CARS), ', ', vehKw(), ', to appointments.'], () => ['Symptoms began in ', date(['month-year']), '.'],
  () => ['Billing: ', acctKw(), ', balance $', money(), '.'], () => ['Identity confirmed with ', licKw(), '.'],
  () => ['Lives alone; ', ageOver(), '; daughter visits weekly.'], () => ['Education materials (', url(), ') reviewed with family.'], () => ['Mailing address ZIP ', L('zip', zipVal(), 'zip:ZIP'), ', no forwarding.'],
  () => ['Social security number: ', L('ssn', ssnVal().replace(/-/g, ''), 'ssn:bare-after-kw'), '.'], () => ['Pt ', ageOver(), ', DNR/DNI confirmed.'],
];
const CLIN_NEG: (() => string)[] = [
  () => `Vitals: BP ${bp()}, HR ${int(55, 110)}, SpO2 ${int(92, 100)}% on RA, T ${int(97, 100)}.${int(0, 9)} F.`,
  () => `MoCA ${int(18, 30)}/30; GCS ${int(13, 15)}/15; pain ${int(0, 10)}/10.`, () => `Dx: ${icd()}, ${icd()}; CPT ${cpt()}.`,
  () => `HbA1c ${int(6, 12)}.${int(0, 9)}% (was ${int(6, 12)}.${int(0, 9)}% in ${int(2010, 2023)}).`,
  () => `Meds: metformin ${pick([500, 850, 1000])} mg BID, lisinopril ${pick([5, 10, 20])} mg daily; take 1/2 tab if dizzy.`,
  () => `Walks about ${int(10000, 19999)} steps a day; weight ${int(50, 120)}.${int(0, 9)} kg, BMI ${int(18, 40)}.${int(0, 9)}.`,
  () => `Symptoms for ${int(90, 120)} days; OR ${int(1, 3)}.${digits(2)}, 95% CI ${int(1, 2)}.${int(0, 9)}-${int(3, 5)}.${int(0, 9)}.`,
  () => `Mother died aged ${int(60, 89)}; father is ${int(70, 89)} years old.`, () => `ANA titre 1:${pick([40, 80, 160])}; E/A ratio 0.${int(5, 9)}.`,
  () => `Former smoker (quit in ${int(1980, 2020)}), ${int(10, 40)} pack-years.`,
  () => `Discussed with ${pick(FIRST)} ${pick(LAST)} (daughter) and Dr. ${pick(LAST)}.`,
  () => `Room ${int(100, 999)}, bed ${pick(['A', 'B'])}; nursing ext. ${digits(4)}.`,
  () => `Creatinine ${int(0, 3)}.${int(0, 9)} mg/dL, eGFR ${int(30, 90)}, K ${int(3, 5)}.${int(0, 9)} mmol/L, WBC ${int(3, 15)}.${int(0, 9)} x10^9/L.`,
  () => `Echo: EF ${int(25, 65)}%, LVIDd ${int(40, 60)} mm; study software v${int(3, 12)}.${int(0, 9)}.${int(100, 30000)}.`,
  () => `Old form listed ${invalidSsn()}, which is not a valid number.`, () => `Trial enrolled ${int(10000, 90000)} participants across ${int(90, 400)} sites.`,
  () => `Infusion ran ${pad(int(0, 3))}:${pad(int(0, 59))}:${pad(int(0, 59))}; rate ${int(90, 250)} mL/h.`, () => `Note: ${neg()}, ${neg()}.`,
];
const INTL: (() => Part)[] = [
  () => ['Tel. ', intlPhone(), ', mobile ', intlPhone(), '.'], () => ['Termin am ', date(['dot', 'de-month', 'dot-short']), ' um 10:30 Uhr.'],
  () => ['Seen in Mumbai on ', date(['dmy-long', 'uk-slash']), '; contact ', intlPhone(['in-mobile', 'in-landline']), '.'],
  () => ['Please ring the ward on ', intlPhone(['uk-london', 'uk-(0)', 'uk-mobile']), ' quoting ', mrnKw(), '.'],
  () => ['Next review ', date(INTL_DATES), ', clinic room ', String(int(1, 30)), '.'], () => ['Geb. ', date(['dot']), ', ', ageAny(), '.'],
];
const CALL: (() => Part)[] = [
  () => ['Caller: Sure, my number is ', usPhone(), '.'], () => ['Agent: The form is online (', url(), ').'], () => ['Caller: Date of birth ', date(['long', 'us', 'dmy-long', 'ordinal']), '.'],
  () => ["Caller: It's ", email(), '.'], () => ['Agent: ', hpKw(), ', correct?'],
  () => ['Caller: My account number is ', L('account', acctId(), 'account:account number is'), '.'], () => ["Caller: I'm ", ageAny(), ', so please speak up.'],
  () => [`Agent: The payment of $${money()} posted at ${clock()}.`], () => ['Caller: The zip code is ', L('zip', zipVal(), 'zip:zip code is'), '.'],
  () => [`Agent: Your reference is ORD-${digits(5)}-${digits(4)}, ticket INC${digits(7)}.`],
  () => ['Caller: You can also reach me on ', intlPhone(), ' when I travel.'], () => ["Agent: I'll email ", email(), ' and text ', usPhone(), '.'],
  () => ['Caller: SSN is ', ssn(), '.'], () => ['Agent: Your next appointment is ', date(['long', 'abbr', 'ordinal']), ' at 9:15.'],
  () => ['Agent: Please reset it at ', url(), '.'], () => [`Agent: Hold time was ${pad(int(0, 9))}:${pad(int(0, 59))}, CSAT ${int(1, 5)} of 5.`],
  () => ['Caller: My ', mrnKw(), ' from the hospital letter.'], () => [`Caller: The bill says ${neg()} and ${neg()}.`],
];
function prose(pos: (() => Part)[], negs: (() => Part)[], nPos: number, nNeg: number, sep: string): Part[] {
  const items: Part[] = [];
  for (let i = 0; i < nPos; i++) items.push(pick(pos)());
  for (let i = 0; i < nNeg; i++) items.splice(int(0, items.length), 0, pick(negs)());
  return items.flatMap((p, i) => (i === 0 ? [p] : [sep, p]));
}

// ---------------------------------------------------------------- tables
type RowSpec = Record<string, Part>;
function table(out: BlindCell[], name: string, n: number, row: (i: number) => RowSpec): void {
  for (let i = 0; i < n; i++) {
    for (const [column, part] of Object.entries(row(i))) out.push({ table: name, row: i, column, ...build(part) });
  }
}
const nameCell = (column: string): Part => { const s = col('name', personName(), column); return chance(0.1) ? [' ', s, '  '] : s; };
const ageCell = (column: string): Part => { const a = chance(0.3) ? int(90, 104) : int(1, 89); return a > 89 ? col('age-over-89', String(a), column) : String(a); };
const phoneCell = (): Part => (chance(0.25) ? L('phone', `${pick(NPA)}555${line()}`, 'phone:col-bare10') : chance(0.15) ? intlPhone() : usPhone());
const ssnCell = (column: string): Part => (chance(0.3) ? L('ssn', ssnVal().replace(/-/g, ''), `ssn:col-bare9 ${column}`) : ssn());
const zipCell = (column: string): Part => col('zip', zipVal(), column);

export function buildBlindCorpus(seed = 0x5eed2024): BlindCell[] {
  seedState = seed >>> 0;
  const out: BlindCell[] = [];
  table(out, 'discharge', 160, () => ({
    note_id: `NOTE-${digits(7)}`, service: pick(['Medicine', 'Cardiology', 'Geriatrics', 'Orthopaedics']),
    summary: ['DISCHARGE SUMMARY\n', prose(CLIN, CLIN_NEG, int(2, 5), int(1, 3), pick([' ', '\n', '  '])), `\nDictated ${clock()}.`],
    los_days: String(int(1, 30)), drg: String(int(100, 999)), icd10_primary: icd(),
  }));
  table(out, 'referral', 90, () => ({
    letter: [`Dear Dr ${pick(LAST)},\n\nRe: ${pick(FIRST)} ${pick(LAST)}, DOB `, date(INTL_DATES), ', ', mrnKw(), '\n\n',
      prose([...CLIN, ...INTL], CLIN_NEG, int(2, 4), int(1, 2), ' '), '\n\nYours sincerely,\nDr ', pick(LAST), '\n', intlPhone(), ' | ', email()],
    priority: pick(['routine', 'urgent', '2WW']), received: date(INTL_DATES),
  }));
  table(out, 'intake', 180, () => { const nc = pick(['patient_name', 'PatientName', 'Patient Name', 'full_name']); return {
    [nc]: nameCell(nc), dob: date(['iso', 'us', 'us-short', 'long']),
    age: ageCell('age'), sex: pick(['F', 'M', 'X']), address: [street(), ', ', cityStateZip()], zip: zipCell('zip'),
    phone: phoneCell(), email: email(), ssn: ssnCell('ssn'), insurance_member_id: col('health-plan', hpId(), 'insurance_member_id'),
    emergency_contact_name: nameCell('emergency_contact_name'), emergency_contact_phone: phoneCell(),
    allergies: pick(['NKDA', 'Penicillin (rash)', 'Sulfa', 'Latex; peanuts']), height_cm: String(int(140, 200)), weight_kg: `${int(40, 140)}.${int(0, 9)}`,
    bp: bp(), pharmacy: `Example Pharmacy #${digits(4)}`, reason_for_visit: prose(CLIN, CLIN_NEG, int(0, 1), 1, ' '), signed_at: dateTime(),
  }; });
  table(out, 'kyc', 150, () => ({
    customer: nameCell('customer'), date_of_birth: date(['iso', 'us', 'dd-mon-yyyy']), ssn: ssnCell('ssn'), mobile: phoneCell(),
    email: email(), address: [street(), ', ', cityStateZip()], account_number: col('account', acctId(), 'account_number'),
    iban: col('account', iban(), 'iban'), drivers_license: col('licence', dlId(), 'drivers_license'), ip_address: ip(),
    device_id: col('device', uuid(), 'device_id'), annual_income: `$${money()}`, occupation: pick(['Nurse', 'Engineer', 'Retired', 'Teacher']),
    employer: pick(['Example Corp', 'Acme Logistics LLC', 'Globex Inc.', 'Initech']), risk_rating: pick(['Low', 'Medium', 'High']),
    credit_score: String(int(520, 850)), kyc_checked_at: dateTime(), notes: prose([() => acctKw(), () => licKw(), () => ['ID check from ', ip()], () => ['Docs uploaded via ', url()]], [neg], int(0, 1), int(1, 2), '; '),
  }));
  table(out, 'credit', 140, () => ({
    application_id: `APP-${digits(6)}`, borrower: nameCell('borrower'), fico: String(int(520, 850)), dti: `0.${int(10, 55)}`, ltv: `${int(50, 97)}%`,
    loan_amount: `$${money()}`, apr: `${int(3, 12)}.${pad(int(0, 99))}%`, term_months: pick(['180', '360', '60']), decision: pick(['approve', 'decline', 'refer']),
    decision_date: date(['iso', 'us']), reason_codes: `R${pad(int(1, 40))};R${pad(int(1, 40))}`, loan_number: col('account', `LN${digits(10)}`, 'loan_number'),
    analyst_note: prose([() => acctKw(), () => ['Verified via ', licKw()], () => ['Borrower called from ', usPhone()]],
      [() => `DTI ${int(20, 50)}.${int(0, 9)}%`, () => `W-2 income for ${int(2019, 2024)}`, neg], int(0, 2), int(1, 2), '. '),
  }));
  table(out, 'calls', 130, () => ({
    call_id: `C${digits(9)}`, caller_name: nameCell('caller_name'), agent_name: nameCell('agent_name'), call_start: dateTime(),
    duration: `${pad(int(0, 1))}:${pad(int(0, 59))}:${pad(int(0, 59))}`, queue: pick(['billing', 'claims', 'pharmacy', 'fraud']),
    transcript: ['Agent: Thank you for calling, this call may be recorded.\n', prose(CALL, [() => `Agent: I'm noting ${neg()} on the file.`], int(2, 5), int(1, 2), '\n')],
  }));
  table(out, 'claims', 150, () => ({
    claim_id: `CLM-${digits(7)}-${pad(int(1, 9))}`, member_id: col('health-plan', hpId(), 'member_id'), patient_name: nameCell('patient_name'),
    patient_age: ageCell('patient_age'), rendering_npi: col('licence', npi(), 'rendering_npi'), dos: date(['iso', 'us', 'us-short']),
    cpt: cpt(), icd10: icd(), units: String(int(1, 12)), pos: pick(['11', '21', '22', '23']), billed: `$${money()}`, allowed: money(),
    status: pick(['paid', 'denied', 'pended']), claim_note: prose([() => hpKw(), () => mrnKw(), () => ['DOS ', date()], () => ['Provider ', licKw()]],
      [() => `Denied CO-${int(4, 97)}; resubmit with modifier ${int(24, 59)}`, neg], int(0, 2), int(1, 2), '; '),
  }));
  table(out, 'fhir-jsonl', 150, () => {
    const dot = chance(0.4);
    const p = (path: string): string => (dot ? path.slice(1).replace(/\//g, '.') : path);
    return {
      [p('/resourceType')]: 'Patient', [p('/patient/name')]: nameCell(p('/patient/name')), [p('/patient/birthDate')]: date(['iso']),
      [p('/patient/contact/phone')]: phoneCell(), [p('/patient/contact/email')]: email(),
      [p('/patient/address/postalCode')]: zipCell(p('/patient/address/postalCode')), [p('/patient/mrn')]: col('mrn', mrnId(), p('/patient/mrn')),
      [p('/patient/age')]: ageCell(p('/patient/age')), [p('/coverage/subscriberId')]: col('health-plan', hpId(), p('/coverage/subscriberId')),
      [p('/device/serialNumber')]: col('device', serialId(), p('/device/serialNumber')), [p('/device/udi')]: col('device', udi(), p('/device/udi')),
      [p('/practitioner/name')]: nameCell(p('/practitioner/name')), [p('/practitioner/npi')]: col('licence', npi(), p('/practitioner/npi')),
      [p('/organization/name')]: pick(['Example General Hospital', 'Lakeview Clinic LLC', 'Acme Health Partners']),
      [p('/product/name')]: pick(['Humalog KwikPen', 'FreeStyle Libre 3', 'Accu-Chek Guide']), [p('/meta/versionId')]: String(int(1, 40)),
      [p('/meta/lastUpdated')]: dateTime(), [p('/observation/valueQuantity/value')]: `${int(3, 200)}.${int(0, 9)}`,
      [p('/encounter/note/text')]: prose(CLIN, CLIN_NEG, int(0, 2), int(1, 2), ' '), [p('/meta/source')]: [ip(['v4']), ':', String(pick([443, 8443, 8080]))],
    };
  });
  table(out, 'fleet', 110, () => ({
    vin: col('vehicle', vin(), 'vin'), plate: col('vehicle', plateId(), 'plate'), driver_name: nameCell('driver_name'),
    driver_license: col('licence', dlId(), 'driver_license'), make_model: pick(CARS), model_year: String(int(2005, 2025)),
    odometer: String(int(10000, 99999)), last_service: date(), telematics_imei: col('device', imei(), 'telematics_imei'),
    incident_note: prose([() => vehKw(), () => ['Driver ', ageAny()], () => ['Reported ', date()]], [neg, () => `towed ${int(2, 40)} miles`], int(0, 2), int(1, 2), '. '),
  }));
  table(out, 'telemetry', 110, () => ({
    device_serial: col('device', serialId(), 'device_serial'), fw_version: `${int(1, 9)}.${int(0, 20)}.${int(100, 999)}`, ip_address: ip(),
    event_time: dateTime(), battery: `${int(5, 100)}%`, rssi_dbm: String(-int(40, 110)),
    message: [`${clock()}.${digits(3)} ${pick(['INFO', 'WARN', 'DEBUG'])} `, prose([() => ['client ', ip()], () => ['user ', email()], () => devKw(), () => ['GET ', url(), ' 200']],
      [() => `worker-${int(1, 9)} processed ${int(10000, 99999)} jobs in ${clock()}`, () => `agent ${pick(['v', ''])}${int(1, 9)}.${int(0, 30)}.${int(0, 9)}`, neg], int(0, 1), int(1, 2), ' ')],
  }));
  table(out, 'international', 120, () => ({
    patient_name: nameCell('patient_name'), dob: date(INTL_DATES), telephone: intlPhone(),
    mobile: chance(0.3) ? L('phone', `${pick(['98', '97', '99'])}${digits(8)}`, 'phone:col-bare10-in') : intlPhone(),
    country: pick(['UK', 'DE', 'IN', 'FR', 'AU']), notes: prose(INTL, CLIN_NEG, int(1, 3), int(1, 2), ' '),
  }));
  table(out, 'catalog', 320, () => ({
    product_name: pick(['FreeStyle Libre 3', 'Ensure Plus 8oz', 'Omron BP Monitor', 'N95 Respirator (20)', 'Vitamin D3 1000 IU']),
    sku: `SKU-${digits(5)}-${pick(['BLU', 'RED', 'XL'])}`, isbn: isbn13(), price: `$${money()}`, version: `v${int(1, 15)}.${int(0, 9)}.${int(100, 30000)}`,
    stock_count: String(int(10000, 99999)), company: pick(['Acme Medical Supply', 'Globex Pharma', 'Example Devices GmbH']),
    file_name: `${pick(['manual', 'label', 'ifu'])}_rev${int(1, 9)}.pdf`, release_year: String(int(1995, 2025)), rating: `${int(1, 4)}.${int(0, 9)}`,
    description: `${neg()}; ${neg()}; ${neg()}`,
  }));
  table(out, 'labs', 220, () => ({
    test_name: pick(['Potassium', 'HbA1c', 'Creatinine', 'TSH', 'LDL', 'WBC']), result: `${int(0, 250)}.${int(0, 9)}`,
    unit: pick(['mmol/L', '%', 'mg/dL', 'mIU/L', 'x10^9/L']), ref_range: `${int(0, 5)}.${int(0, 9)}-${int(5, 12)}.${int(0, 9)}`,
    loinc: `${int(1000, 99999)}-${int(0, 9)}`, flag: pick(['H', 'L', 'N', 'HH']), comment: neg(),
  }));
  return out;
}
