// Held-out labelled PII/PHI corpus for measuring the detector's precision and recall. Written from
// the labelling rules (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)) and the detector's public contract
// only: not from the detector's source nor from the corpora it was tuned on. Table designs are
// deliberately unlike a discharge-summary/KYC corpus: pharmacy dispensing, lab requisitions, dental
// charts, telehealth chat (JSON pointers), payroll, mortgage servicing, pathology, ambulance run
// sheets, trial screening, support tickets, implant registry, staff parking permits.
// All data is fake/reserved: example.com/.org/.net, 555 numbers, 192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24, 2001:db8::/32, valid-range random SSNs, VINs with computed ISO 3779 check digits,
// NPIs with the Luhn check, DEA numbers with their check digit, IMEIs with the Luhn check.
import type { PiiKind } from '../../src/policy/pii-detect.js';

export interface HoldoutLabel { kind: PiiKind; start: number; end: number }
export interface HoldoutCell { table: string; row: number; column: string; value: string; labels: HoldoutLabel[] }
export const HOLDOUT_KINDS: readonly PiiKind[] = ['ssn', 'phone', 'email', 'url', 'ip', 'date', 'zip', 'mrn', 'health-plan', 'account', 'licence', 'vehicle', 'device', 'age-over-89', 'name'];

type Part = string | readonly [PiiKind, string];
const L = (kind: PiiKind, v: string): Part => [kind, v] as const;
// ---- seeded PRNG (mulberry32) and small helpers ----
let state = 0;
function rnd(): number {
  let t = (state = (state + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (p: number): boolean => rnd() < p;
const from = (set: string, n: number): string => Array.from({ length: n }, () => set[int(0, set.length - 1)]!).join('');
const digits = (n: number): string => from('0123456789', n);
const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const UP = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const HEX = '0123456789abcdef';
/** Vary the case of a context keyword. */
const kw = (s: string): string => { const x = rnd(); return x < 0.12 ? s.toUpperCase() : x < 0.24 ? s.toLowerCase() : s; };
const shuffle = <T>(xs: T[]): T[] => { for (let i = xs.length - 1; i > 0; i--) { const j = int(0, i); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; } return xs; };
// ---- check digits ----
export function luhnDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) { const d = Number(payload[payload.length - 1 - i]) * (i % 2 === 0 ? 2 : 1); sum += d > 9 ? d - 9 : d; }
  return (10 - (sum % 10)) % 10;
}
const VIN_VAL: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };
const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
export function vinCheckChar(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) { const c = vin[i]!; sum += (/\d/.test(c) ? Number(c) : VIN_VAL[c]!) * VIN_W[i]!; }
  return sum % 11 === 10 ? 'X' : String(sum % 11);
}
// ---- fake identifiers ----
const FIRST = ['Adaeze', 'Bartholomew', 'Chiara', 'Dmitri', 'Eun-ji', 'Farrukh', 'Gwendolyn', 'Hamid', 'Ingrid', 'Joaquín', 'Keanu', 'Leontyne', 'Marisol', 'Nnamdi', 'Oksana', 'Pádraig', 'Quentin', 'Rukmini', 'Søren', 'Thandiwe', 'Ulrich', 'Valentina', 'Wendell', 'Ximena', 'Yusuf', 'Zofia', 'Abigail', 'Tomás'];
const LAST = ['Abernathy', 'Baptiste', 'Castellanos', "D'Souza", 'Eriksen', 'Fairweather', 'Gallagher', 'Hakimi', 'Ishikawa', 'Jovanović', 'Kowalczyk', 'Lindqvist', 'MacAllister', 'Nakashima', "O'Donoghue", 'Pereira-Santos', 'Quispe', 'Rasmussen', 'Szymańska', 'Thibodeaux', 'Umarov', 'Vandermeer', 'Whitcombe', 'Yilmaz', 'Zielinski', 'Okafor'];
function person(doctor = false): string {
  const f = pick(FIRST), l = pick(LAST), m = from('ABCDEFGHJKLMNPRSTW', 1);
  if (doctor && chance(0.6)) return pick([`Dr. ${f} ${l}`, `${f} ${l}, MD`, `${l}, ${f} DO`, `${f} ${m}. ${l} MD, PhD`, `DR ${l.toUpperCase()}`, `${l} ${f[0]}${m} (NP)`]);
  return pick([`${f} ${l}`, `${l}, ${f}`, `${f} ${m}. ${l}`, `${l.toUpperCase()}, ${f.toUpperCase()} ${m}`, `${f.toLowerCase()} ${l.toLowerCase()}`, `${l}, ${f} ${m}.`, `${f} ${l}-${pick(LAST)}`]);
}
/** A name column: whole trimmed value labelled; sometimes a placeholder that is not a name. */
function nameCell(doctor = false, negP = 0.07): Part[] {
  if (chance(negP)) return [pick(['N/A', 'SELF', 'unknown', 'see chart', '—', 'same as above', ''])];
  return [pick(['', '', '', ' ', '  ']), L('name', person(doctor)), pick(['', '', '', ' ', '\t'])];
}
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
function date(y0 = 1930, y1 = 2025): string {
  const y = int(y0, y1), m = int(1, 12), d = int(1, 28), M = MONTHS[m - 1]!, A = M.slice(0, 3);
  const ord = [1, 21].includes(d) ? 'st' : [2, 22].includes(d) ? 'nd' : [3, 23].includes(d) ? 'rd' : 'th';
  return pick([
    `${y}-${pad(m, 2)}-${pad(d, 2)}`, `${y}-${pad(m, 2)}-${pad(d, 2)}`, `${pad(m, 2)}/${pad(d, 2)}/${y}`, `${m}/${d}/${y}`,
    `${m}/${d}/${pad(y % 100, 2)}`, `${pad(d, 2)}.${pad(m, 2)}.${y}`, `${M} ${d}, ${y}`, `${A} ${d}, ${y}`, `${A}. ${d} ${y}`,
    `${d} ${M} ${y}`, `${pad(d, 2)}-${A}-${y}`, `${pad(d, 2)}-${A.toUpperCase()}-${y}`, `${d} ${A} ${y}`, `${M} ${y}`,
    `${A} ${y}`, `${M} ${d}${ord}, ${y}`, `${pad(d, 2)}${A.toUpperCase()}${y}`,
  ]);
}
const time = (): string => pick([`${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}`, `${int(1, 12)}:${pad(int(0, 59), 2)} ${pick(['AM', 'pm'])}`, `${pad(int(0, 23), 2)}${pad(int(0, 59), 2)}h`]);
function ssn(sep = '-'): string {
  let a = int(1, 899);
  while (a === 666) a = int(1, 899); // area 000, 666 and 900-999 are never issued
  return `${pad(a, 3)}${sep}${pad(int(1, 99), 2)}${sep}${pad(int(1, 9999), 4)}`;
}
const AREAS = ['212', '312', '415', '617', '713', '206', '303', '404', '615', '512', '555', '555'];
function usPhone(bare = false): string {
  const a = pick(AREAS), x = a === '555' ? String(int(200, 999)) : '555', l = a === '555' ? digits(4) : `01${digits(2)}`;
  if (bare) return a + x + l;
  return pick([`(${a}) ${x}-${l}`, `(${a})${x}-${l}`, `${a}-${x}-${l}`, `${a}.${x}.${l}`, `+1 ${a} ${x} ${l}`, `+1-${a}-${x}-${l}`, `1-${a}-${x}-${l}`, `${a} ${x} ${l}`, `+1 (${a}) ${x}-${l}`]);
}
const intlPhone = (): string => pick([`+44 20 7946 0${digits(3)}`, `+44 161 496 0${digits(3)}`, `+61 2 5550 ${digits(4)}`, `+33 1 99 00 ${digits(2)} ${digits(2)}`, `+442079460${digits(3)}`, `+49-30-5550-${digits(4)}`, `+353 1 555 0${digits(3)}`]);
const phone = (): string => (chance(0.8) ? usPhone() : intlPhone());
const ascii = (s: string): string => s.normalize('NFD').replace(/[^A-Za-z]/g, '');
function email(): string {
  const f = ascii(pick(FIRST)).toLowerCase(), l = ascii(pick(LAST)).toLowerCase();
  const dom = pick(['example.com', 'example.org', 'example.net', 'mail.example.com', 'clinic.example.org', 'pharmacy.example.net', 'EXAMPLE.COM']);
  return `${pick([`${f}.${l}`, `${f.slice(0, 1)}${l}${int(1, 99)}`, `${l}_${f}`, `${f}.${l}+portal`, `${f}${int(1950, 2005)}`, `${f.slice(0, 1).toUpperCase()}.${l.toUpperCase()}`])}@${dom}`;
}
const url = (): string => pick([
  `https://portal.example.org/patients/${digits(6)}`, `https://telehealth.example.com/join/${from(UP, 4)}-${from(UP + '0123456789', 4)}`,
  `http://example.net/rx/refill?id=${digits(7)}&src=sms`, `www.example.com/billing`, `https://www.example.org/`, `HTTPS://Example.COM/Support/Case/${digits(5)}`,
  `www.example.net`, `https://docs.example.com/kb/article-${digits(4)}#step-2`, `http://files.example.org:8080/scan_${digits(4)}.pdf`,
]);
function ipv6(): string {
  const h = (): string => from(HEX, int(1, 4)), h4 = (): string => from(HEX, 4);
  return pick([`2001:db8::${h()}`, `2001:db8:${h()}:${h()}::${h()}`, `2001:0db8:${h4()}:0000:0000:${h4()}:${h4()}:${h4()}`, `2001:DB8:0:0:8:800:200C:417A`, `2001:db8:${h()}:${h()}:${h()}:${h()}:${h()}:${h()}`]);
}
const ipv4 = (): string => `${pick(['192.0.2', '198.51.100', '203.0.113'])}.${int(1, 254)}`;
const CITIES = [['Springfield', 'IL'], ['Austin', 'TX'], ['Columbus', 'OH'], ['Worcester', 'MA'], ['Tacoma', 'WA'], ['Savannah', 'GA'], ['Eugene', 'OR'], ['Albany', 'NY'], ['Tampa', 'FL'], ['Fresno', 'CA'], ['Boise', 'ID'], ['Denver', 'CO']] as const;
const zip = (): string => pad(int(1001, 99950), 5) + (chance(0.25) ? `-${digits(4)}` : '');
const mrnTok = (): string => pick([digits(8), `${pick(['A', 'E', 'M'])}${digits(7)}`, String(int(100000, 9999999)), `${digits(3)}-${digits(2)}-${digits(2)}`, `00${digits(6)}`]);
function mbi(): string {
  const A = 'ACDEFGHJKMNPQRTUVWXY', N = '0123456789';
  const s = `${int(1, 9)}${from(A, 1)}${from(A + N, 1)}${from(N, 1)}${from(A, 1)}${from(A + N, 1)}${from(N, 1)}${from(A, 2)}${from(N, 2)}`;
  return chance(0.4) ? `${s.slice(0, 4)}-${s.slice(4, 7)}-${s.slice(7)}` : s;
}
const planTok = (): string => pick([`${from(UP, 3)}${digits(9)}`, `W${digits(9)}`, `${from(UP, 2)}${digits(8)}`, `${digits(9)}${pick(['A', 'B', 'C1'])}`, mbi()]);
const acctTok = (): string => pick([digits(int(8, 12)), `${digits(3)}-${digits(6)}-${digits(2)}`, `00${digits(10)}`, `${digits(4)} ${digits(4)} ${digits(4)}`]);
const iban = (): string => `GB${digits(2)}EXMP${digits(14)}`;
function dea(): string {
  const d = Array.from({ length: 6 }, () => int(0, 9)), c = (d[0]! + d[2]! + d[4]! + 2 * (d[1]! + d[3]! + d[5]!)) % 10;
  return pick(['A', 'B', 'F', 'M']) + from('ABCDEFGHJKLMNPRSTWZ', 1) + d.join('') + c;
}
function npi(): string { const b = String(int(1, 2)) + digits(8); return b + luhnDigit('80840' + b); }
const dl = (): string => pick([`${from(UP, 1)}${digits(7)}`, `${from(UP, 1)}${digits(3)}-${digits(4)}-${digits(4)}`, digits(9), `${from(UP, 2)}${digits(6)}`]);
const profLic = (): string => pick([`RN${digits(6)}`, `${from(UP, 1)}${digits(5)}`, digits(7), `LPN-${digits(5)}`]);
function vin(): string {
  const body = pick(['1HG', '1FT', '2T1', '3VW', '5YJ', 'JTD', 'WBA', 'KNM', '1C4', '4T1']) + from(UP.replace('U', '') + '0123456789', 5) + '0' + from('ABCDEFGHJKLMNPRSTVWXY123456789', 1) + from(UP, 1) + digits(6);
  return body.slice(0, 8) + vinCheckChar(body) + body.slice(9);
}
const plate = (): string => pick([`${int(1, 9)}${from(UP, 3)}${digits(3)}`, `${from(UP, 3)}-${digits(4)}`, `${from(UP, 3)} ${digits(4)}`, `${from(UP, 2)}${digits(5)}`, `${digits(3)} ${from(UP, 3)}`]);
function imei(): string { const b = pick(['35', '01', '86']) + digits(12); return b + luhnDigit(b); }
const serial = (): string => pick([`SN${digits(8)}`, `${from(UP, 3)}${digits(6)}${from(UP, 1)}`, `C02${from(UP + '0123456789', 9)}`, `${digits(4)}-${from(UP, 2)}-${digits(5)}`, `PM${digits(2)}${from(UP, 1)}${digits(6)}`]);
const udi = (): string => `(01)0${digits(13)}(17)${int(26, 30)}${pad(int(1, 12), 2)}${pad(int(1, 28), 2)}(21)${from(UP + '0123456789', 8)}`;
const devId = (): string => pick([`DEV-${from('0123456789ABCDEF', 8)}`, `${from(HEX, 8)}-${from(HEX, 4)}-4${from(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${from(HEX, 3)}-${from(HEX, 12)}`]);
const age90 = (): string => String(int(90, 106));
// ---- labelled snippets for free text (context keyword + identifier token) ----
type Snip = () => Part[];
const SNIP: Record<string, Snip> = {
  ssn: () => chance(0.7) ? [pick(['SSN ', 'SSN: ', 'ss# ', 'Social Security No. ', '', 'soc sec ']), L('ssn', ssn())]
    : [pick(['SSN ', 'SSN: ', 'social security number ', 'SSN#', 'SSN - ']), L('ssn', ssn(''))],
  phone: () => [kw(pick(['call ', 'Tel: ', 'ph ', 'cell ', 'reached pt at ', 'fax ', 'M: ', 'callback # ', 'mobile: ', 'daughter ', ''])), L('phone', phone())],
  email: () => { const e = email(); return chance(0.25) ? ['<', L('email', e), '>'] : [pick(['email ', 'e-mail: ', 'sent to ', 'cc ', '']), L('email', e)]; },
  url: () => { const u = url(); return chance(0.25) ? ['(', L('url', u), ')'] : [pick(['see ', 'portal: ', 'link ', 'uploaded to ', '']), L('url', u)]; },
  ip: () => chance(0.3) ? [pick(['from ', 'src=', 'client ']), L('ip', ipv6())]
    : chance(0.2) ? ['[', L('ip', ipv6()), `]:${int(80, 9000)}`] : [pick(['from ', 'client IP ', 'src=', 'login from ', 'IP: ']), L('ip', ipv4()), pick(['', '', `:${int(80, 9000)}`])],
  date: () => [kw(pick(['DOB ', 'seen ', 'on ', 'd/c ', 'effective ', 'admitted ', 'last visit ', 'DOS: ', 'b. ', 'since ', 'until '])), L('date', date())],
  zip: () => { const [c, s] = pick(CITIES); return pick([[`${c}, ${s} `, L('zip', zip())], [`${c} ${s}  `, L('zip', zip())], [`${kw('ZIP')} `, L('zip', zip())], ['zip code ', L('zip', zip())], ['Zip: ', L('zip', zip())]]); },
  mrn: () => [kw(pick(['MRN ', 'MRN: ', 'MRN#', 'Med Rec # ', 'medical record number ', 'MR# ', 'MRN '])), L('mrn', mrnTok())],
  plan: () => chance(0.25) ? [pick(['Medicare MBI ', 'Medicare # ', 'MBI: ']), L('health-plan', mbi())]
    : [kw(pick(['Member ID ', 'member #', 'Subscriber ID: ', 'subscriber no. ', 'Policy # ', 'policy number ', 'Medicaid ID '])), L('health-plan', planTok())],
  account: () => chance(0.15) ? ['IBAN ', L('account', iban())]
    : [kw(pick(['acct # ', 'Account No. ', 'account number ', 'loan #', 'Loan No: ', 'checking acct ', 'savings account '])), L('account', acctTok())],
  licence: () => pick<Snip>([
    () => [kw(pick(['DL# ', "driver's license ", 'Driver Licence No. ', 'drivers lic '])), L('licence', dl())],
    () => [pick(['DEA ', 'DEA# ', 'DEA: ']), L('licence', dea())],
    () => [pick(['NPI ', 'NPI: ', 'NPI#']), L('licence', npi())],
    () => [kw(pick(['RN license ', 'state license no. ', 'prof. licence # ', 'Lic# '])), L('licence', profLic())],
  ])(),
  vehicle: () => chance(0.5) ? [pick(['VIN ', 'VIN: ', 'vin# ', 'V.I.N. ']), L('vehicle', vin())]
    : [kw(pick(['plate ', 'license plate ', 'Plate: ', 'plate no. ', 'tag/plate '])), L('vehicle', plate()), pick(['', ` (${pick(CITIES)[1]})`])],
  device: () => pick<Snip>([
    () => [kw(pick(['S/N ', 'SN: ', 'serial no. ', 'Serial # ', 'serial '])), L('device', serial())],
    () => [kw(pick(['device ID ', 'Device Id: '])), L('device', devId())],
    () => ['IMEI ', L('device', imei())],
    () => ['UDI ', L('device', udi())],
  ])(),
  age: () => chance(0.6) ? [L('age-over-89', age90()), pick(['-year-old', ' yo', ' y/o', 'yo', ' years old', ' yr old', 'y.o.'])]
    : [kw(pick(['aged ', 'age ', 'Age: ', 'age: '])), L('age-over-89', age90())],
};
// ---- hard negatives: look-alikes that are not identifiers under the rules ----
const DRUGS = ['Metformin', 'Amoxicillin', 'Lisinopril', 'Warfarin', 'Levothyroxine', 'Apixaban', 'Gabapentin', 'Prednisone', 'Vancomycin', 'Ondansetron'];
const ndc = (): string => pick([`${pad(int(1, 9999), 4)}-${digits(4)}-${digits(2)}`, `${digits(5)}-${digits(3)}-${digits(2)}`, `${digits(5)}-${digits(4)}-${digits(1)}`]);
const lot = (): string => `${from(UP, 1)}${digits(4)}${from(UP, 1)}`;
const NEG: (() => string)[] = [
  () => `${pick(DRUGS)} ${pick(['5 mg/kg', '500 mg', '0.125 mg', '10 mL', '25 mcg', '2.5 mg'])} ${pick(['1-0-1', '0-0-1', '1-1-1', '½-0-½', 'q8h', 'BID', 'PRN'])}`,
  () => `NDC ${ndc()}`,
  () => `Lot ${lot()} exp ${int(2025, 2029)}`,
  () => `${pick(['K', 'Na', 'Hgb', 'Cr', 'TSH'])} ${int(1, 14)}.${int(0, 9)} (${pick(['3.5-5.0', '135-145', '12.0-15.5', '0.6-1.2', '0.4-4.0'])})`,
  () => `at ${time()}`,
  () => `Rm ${int(100, 999)}${pick(['', 'B', '-2'])}`,
  () => `INV-${int(2019, 2025)}-${digits(5)}`,
  () => `SKU ${digits(2)}-${digits(4)}-${from(UP, 1)}`,
  () => `${int(1, 99)}.${int(0, 9)}%`,
  () => `$${int(1, 9)},${digits(3)}.${digits(2)}`,
  () => `dx ${pick(['E11.65', 'I10', 'J45.909', 'Z79.4', 'M54.5', 'N18.3'])}`,
  () => `CPT ${pick(['99213', '80053', '85025', '93000', '36415'])}`,
  () => `order ORD-${digits(6)}`,
  () => `epinephrine ${pick(['1:1000', '1:10,000'])}`,
  () => `v${int(1, 9)}.${int(0, 20)}.${int(0, 9)}`,
  () => `1Z${from(UP + '0123456789', 6)}${digits(10)}`,
  () => `ext. ${digits(4)}`,
  () => pick(['jdoe@', '@oncall-team', 'reply to support@', '@pharmacy_bot', 'user@@']),
  () => `since ${int(1990, 2024)}`,
  () => `BP ${int(100, 180)}/${int(60, 110)}`,
  () => `build 10.0.${digits(5)}.${digits(4)}`,
  () => `age ${int(18, 89)}`,
  () => `${int(18, 89)} y/o`,
  () => `part no. ${int(900, 999)}-${digits(2)}-${digits(4)}`,
  () => `ref ${digits(3)}-${digits(3)}-${digits(3)}`,
  () => `PO ${digits(9)}`,
  () => `batch ${digits(5)}`,
  () => `HR ${int(90, 140)} bpm`,
  () => `${pick(['90th', '95th', '97th', '99th'])} percentile`,
  () => `FY${int(2019, 2026)}`,
  () => `${int(2, 6)} x ${int(2, 10)} mL`,
  () => `Gleason ${pick(['3+4=7', '4+3=7', '3+3=6'])}`,
  () => `per Dr. ${pick(LAST)}`,
  () => `spoke w/ ${pick(['daughter', 'son', 'wife'])} ${pick(FIRST)}`,
  () => `qty ${int(1, 12)}0000`,
  () => `SpO2 ${int(88, 99)}%`,
  () => `temp 38.${int(0, 9)} °C`,
  () => `Sat ${int(90, 99)}% on 2 L/min`,
];
const neg = (): string => pick(NEG)();
const SEP = ['; ', '. ', ', ', ' — ', '\n', ' | ', '\r\n', '  ', ' / '];
/** Free-text cell mixing `pos` labelled snippets (drawn from `kinds`) with `negs` hard negatives. */
function note(pos: number, negs: number, kinds: readonly string[], lead = ''): Part[] {
  const pieces: Part[][] = [];
  for (let i = 0; i < pos; i++) pieces.push(SNIP[pick(kinds)]!());
  for (let i = 0; i < negs; i++) pieces.push([neg()]);
  shuffle(pieces);
  const out: Part[] = lead ? [lead] : [];
  pieces.forEach((p, i) => { if (i > 0 || lead) out.push(pick(SEP)); out.push(...p); });
  if (chance(0.3)) out.push(pick(['.', '', ' ', '\n']));
  return out;
}
const opt = (p: number, parts: Part[]): Part[] => (chance(p) ? [pick(['', 'N/A', 'none', '-', 'n/a'])] : parts);
const ws = (parts: Part[]): Part[] => [pick(['', '', '', ' ']), ...parts, pick(['', '', '', ' '])];
// ---- tables ----
let cells: HoldoutCell[] = [];
function add(table: string, row: number, column: string, parts: Part[]): void {
  let value = '';
  const labels: HoldoutLabel[] = [];
  for (const p of parts) {
    if (typeof p !== 'string') labels.push({ kind: p[0], start: value.length, end: value.length + p[1].length });
    value += typeof p === 'string' ? p : p[1];
  }
  cells.push({ table, row, column, value, labels });
}

function pharmacy(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'fill_date', [L('date', date(2022, 2025))]);
    add(t, r, 'patient_name', nameCell());
    add(t, r, 'patient_dob', [L('date', date(1925, 2010))]);
    add(t, r, 'drug_sig', [`${pick(DRUGS)} ${pick(['5 mg/kg', '250 mg/5 mL', '40 mg', '0.5 tab'])} ${pick(['1-0-1', '1-0-0', '0-1-1', 'q12h'])}${pick([' x 10 d', ' #30', ' with food', ''])}`]);
    add(t, r, 'ndc', [ndc()]);
    add(t, r, 'lot_expiry', chance(0.5) ? [`Lot ${lot()} / exp `, L('date', date(2025, 2029))] : [`${lot()} exp ${int(2025, 2029)}`]);
    add(t, r, 'qty_price', [`${int(14, 90)} tabs @ $${int(0, 3)}.${digits(2)} = $${int(5, 300)}.${digits(2)}`]);
    add(t, r, 'prescriber_npi', ws([L('licence', npi())]));
    add(t, r, 'prescriber_dea', opt(0.3, [L('licence', dea())]));
    add(t, r, 'plan_member_id', [L('health-plan', planTok())]);
    add(t, r, 'callback_phone', chance(0.1) ? [pick(['declined', 'none on file'])] : [L('phone', chance(0.5) ? usPhone(true) : phone())]);
    add(t, r, 'pharmacist_note', note(int(0, 2), int(1, 3), ['phone', 'date', 'age', 'plan', 'licence', 'mrn']));
  }
}
function labReq(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'req_no', [`REQ-${int(20, 25)}-${digits(6)}`]);
    add(t, r, 'mrn', ws([L('mrn', mrnTok())]));
    add(t, r, 'collected', [L('date', date(2023, 2025)), pick([' ', ' @ ', ', ']), time()]);
    add(t, r, 'ordering_physician', nameCell(true));
    add(t, r, 'tests', [`${pick(['CBC w/diff', 'CMP', 'HbA1c', 'TSH', 'Lipid panel', 'PT/INR'])}; ${pick(['BMP', 'Mg', 'Vit D 25-OH'])} (CPT ${pick(['85025', '80053', '83036', '84443'])})`]);
    add(t, r, 'dx_codes', [`${pick(['E11.65', 'I10', 'Z79.01', 'D64.9'])}, ${pick(['N18.3', 'E78.5', 'R53.83'])}`]);
    add(t, r, 'specimen', [`${int(1, 3)} x ${pick(['4 mL lavender', '5 mL SST', '2.7 mL blue'])}; fasting ${int(8, 14)} h; ${int(18, 23)}G`]);
    add(t, r, 'insurance', chance(0.15) ? ['Self-pay'] : SNIP.plan!());
    add(t, r, 'fax_results_to', [L('phone', chance(0.4) ? usPhone(true) : phone())]);
    add(t, r, 'patient_zip', [L('zip', zip())]);
    add(t, r, 'comments', chance(0.4) ? [neg()] : note(int(1, 2), int(1, 2), ['date', 'phone', 'mrn', 'age', 'email', 'licence']));
  }
}
function dental(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'patient_full_name', nameCell());
    add(t, r, 'guarantor', nameCell(false, 0.15));
    add(t, r, 'guarantor_ssn', chance(0.1) ? ['on file'] : [L('ssn', ssn(chance(0.5) ? '' : '-'))]);
    add(t, r, 'visit', [L('date', date(2021, 2025))]);
    add(t, r, 'tooth_surface', [`#${int(1, 32)} ${pick(['MOD', 'O', 'DO', 'MO', 'B', 'L'])}`]);
    add(t, r, 'cdt', [pick(['D0120', 'D1110', 'D2392', 'D2740', 'D4341', 'D7140'])]);
    add(t, r, 'fee', [`$${int(45, 1400)}.00`]);
    add(t, r, 'subscriber_id', [L('health-plan', planTok())]);
    add(t, r, 'home_phone', [L('phone', chance(0.3) ? usPhone(true) : usPhone())]);
    add(t, r, 'postcode', [L('zip', zip())]);
    add(t, r, 'chart_note', note(int(0, 2), int(1, 3), ['date', 'age', 'phone', 'plan', 'email'],
      `${pick(['Probing', 'PD'])} ${int(2, 6)}-${int(3, 7)} mm, BOP ${int(5, 40)}%; ${int(1, 3)} carpules 2% lido 1:100,000 epi`));
  }
}
const CHAT: Snip[] = [
  () => ['👋 hi, my new number is ', L('phone', phone())], () => ['sure, dob ', L('date', date(1920, 2005))],
  () => ['I take ', neg()], () => ['bp this morning ', `${int(110, 170)}/${int(60, 100)} at ${time()}`],
  () => ['here is the link ', L('url', url())], () => ['ok thx 👍'], () => ['🙂 my email is ', L('email', email())],
  () => ['insurance card says member id ', L('health-plan', planTok())], () => ['😷 fever since Tuesday, 38.4 °C'],
  () => ['I am ', L('age-over-89', age90()), ' years old, does that matter?'], () => ['pharmacy fax is ', L('phone', phone())],
  () => ['we live at ', `${int(1, 999)} Elm St, ${pick(CITIES)[0]}, ${pick(CITIES)[1]} `, L('zip', zip())],
  () => ['Pulse ox 94%, took 2 x 500 mg'], () => ['can we do 14:30 instead?'], () => ['ticket #', digits(5), ' from last time'],
  () => ['old hospital MRN was ', L('mrn', mrnTok())], () => ['appt on ', L('date', date(2024, 2025)), ' ok?'],
  () => ['camera not working, device ID ', L('device', devId())], () => ['Thanks Dr. ', pick(LAST), '!'],
];
function telehealth(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    const d = date(2024, 2025);
    add(t, r, '/session/started_at', [L('date', `${int(2023, 2025)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`), `T${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}Z`]);
    add(t, r, '/session/patient/name', nameCell());
    add(t, r, '/session/patient/contact/phone', [L('phone', chance(0.3) ? usPhone(true) : phone())]);
    add(t, r, '/session/patient/contact/email', [L('email', email())]);
    add(t, r, '/session/patient/age', chance(0.4) ? [L('age-over-89', age90())] : [String(int(1, 89))]);
    add(t, r, '/session/client/ip', [L('ip', chance(0.7) ? ipv4() : ipv6())]);
    add(t, r, '/session/client/user_agent', [`Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/${int(110, 125)}.0.${digits(4)}.${int(10, 200)}`]);
    add(t, r, '/session/device/id', [L('device', devId())]);
    add(t, r, '/session/clinician/display_name', nameCell(true, 0.03));
    add(t, r, '/session/followup', chance(0.5) ? ['Follow up on ', L('date', d)] : ['PRN']);
    for (let m = 0; m < int(3, 6); m++) {
      add(t, r, '/session/messages/*/from', [pick(['patient', 'clinician', 'system'])]);
      add(t, r, '/session/messages/*/sent_at', [`${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}`]);
      add(t, r, '/session/messages/*/text', pick(CHAT)());
    }
  }
}
function payroll(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    const [c, s] = pick(CITIES);
    add(t, r, 'employee_name', nameCell(false, 0.02));
    add(t, r, 'ssn', [L('ssn', chance(0.4) ? ssn('') : ssn())]);
    add(t, r, 'dob', [L('date', date(1950, 2004))]);
    add(t, r, 'hire_date', [L('date', date(2000, 2025))]);
    add(t, r, 'home_address', [`${int(1, 9999)} ${pick(['Elm St', 'Oak Ridge Dr', 'Main St Apt 4B'])}${pick(['\n', ', '])}${c}, ${s} `, L('zip', zip())]);
    add(t, r, 'bank_account', [L('account', acctTok())]);
    add(t, r, 'salary', [`$${int(38, 240)},${digits(3)}.00/yr`]);
    add(t, r, 'cost_center', [`CC-${digits(4)} / ${pick(['Radiology', 'Pharmacy', 'ED', 'Facilities'])}`]);
    add(t, r, 'emergency_contact_name', nameCell(false, 0.1));
    add(t, r, 'emergency_contact_phone', [L('phone', phone())]);
    add(t, r, 'work_email', [L('email', email())]);
    add(t, r, 'pto_balance', [`${int(0, 200)}.${pick(['0', '5', '25'])} h`]);
    add(t, r, 'notes', chance(0.5) ? [`401(k) ${int(1, 15)}%; W-4 updated ${int(2019, 2025)}; garnishment #GA-${digits(5)}`]
      : note(int(1, 2), int(0, 2), ['licence', 'date', 'account', 'phone']));
  }
}
function mortgage(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    const [c, s] = pick(CITIES);
    add(t, r, 'loan_number', ws([L('account', acctTok())]));
    add(t, r, 'borrower_name', nameCell(false, 0.02));
    add(t, r, 'co_borrower_name', chance(0.4) ? [''] : nameCell());
    add(t, r, 'property', [`${int(100, 9999)} ${pick(['Oak Ridge Dr', 'Harbor View Ln', 'County Rd 12'])}, ${c}, ${s} `, L('zip', zip())]);
    add(t, r, 'escrow', [`$${int(1, 9)},${digits(3)}.${digits(2)} (tax $${int(1, 5)},${digits(3)}.00, HOI $${int(600, 2400)}.${digits(2)})`]);
    add(t, r, 'rate', [`${int(3, 8)}.${pick(['125', '25', '5', '875'])}% ${pick(['30y fixed', '15y fixed', '5/1 ARM'])}`]);
    add(t, r, 'payment_due', [L('date', date(2024, 2026))]);
    add(t, r, 'servicing_note', note(int(1, 3), int(1, 3), ['phone', 'account', 'date', 'email', 'ssn'],
      `${pick(['Borrower called', 'Outbound call', 'Letter sent', 'Escrow analysis'])}${pick([' re shortage', '', ' re PMI'])}${chance(0.3) ? `; verified SSN ending ${digits(4)}` : ''}`));
  }
}
function pathology(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'patient_name', nameCell());
    add(t, r, 'mrn', [L('mrn', mrnTok())]);
    add(t, r, 'received', ['Received in formalin on ', L('date', date(2023, 2025)), ` at ${time()}`]);
    add(t, r, 'clinical_history', chance(0.4) ? [L('age-over-89', age90()), pick(['-year-old man', ' yo F', '-year-old woman']), `, PSA ${int(4, 20)}.${int(0, 9)} ng/mL`]
      : [`${int(30, 89)}${pick(['-year-old man', ' yo F'])} with ${pick(['rising PSA', 'breast mass 2.1 cm', 'colon polyp x3'])}`]);
    add(t, r, 'gross', [`${pick(['Six', 'Twelve', 'Two'])} cores, ${int(1, 2)}.${int(0, 9)}-${int(1, 2)}.${int(0, 9)} cm; ${int(1, 6)} cassettes (A1-A${int(2, 6)})`]);
    add(t, r, 'diagnosis', [`${pick(['Adenocarcinoma', 'Tubular adenoma', 'Benign'])}, ${neg()}; pT${int(1, 3)} N0; margins ${int(1, 9)}.${int(0, 9)} mm; Ki-67 ${int(1, 40)}%`]);
    add(t, r, 'pathologist', nameCell(true, 0.02));
    add(t, r, 'referring_physician', nameCell(true));
    add(t, r, 'addendum', chance(0.5) ? [''] : note(int(1, 2), int(0, 2), ['date', 'mrn', 'phone', 'age']));
  }
}
function ambulance(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    const [c, s] = pick(CITIES);
    const older = chance(0.35);
    add(t, r, 'incident_no', [`${int(20, 25)}-${digits(6)}`]);
    add(t, r, 'unit', [`Medic ${int(1, 40)}`]);
    add(t, r, 'times', [`Disp ${time()} / Enr ${time()} / OnSc ${time()} / Trans ${time()}`]);
    add(t, r, 'pt_name', nameCell(false, 0.12));
    add(t, r, 'pt_age', older ? [L('age-over-89', age90())] : [String(int(0, 89))]);
    add(t, r, 'pt_phone', opt(0.2, [L('phone', chance(0.5) ? usPhone(true) : phone())]));
    add(t, r, 'scene_address', [`${int(1, 9)}00 block ${pick(['W Main St', 'Hwy 9', 'Elm Ave'])}, ${c}, ${s} `, L('zip', zip())]);
    add(t, r, 'vitals', [`BP ${int(90, 190)}/${int(50, 110)} HR ${int(50, 140)} RR ${int(10, 30)} SpO2 ${int(85, 100)}% GCS ${int(3, 15)} BGL ${int(60, 300)}`]);
    add(t, r, 'vehicle_plate', chance(0.5) ? [L('vehicle', plate())] : ['']);
    add(t, r, 'narrative', chance(0.5)
      ? ['Pt restrained driver, ', ...SNIP.vehicle!(), pick([', ', '; ', '\n']), ...SNIP.vehicle!(), `; airbag deployed. NS ${int(250, 1000)} mL, fentanyl 1 mcg/kg`]
      : note(int(1, 2), int(1, 3), ['age', 'date', 'phone', 'mrn', 'vehicle'], pick(['Found supine', 'CC: fall', 'Pt c/o CP'])));
    add(t, r, 'receiving_facility', [pick(['Example General Hospital', 'St. Example Medical Center', 'Example Regional Trauma 1'])]);
  }
}
function trial(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'screening_no', [`SCR-${pad(r + 1, 3)}`]);
    add(t, r, 'site', [`Site ${int(100, 120)} – Example Research Institute`]);
    add(t, r, 'consent_date', [L('date', date(2023, 2025))]);
    add(t, r, 'age', chance(0.45) ? [L('age-over-89', age90())] : [String(int(65, 89))]);
    add(t, r, 'eligibility', [`eGFR ${int(30, 90)} mL/min/1.73m²; HbA1c ${int(7, 10)}.${int(0, 9)}% (7.0-10.5); BMI ${int(19, 40)}.${int(0, 9)}`]);
    add(t, r, 'outcome', [pick([`Screen fail – I/E #${int(1, 12)} (QTcF ${int(440, 500)} ms)`, 'Eligible – randomised', `Withdrew ${int(2023, 2025)}`])]);
    add(t, r, 'principal_investigator', nameCell(true, 0.02));
    add(t, r, 'medicare_mbi', opt(0.2, [L('health-plan', mbi())]));
    add(t, r, 'contact_log', note(int(1, 3), int(0, 2), ['phone', 'date', 'email', 'plan'], pick(['LVM', 'Reached pt', 'Mailed packet'])));
  }
}
const TITLES = ['Senior Analyst | Example Logistics', 'Biomed Tech II | Example Health', 'Charge Nurse, 4W | Example General', 'IT Ops | Example Corp'];
function support(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    const f = pick(FIRST), l = pick(LAST), nl = pick(['\n', '\r\n']);
    add(t, r, 'ticket_id', [`TCK-${int(2022, 2025)}-${digits(6)}`]);
    add(t, r, 'subject', [pick([`Pump error E-${digits(3)} after firmware v${int(1, 4)}.${int(0, 12)}.${int(0, 9)}`, `Order ORD-${digits(6)} not received`, 'Cannot log in to portal', `Refund $${int(10, 999)}.${digits(2)}`])]);
    add(t, r, 'requester_name', nameCell(false, 0.05));
    add(t, r, 'customer_email', [L('email', email())]);
    add(t, r, 'device_serial', opt(0.3, ws([L('device', chance(0.2) ? imei() : serial())])));
    const body: Part[] = [`Hi team,${nl}${nl}`, ...note(int(1, 3), int(1, 3), ['device', 'ip', 'url', 'device', 'ip', 'date']), `${nl}${nl}Thanks,${nl}--${nl}${f} ${l}${nl}${pick(TITLES)}${nl}`];
    if (chance(0.8)) body.push(pick(['T: ', 'Tel ', 'Phone: ', 'O ']), L('phone', phone()), pick([' | ', nl]));
    if (chance(0.4)) body.push(pick(['F: ', 'Fax ', 'M: ']), L('phone', phone()), nl);
    if (chance(0.7)) body.push(L('email', email()), pick([' | ', nl]));
    if (chance(0.5)) body.push(L('url', pick(['www.example.com', 'https://www.example.org', 'www.example.net/contact'])));
    add(t, r, 'body', body);
    add(t, r, 'resolution', [pick([`Shipped replacement, 1Z${from(UP, 6)}${digits(10)}`, `Upgraded to ${neg()}`, 'Password reset', `Credit $${int(5, 99)}.00 applied`])]);
  }
}
function implants(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'patient_name', nameCell());
    add(t, r, 'implant_date', [L('date', date(2010, 2025))]);
    add(t, r, 'udi', [L('device', udi())]);
    add(t, r, 'serial_no', [L('device', serial())]);
    add(t, r, 'model', [`Model ${digits(4)}-${digits(2)}`]);
    add(t, r, 'manufacturer', [pick(['Example Medical Inc.', 'Example Ortho GmbH', 'Example Cardiac Ltd'])]);
    add(t, r, 'note', note(int(0, 2), int(1, 2), ['device', 'date', 'age', 'mrn'], pick(['Leads 5076-52 x2', 'Battery 2.8 V', 'Revision', 'Explant'])));
  }
}
function parking(t: string, n: number): void {
  for (let r = 0; r < n; r++) {
    add(t, r, 'permit_no', [`P-${digits(5)}`]);
    add(t, r, 'holder_name', nameCell(false, 0.03));
    add(t, r, 'plate', [L('vehicle', plate())]);
    add(t, r, 'vin', chance(0.2) ? ['not provided'] : [L('vehicle', vin())]);
    add(t, r, 'make_model', [pick(['Toyota Corolla 2019', 'Ford F-150 (2021)', 'Honda Civic', 'Tesla Model 3'])]);
    add(t, r, 'lot', [`Garage ${pick(['A', 'B', 'C'])} level ${int(1, 5)}, space ${int(1, 400)}`]);
    add(t, r, 'verification', note(1, int(0, 1), ['licence', 'licence', 'vehicle'], pick(['ID checked', 'Renewal'])));
    add(t, r, 'fee', [`$${int(20, 120)}.00/mo`]);
  }
}

/** Build the corpus deterministically (same seed, same cells). */
export function buildHoldoutCorpus(seed = 0x5eed_c0de): HoldoutCell[] {
  state = seed >>> 0;
  cells = [];
  pharmacy('pharmacy_dispense_log', 90);
  labReq('lab_requisition', 80);
  dental('dental_chart', 70);
  telehealth('telehealth_chat', 70);
  payroll('hr_payroll', 70);
  mortgage('mortgage_servicing', 70);
  pathology('pathology_report', 70);
  ambulance('ambulance_run_sheet', 80);
  trial('trial_screening', 70);
  support('support_ticket', 80);
  implants('implant_registry', 50);
  parking('parking_permit', 60);
  const out = cells;
  return (cells = []), out;
}
