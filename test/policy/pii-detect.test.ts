// PII/PHI detector (src/policy/pii-detect.ts) and scan accumulator (src/policy/pii-scan.ts):
// per-kind positives and the tricky negatives, precision/recall on the labelled synthetic corpus
// (test/policy/pii-corpus.ts), and that neither masking nor the scan report leaks an identifier.

import { describe, expect, it } from 'vitest';
import { detectPii, maskValue, PII_KINDS, _validVin, type PiiKind } from '../../src/policy/pii-detect.js';
import { PiiScanAccumulator } from '../../src/policy/pii-scan.js';
import { corpus, Gen } from './pii-corpus.js';

/** The identifiers found, as [kind, text] pairs. */
function found(value: string, column?: string): Array<[PiiKind, string]> {
  return detectPii(value, column).map((f) => [f.kind, value.slice(f.start, f.end)]);
}

describe('detectPii: each kind', () => {
  it('SSN, excluding the ranges SSA never issues', () => {
    expect(found('SSN 123-45-6789 on file')).toEqual([['ssn', '123-45-6789']]);
    for (const bad of ['000-12-3456', '666-12-3456', '900-12-3456', '987-65-4321', '123-00-4567', '123-45-0000']) {
      expect(found(`ref ${bad}`), bad).toEqual([]);
    }
    expect(found('123456789', 'ssn')).toEqual([['ssn', '123456789']]);
    expect(found('1234-56-7890 and 12-3456-789')).toEqual([]);
  });

  it('phone and fax numbers, US and E.164', () => {
    for (const p of ['(555) 234-5678', '555-234-5678', '555.234.5678', '+1 555 234 5678', '+1-555-234-5678', '+44 20 7946 0958', '+493012345678']) {
      expect(found(`call ${p} today`), p).toEqual([['phone', p]]);
    }
    expect(found('5552345678', 'fax')).toEqual([['phone', '5552345678']]);
    expect(found('5552345678')).toEqual([]);
    expect(found('order 555-23-45 qty 12')).toEqual([]);
  });

  it('e-mail addresses and URLs', () => {
    expect(found('write to jane.doe+x@mail.example.org.')).toEqual([['email', 'jane.doe+x@mail.example.org']]);
    expect(found('not@an address, @handle, a@b')).toEqual([]);
    expect(found('see https://example.org/p?id=1, or www.example.com.')).toEqual([
      ['url', 'https://example.org/p?id=1'],
      ['url', 'www.example.com'],
    ]);
  });

  it('IPv4 with valid octets, and IPv6', () => {
    expect(found('from 192.168.10.254.')).toEqual([['ip', '192.168.10.254']]);
    expect(found('256.1.1.1 and 1.2.3 and 1.2.3.4.5')).toEqual([]);
    expect(found('addr 2001:db8:85a3::8a2e:370:7334 ok')).toEqual([['ip', '2001:db8:85a3::8a2e:370:7334']]);
    expect(found('fe80:0:0:0:202:b3ff:fe1e:8329')).toEqual([['ip', 'fe80:0:0:0:202:b3ff:fe1e:8329']]);
    expect(found('at 10:30:00 and ratio 3:1')).toEqual([]);
  });

  it('dates more specific than a year, never a bare year', () => {
    for (const d of ['2024-03-05', '03/05/2024', '3/5/24', 'March 5, 2024', '5 Mar 2024', 'Mar. 5th, 2024', 'March 2024']) {
      expect(found(`seen ${d} here`), d).toEqual([['date', d]]);
    }
    expect(found('2024-03-05T10:30:00Z')).toEqual([['date', '2024-03-05']]);
    for (const n of ['since 2019', 'in 1999.', 'BP 120/80', 'score 25/30', '2024-13-05']) expect(found(n), n).toEqual([]);
  });

  it('ZIP codes only with context', () => {
    expect(found('62704', 'zip')).toEqual([['zip', '62704']]);
    expect(found('62704-1234', 'address.postalCode')).toEqual([['zip', '62704-1234']]);
    expect(found('Springfield, IL 62704.')).toEqual([['zip', '62704']]);
    expect(found('ZIP code: 10001')).toEqual([['zip', '10001']]);
    expect(found('62704')).toEqual([]);
    expect(found('order 62704 shipped')).toEqual([]);
  });

  it('medical record, health plan, account and licence numbers by context', () => {
    expect(found('MRN: 00123456.')).toEqual([['mrn', '00123456']]);
    expect(found('MRN-00123456', 'patient.mrn')).toEqual([['mrn', 'MRN-00123456']]);
    expect(found('Member ID: XGH123456789')).toEqual([['health-plan', 'XGH123456789']]);
    expect(found('policy no. 98765432')).toEqual([['health-plan', '98765432']]);
    expect(found('W123456789', 'memberId')).toEqual([['health-plan', 'W123456789']]);
    expect(found('acct #12345678')).toEqual([['account', '12345678']]);
    expect(found('004512345678', 'account_number')).toEqual([['account', '004512345678']]);
    expect(found("driver's license D1234567")).toEqual([['licence', 'D1234567']]);
    expect(found('License # A123-4567')).toEqual([['licence', 'A123-4567']]);
    expect(found('account balance 125500; policy rule R-12')).toEqual([]);
    expect(found('125500', 'account_balance')).toEqual([]);
  });

  it('vehicle identifiers: VIN with a valid check digit, plates with context', () => {
    expect(_validVin('1HGCM82633A004352')).toBe(true);
    expect(found('VIN 1HGCM82633A004352.')).toEqual([['vehicle', '1HGCM82633A004352']]);
    expect(found('code 1HGCM82623A004352')).toEqual([]); // wrong check digit
    expect(found('plate 7ABC123 in lot')).toEqual([['vehicle', '7ABC123']]);
    expect(found('7ABC123', 'license_plate')).toEqual([['vehicle', '7ABC123']]);
    expect(found('7ABC123')).toEqual([]);
  });

  it('device identifiers by context', () => {
    expect(found('pacemaker serial no. PM12345678')).toEqual([['device', 'PM12345678']]);
    expect(found('SN-88812345', 'device_serial')).toEqual([['device', 'SN-88812345']]);
    expect(found('IMEI 490154203237518')).toEqual([['device', '490154203237518']]);
  });

  it('ages over 89', () => {
    expect(found('Pt is a 93-year-old male')).toEqual([['age-over-89', '93']]);
    expect(found('patient, age 92, and a 91 y/o sister')).toEqual([['age-over-89', '92'], ['age-over-89', '91']]);
    expect(found('45 years old, aged 89')).toEqual([]);
    expect(found('95', 'age')).toEqual([['age-over-89', '95']]);
    expect(found('89', 'patient_age')).toEqual([]);
    expect(found('95', 'account_age_months')).toEqual([]);
  });

  it('names only where the column says so', () => {
    expect(found(' Maria Garcia ', 'patient_name')).toEqual([['name', 'Maria Garcia']]);
    for (const c of ['first_name', 'lastName', 'surname', 'full_name', 'name', 'person.given_name']) {
      expect(found('Olga', c), c).toEqual([['name', 'Olga']]);
    }
    for (const c of ['product_name', 'file_name', 'employer_name', 'notes']) expect(found('Olga Ivanova', c), c).toEqual([]);
    expect(found('Seen by Dr. James Smith with Maria Garcia')).toEqual([]);
  });

  it('names: person columns, particles, and JSON paths', () => {
    // a bare person noun holds names when the value looks like one
    expect(found('Maria Garcia', 'customer')).toEqual([['name', 'Maria Garcia']]);
    expect(found('C-10023', 'customer')).toEqual([]);
    expect(found('by phone only', 'contact')).toEqual([]);
    expect(found('Acme Holdings', 'owner')).toEqual([]);
    for (const v of ['van der Berg, Anika', 'Ngozi van der Berg Jr.', 'Jürgen V. Weiß', 'DIEGO OKAFOR', '静 陈', "Siobhan O'Brien"]) {
      expect(found(v, 'borrower'), v).toEqual([['name', v]]);
    }
    expect(found('Rahul A. Mensah', 'caller_name')).toEqual([['name', 'Rahul A. Mensah']]);
    // JSON pointers and dotted paths: the last two segments read together
    expect(found('Olga', '/patient/name')).toEqual([['name', 'Olga']]);
    expect(found('Olga', '/patients/*/name')).toEqual([['name', 'Olga']]);
    expect(found('Olga', '/patient/demographics/name')).toEqual([['name', 'Olga']]);
    for (const c of ['/product/name', '/city/name', '/items/*/name', 'product.name']) expect(found('Olga Ivanova', c), c).toEqual([]);
    expect(found('00123456', '/patient/id')).toEqual([['mrn', '00123456']]);
    expect(found('555-234-5678', '/contacts/*/phones/*')).toEqual([['phone', '555-234-5678']]);
  });

  it('more keyword forms and column values', () => {
    expect(found('MR# K7237616; Med Rec #14363276')).toEqual([['mrn', 'K7237616'], ['mrn', '14363276']]);
    expect(found('hospital number MR451682, quoting MRN - 71-880552')).toEqual([['mrn', 'MR451682'], ['mrn', '71-880552']]);
    expect(found('A/C 379972692980; IBAN: GB65NWBK70017260740424; Loan #47592788')).toEqual([
      ['account', '379972692980'], ['account', 'GB65NWBK70017260740424'], ['account', '47592788'],
    ]);
    expect(found('My account number is 705441601744.')).toEqual([['account', '705441601744']]);
    expect(found('DEA Reg. ME1719535, National Provider Identifier 2825996707, Lic. #218825')).toEqual([
      ['licence', 'ME1719535'], ['licence', '2825996707'], ['licence', '218825'],
    ]);
    expect(found('DL-2024')).toEqual([['licence', '2024']]);
    expect(found('ICD SN: 75481E967109; UDI (01)01658487850162(21)GNMWJ6')).toEqual([['device', '75481E967109'], ['device', '(01)01658487850162(21)GNMWJ6']]);
    expect(found('licence plate MR46VHT')).toEqual([['vehicle', 'MR46VHT']]);
    expect(found('SY00HZC', 'plate')).toEqual([['vehicle', 'SY00HZC']]);
    expect(found('(01)08290853541746(21)37SS3M', '/device/udi')).toEqual([['device', '(01)08290853541746(21)37SS3M']]);
    expect(found('LN5635418375', 'loan_number')).toEqual([['account', 'LN5635418375']]);
    expect(found('125000', 'loan')).toEqual([]);
    expect(found('The zip code is 65070.')).toEqual([['zip', '65070']]);
    expect(found('Pt 100 yrs, DNR')).toEqual([['age-over-89', '100']]);
  });

  it('more date forms, and versions are not dates', () => {
    for (const d of ['01-Mar-2009', '5/MAR/1990', '23. Februar 1962', '5. März 2024']) expect(found(`seen ${d} here`), d).toEqual([['date', d]]);
    for (const n of ['v12.3.2032', 'software v6.8.2097', 'build 10.0.19045']) expect(found(n), n).toEqual([]);
  });

  it('plain numbers are not identifiers', () => {
    for (const [v, c] of [['712', 'credit_score'], ['125500', 'loan_amount'], ['APP-100001', 'application_id'], ['36', 'term_months'], ['0.36', 'dti'], ['$125,500.00', undefined]] as const) {
      expect(found(v, c), v).toEqual([]);
    }
  });

  it('maskValue keeps only separators', () => {
    const v = 'SSN 123-45-6789, mail jane.doe@example.org';
    const m = maskValue(v, detectPii(v));
    expect(m).toBe('SSN •••-••-••••, mail ••••.•••@•••••••.•••');
    expect(maskValue('abc', [])).toBe('abc');
  });

  it('findings are sorted and never overlap', () => {
    const v = 'see http://10.0.0.1/a?d=2024-03-05 and bob@www.example.com';
    const f = detectPii(v);
    expect(f.map((x) => x.kind)).toEqual(['url', 'email']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('labelled synthetic corpus', () => {
  const cells = corpus(5, 200);

  it('is large enough and deterministic', () => {
    expect(cells.length).toBeGreaterThanOrEqual(2000);
    expect(corpus(5, 200)).toEqual(cells);
  });

  it('precision and recall per kind and overall', () => {
    const tp = new Map<PiiKind, number>(); // findings that match a label
    const fp = new Map<PiiKind, number>();
    const hit = new Map<PiiKind, number>(); // labels matched by a finding
    const lab = new Map<PiiKind, number>();
    const inc = (m: Map<PiiKind, number>, k: PiiKind) => m.set(k, (m.get(k) ?? 0) + 1);
    const misses: string[] = [];
    for (const c of cells) {
      const f = detectPii(c.value, c.column);
      for (const x of f) {
        const ok = c.labels.some((l) => l.kind === x.kind && l.start < x.end && x.start < l.end);
        inc(ok ? tp : fp, x.kind);
        if (!ok && misses.length < 10) misses.push(`FP ${x.kind} ${JSON.stringify(c.value.slice(x.start, x.end))} in ${c.column}`);
      }
      for (const l of c.labels) {
        inc(lab, l.kind);
        const ok = f.some((x) => l.kind === x.kind && l.start < x.end && x.start < l.end);
        if (ok) inc(hit, l.kind);
        else if (misses.length < 10) misses.push(`FN ${l.kind} ${JSON.stringify(c.value.slice(l.start, l.end))} in ${c.column}`);
      }
    }
    const rows: Array<{ kind: string; labels: number; findings: number; precision: string; recall: string }> = [];
    let sTp = 0, sF = 0, sHit = 0, sLab = 0;
    const pr: Array<[PiiKind, number, number, number]> = [];
    for (const k of PII_KINDS) {
      const t = tp.get(k) ?? 0, n = t + (fp.get(k) ?? 0), h = hit.get(k) ?? 0, l = lab.get(k) ?? 0;
      sTp += t; sF += n; sHit += h; sLab += l;
      if (n === 0 && l === 0) continue;
      const p = n === 0 ? 1 : t / n, r = l === 0 ? 1 : h / l;
      pr.push([k, p, r, l]);
      rows.push({ kind: k, labels: l, findings: n, precision: p.toFixed(3), recall: r.toFixed(3) });
    }
    const P = sTp / sF, R = sHit / sLab;
    rows.push({ kind: 'overall', labels: sLab, findings: sF, precision: P.toFixed(3), recall: R.toFixed(3) });
    console.log(`PII corpus: ${cells.length} values\n` + rows.map((r) => `${r.kind.padEnd(12)} labels ${String(r.labels).padStart(5)}  findings ${String(r.findings).padStart(5)}  P ${r.precision}  R ${r.recall}`).join('\n') + (misses.length ? '\nfirst misses:\n' + misses.join('\n') : ''));
    expect(P).toBeGreaterThanOrEqual(0.9);
    expect(R).toBeGreaterThanOrEqual(0.9);
    for (const [k, p, r, l] of pr) {
      if (l < 20) continue;
      expect(p, `precision ${k}`).toBeGreaterThanOrEqual(0.85);
      expect(r, `recall ${k}`).toBeGreaterThanOrEqual(0.85);
    }
    // every kind is exercised by the corpus
    for (const k of PII_KINDS) expect(lab.get(k) ?? 0, k).toBeGreaterThanOrEqual(20);
  });

  /** Substrings of length ≥ 3 of `id` that hold at least one letter or digit. */
  function* pieces(id: string): Generator<string> {
    for (let i = 0; i + 3 <= id.length; i++) {
      const s = id.slice(i, i + 3);
      if (/[\p{L}\p{N}]/u.test(s)) yield s;
    }
  }

  it('maskValue leaves no piece of any identifier found', () => {
    let checked = 0;
    for (const c of cells) {
      const f = detectPii(c.value, c.column);
      if (f.length === 0) continue;
      const masked = maskValue(c.value, f);
      expect(masked.length).toBe(c.value.length);
      // Text outside the findings is returned unchanged by design, so a piece of an identifier may
      // legitimately recur there ("104" as an age and as a weight); no occurrence of a piece in the
      // masked text may overlap a finding, and each finding's span holds only '•' and separators.
      for (const x of f) {
        expect(masked.slice(x.start, x.end)).toMatch(/^[•\s\-.@/:()+,_#]*$/u);
        for (const p of pieces(c.value.slice(x.start, x.end))) {
          for (let i = masked.indexOf(p); i >= 0; i = masked.indexOf(p, i + 1)) {
            const overlaps = f.some((y) => i < y.end && y.start < i + p.length);
            expect(overlaps, `${x.kind} piece ${p} at ${i}`).toBe(false);
          }
        }
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('the scan report holds counts and masked locations, and no identifier', () => {
    const acc = new PiiScanAccumulator({ maxLocations: 100 });
    const byRow = new Map<number, Array<{ column: string; value: string }>>();
    for (const c of cells) {
      let r = byRow.get(c.row);
      if (r === undefined) byRow.set(c.row, (r = []));
      r.push({ column: c.column, value: c.value });
    }
    for (const [n, r] of byRow) acc.addRow(r, n % 2 === 0 ? `row-${n}` : undefined);
    const res = acc.result();
    expect(res.rows).toBe(200);
    expect(res.locations).toHaveLength(100);
    expect(res.locations[0]).toMatchObject({ row: '1', column: 'patient_name', kind: 'name' });
    expect(res.locations[0]!.masked).toMatch(/^[•\s]+$/u);
    expect(res.findings.name).toBe(600);
    expect(res.columns['patient_name']).toEqual({ name: 200 });
    expect(res.columns['credit_score']).toBeUndefined();
    expect(Object.keys(res.findings).every((k) => (PII_KINDS as readonly string[]).includes(k))).toBe(true);
    for (const loc of res.locations) expect(loc.masked).toMatch(/^[•\s\-.@/:()+,_#]+$/u);
    const json = JSON.stringify(res);
    for (const c of cells) {
      for (const l of c.labels) {
        const id = c.value.slice(l.start, l.end);
        // an age (90–104) is a short number that collides with counts and row keys; ages are
        // covered by the all-masked check on locations above
        if (l.kind !== 'age-over-89' && id.length >= 3) expect(json.includes(id), `${l.kind} ${id}`).toBe(false);
      }
    }
  });

  it('the accumulator stays bounded: locations and columns are capped', () => {
    const acc = new PiiScanAccumulator({ maxLocations: 5, maxColumns: 3 });
    const g = new Gen(9);
    for (let i = 0; i < 2000; i++) acc.addRow([{ column: `c${i % 50}`, value: `call ${g.phone()}` }]);
    const res = acc.result();
    expect(res.locations).toHaveLength(5);
    expect(Object.keys(res.columns)).toHaveLength(4);
    expect(res.findings.phone).toBe(2000);
  });
});
