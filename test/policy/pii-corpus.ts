// A labelled synthetic corpus for the PII/PHI detector (issue 5), generated deterministically from a
// seed: rows of a clinical / contact / credit-decision table, each cell with its true identifiers
// (kind and UTF-16 span). Everything is made up (example.* domains, 2001:db8:: addresses, random
// numbers) and the labels follow the detector's contract: names are labelled only in
// name columns (free text is never guessed), ZIP codes only in a ZIP column or after a state or
// "ZIP", context numbers (MRN, member id, account, licence, plate, serial) as the number after the
// keyword or the whole id in a named column.

import type { PiiKind } from '../../src/policy/pii-detect.js';

export interface Label { kind: PiiKind; start: number; end: number }
export interface CorpusCell { row: number; column: string; value: string; labels: Label[] }

/** mulberry32: small, fast, and the same on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Text {
  value = '';
  labels: Label[] = [];
  t(s: string): this { this.value += s; return this; }
  id(kind: PiiKind, s: string): this {
    this.labels.push({ kind, start: this.value.length, end: this.value.length + s.length });
    this.value += s;
    return this;
  }
}

const FIRST = ['Maria', 'James', 'Aisha', 'Wei', 'Olga', 'Juan', 'Priya', 'Tomasz', 'Fatima', 'Liam', 'Chloé', 'Sven'];
const LAST = ['Garcia', 'Smith', 'Okafor', 'Zhang', 'Ivanova', 'Martínez', 'Patel', 'Nowak', 'Haddad', 'Murphy', "O'Brien", 'Lindqvist'];
const CITIES: Array<[string, string]> = [['Springfield', 'IL'], ['Austin', 'TX'], ['Portland', 'OR'], ['Albany', 'NY'], ['Tampa', 'FL'], ['Denver', 'CO']];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ALNUM = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'.split('');
const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_L = [1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9];

export class Gen {
  readonly r: () => number;
  constructor(seed: number) { this.r = prng(seed); }
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]!; }
  digits(n: number): string { let s = ''; for (let i = 0; i < n; i++) s += String(this.int(0, 9)); return s; }
  pad(n: number, w: number): string { return String(n).padStart(w, '0'); }

  ssn(): string {
    let area = this.int(1, 899);
    if (area === 666) area = 665;
    return `${this.pad(area, 3)}-${this.pad(this.int(1, 99), 2)}-${this.pad(this.int(1, 9999), 4)}`;
  }
  invalidSsn(): string {
    const k = this.int(0, 4);
    const a = [`000`, `666`, `9${this.digits(2)}`, this.pad(this.int(1, 665), 3), this.pad(this.int(1, 665), 3)][k]!;
    const g = k === 3 ? '00' : this.pad(this.int(1, 99), 2);
    const s = k === 4 ? '0000' : this.pad(this.int(1, 9999), 4);
    return `${a}-${g}-${s}`;
  }
  phone(): string {
    const a = this.int(201, 989), x = this.int(200, 999), n = this.pad(this.int(0, 9999), 4);
    switch (this.int(0, 5)) {
      case 0: return `(${a}) ${x}-${n}`;
      case 1: return `${a}-${x}-${n}`;
      case 2: return `${a}.${x}.${n}`;
      case 3: return `+1 ${a} ${x} ${n}`;
      case 4: return `+44 20 7946 ${this.pad(this.int(0, 9999), 4)}`;
      default: return `+49301234${this.digits(4)}`;
    }
  }
  email(): string {
    return `${this.pick(FIRST).toLowerCase().replace('é', 'e')}.${this.pick(LAST).toLowerCase().replace(/[^a-z]/g, '')}${this.int(1, 99)}@${this.pick(['example.org', 'mail.example.com', 'clinic.example.net'])}`;
  }
  url(): string {
    return this.pick([
      `https://portal.example-health.org/patients/${this.digits(6)}`,
      `http://example.com/records?id=${this.digits(5)}`,
      `www.example.net/~${this.pick(LAST).toLowerCase().replace(/[^a-z]/g, '')}`,
    ]);
  }
  ip(): string {
    if (this.r() < 0.3) return `2001:db8:${this.int(1, 0xffff).toString(16)}::${this.int(1, 0xffff).toString(16)}`;
    return `${this.int(1, 223)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
  }
  date(): string {
    const y = this.int(1930, 2025), m = this.int(1, 12), d = this.int(1, 28);
    switch (this.int(0, 4)) {
      case 0: return `${y}-${this.pad(m, 2)}-${this.pad(d, 2)}`;
      case 1: return `${this.pad(m, 2)}/${this.pad(d, 2)}/${y}`;
      case 2: return `${MONTHS[m - 1]!} ${d}, ${y}`;
      case 3: return `${d} ${MONTHS[m - 1]!.slice(0, 3)} ${y}`;
      default: return `${m}/${d}/${String(y).slice(2)}`;
    }
  }
  zip(): string { return this.r() < 0.8 ? this.pad(this.int(1001, 99950), 5) : `${this.pad(this.int(1001, 99950), 5)}-${this.digits(4)}`; }
  vin(): string {
    const c: string[] = [];
    for (let i = 0; i < 17; i++) c.push(this.pick(ALNUM));
    // the serial section (positions 13–17) is numeric, as manufacturers assign it
    for (let i = 12; i < 17; i++) c[i] = String(this.int(0, 9));
    return this._fixVin(c);
  }
  private _fixVin(c: string[]): string {
    let sum = 0;
    for (let i = 0; i < 17; i++) {
      const ch = c[i]!.charCodeAt(0);
      sum += (ch <= 57 ? ch - 48 : VIN_L[ch - 65]!) * VIN_W[i]!;
    }
    const r = sum % 11;
    c[8] = r === 10 ? 'X' : String(r);
    return c.join('');
  }
  badVin(): string {
    const v = this.vin();
    const wrong = v[8] === '0' ? '1' : '0';
    return v.slice(0, 8) + wrong + v.slice(9);
  }
  name(): string { return `${this.pick(FIRST)} ${this.pick(LAST)}`; }

  /** A free-text clinical note with embedded identifiers. */
  note(): Text {
    const t = new Text();
    const age = this.r() < 0.25 ? this.int(90, 104) : this.int(18, 88);
    const ageLabel: PiiKind | null = age > 89 ? 'age-over-89' : null;
    const ageStr = String(age);
    const put = (s: string) => (ageLabel ? t.id(ageLabel, s) : t.t(s));
    switch (this.int(0, 2)) {
      case 0: t.t('Pt is a '); put(ageStr); t.t('-year-old ' + this.pick(['female', 'male']) + ' seen on '); break;
      case 1: t.t('Patient, age '); put(ageStr); t.t(', admitted '); break;
      default: t.t('Follow-up for '); put(ageStr); t.t(' y/o patient on '); break;
    }
    t.id('date', this.date()).t('. ');
    const parts = this.int(2, 5);
    for (let i = 0; i < parts; i++) {
      switch (this.int(0, 20)) {
        case 0: t.t('MRN: ').id('mrn', this.digits(this.int(6, 9))).t('. '); break;
        case 1: t.t('SSN ').id('ssn', this.ssn()).t(' on file. '); break;
        case 2: t.t('Call back at ').id('phone', this.phone()).t(' after 5pm. '); break;
        case 3: t.t('Fax results to ').id('phone', this.phone()).t('. '); break;
        case 4: t.t('Email ').id('email', this.email()).t(' with the summary. '); break;
        case 5: t.t('Portal: ').id('url', this.url()).t(' . '); break;
        case 6: t.t('Telehealth from IP ').id('ip', this.ip()).t('. '); break;
        case 7: { const [c, s] = this.pick(CITIES); t.t(`Lives at ${this.int(1, 999)} Oak St, ${c}, ${s} `).id('zip', this.zip()).t('. '); break; }
        case 8: t.t(this.pick(['Member ID: ', 'Policy no. ', 'member # '])).id('health-plan', this.pick(['XGH', 'W', '']) + this.digits(9)).t('. '); break;
        case 9: t.t(this.pick(['Acct #', 'account number ', 'Acct: '])).id('account', this.digits(10)).t(' billed. '); break;
        case 10: t.t(this.pick(["Driver's license ", 'License # ', 'DEA number '])).id('licence', this.pick(['D', 'AB', 'F']) + this.digits(7)).t(' verified. '); break;
        case 11: t.t('Arrived by car, VIN ').id('vehicle', this.vin()).t('. '); break;
        case 12: t.t('Pacemaker serial no. ').id('device', 'PM' + this.digits(8)).t('. '); break;
        case 13: t.t('Plate ').id('vehicle', String(this.int(1, 9)) + 'ABC' + this.digits(3)).t(' in lot B. '); break;
        case 14: t.t(`BP ${this.int(100, 160)}/${this.int(60, 99)}, HR ${this.int(50, 110)}, weight ${this.int(45, 130)} kg. `); break;
        case 15: t.t(`Symptoms since ${this.int(1990, 2024)}; dose ${this.int(5, 500)} mg twice daily for ${this.int(2, 14)} days. `); break;
        case 16: t.t(`Ref ${this.invalidSsn()} is not an SSN; lab version ${this.int(1, 9)}.${this.int(0, 20)}.${this.int(0, 9)}. `); break;
        case 17: t.t(`Next visit ${this.pick(['in 2 weeks', 'at 10:30', 'PRN'])}; score ${this.int(10, 30)}/30. `); break;
        // harder shapes: European dotted dates, undashed SSN after a keyword, extensions, trunk
        // prefixes, ordinal dates, and free-text names (never labelled: names only by column)
        case 18: t.t(`Seen by Dr. ${this.pick(LAST)}; DOB `).id('date', `${this.pad(this.int(1, 28), 2)}.${this.pad(this.int(1, 12), 2)}.${this.int(1930, 2005)}`).t('. '); break;
        case 19: t.t(this.pick(['SSN: ', 'social security number '])).id('ssn', this.ssn().replace(/-/g, '')).t('. '); break;
        default: {
          const k = this.int(0, 3);
          if (k === 0) t.t('Desk ').id('phone', `${this.int(201, 989)}-${this.int(200, 999)}-${this.pad(this.int(0, 9999), 4)}`).t(` x${this.int(10, 999)}. `);
          else if (k === 1) t.t('UK office ').id('phone', `+44 (0)20 7946 ${this.digits(4)}`).t('. ');
          else if (k === 2) t.t('Procedure on the ').id('date', `${this.int(4, 20)}th of ${this.pick(MONTHS)}, ${this.int(1990, 2024)}`).t('. ');
          else t.t(`NDC 0002-${this.digits(4)}-30, ICD-10 E11.${this.int(0, 9)}, tracking 1Z${this.digits(16)}, ratio 1:2:3, at 14:05:33. `);
          break;
        }
      }
    }
    return t;
  }

  /** Credit-decision free text: numbers that must not be flagged, sometimes one real identifier. */
  reason(): Text {
    const t = new Text();
    t.t(`Credit score ${this.int(560, 850)}; requested $${this.int(5, 900)},${this.pad(this.int(0, 999), 3)}; application APP-${this.int(100000, 999999)}; DTI 0.${this.int(10, 55)}; term ${this.pick([36, 60, 360])} months. `);
    t.t(this.pick(['Approved under policy rule R-12. ', 'Declined: account balance 125500 below reserve. ', 'Manual review, queue 7. ']));
    if (this.r() < 0.3) t.t('Decision ').id('date', this.date()).t('.');
    return t;
  }
}

function cell(row: number, column: string, t: Text | string, kind?: PiiKind): CorpusCell {
  if (typeof t === 'string') {
    return { row, column, value: t, labels: kind === undefined ? [] : [{ kind, start: 0, end: t.length }] };
  }
  return { row, column, value: t.value, labels: t.labels };
}

/** `rows` rows of about 16 cells each, all deterministic in `seed`. */
export function corpus(seed = 5, rows = 200): CorpusCell[] {
  const g = new Gen(seed);
  const out: CorpusCell[] = [];
  for (let r = 1; r <= rows; r++) {
    const first = g.pick(FIRST), last = g.pick(LAST);
    out.push(cell(r, 'patient_name', `${first} ${last}`, 'name'));
    out.push(cell(r, 'contact.firstName', first, 'name'));
    out.push(cell(r, 'last_name', last, 'name'));
    out.push(cell(r, 'employer_name', g.pick(['Acme Health', 'Globex Bank', 'Initech'])));
    out.push(cell(r, 'product_name', g.pick(['Fixed 30Y', 'HELOC 10', 'Auto 60'])));
    out.push(cell(r, 'email', g.email(), 'email'));
    out.push(cell(r, g.pick(['phone', 'mobile', 'fax']), g.phone(), 'phone'));
    out.push(cell(r, 'zip', g.zip(), 'zip'));
    out.push(cell(r, 'dob', g.date(), 'date'));
    out.push(cell(r, 'mrn', g.pick(['', 'MRN-']) + g.digits(8), 'mrn'));
    out.push(cell(r, 'member_id', g.pick(['XGH', 'W']) + g.digits(9), 'health-plan'));
    out.push(cell(r, 'account_number', g.digits(12), 'account'));
    out.push(cell(r, 'age', String(g.r() < 0.2 ? g.int(90, 103) : g.int(18, 89))));
    const last2 = out[out.length - 1]!;
    if (Number(last2.value) > 89) last2.labels.push({ kind: 'age-over-89', start: 0, end: last2.value.length });
    out.push(cell(r, 'clinical_note', g.note()));
    out.push(cell(r, 'credit_score', String(g.int(560, 850))));
    out.push(cell(r, 'loan_amount', String(g.int(5000, 900000))));
    out.push(cell(r, 'application_id', `APP-${g.int(100000, 999999)}`));
    out.push(cell(r, 'decision_reason', g.reason()));
    if (r % 2 === 0) out.push(cell(r, 'client_ip', g.ip(), 'ip'));
    if (r % 3 === 0) out.push(cell(r, 'device_serial', 'SN-' + g.digits(8), 'device'));
    if (r % 4 === 0) out.push(cell(r, 'vin', g.vin(), 'vehicle'));
    if (r % 4 === 1) out.push(cell(r, 'vehicle_code', g.badVin()));
    if (r % 5 === 0) out.push(cell(r, 'drivers_license', 'D' + g.digits(7), 'licence'));
    if (r % 5 === 1) out.push(cell(r, 'website', g.url(), 'url'));
    if (r % 7 === 0) out.push(cell(r, 'ssn', g.ssn(), 'ssn'));
  }
  return out;
}
