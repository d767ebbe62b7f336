// Fairness metrics from a predictions file (src/runs/predictions.ts). The fixture's expected
// figures are the hand-computed ones in fixtures/runs/predictions/README.md (worked out from the
// CSV with exact fractions, not with BiasAccumulator); each is written here as the fraction of
// the counts it comes from, which is the same floating-point division the module does.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { biasFromPredictions, RECOGNISED_PAIRS, type PredictionColumns } from '../../src/runs/predictions.js';
import type { BiasResult, GroupStats } from '../../src/runs/bias.js';
import { CognifyError, InputError, NotFoundError } from '../../src/core/errors.js';

const DIR = fileURLToPath(new URL('../../fixtures/runs/predictions/', import.meta.url));
const FIXTURE = join(DIR, 'credit-decisions.predictions.csv');
const COLUMNS: PredictionColumns = { groups: ['sex', 'ethnicity'], label: 'label', pred: 'pred', positive: 'approve' };
const BLACK = 'Black, Black British, Caribbean or African';
const MIXED = 'Mixed or multiple ethnic groups';

// A temp directory of our own: test/_fixtures.ts would pull in the whole API for one mkdtemp.
const tmp = { dir: '' };
beforeAll(async () => {
  tmp.dir = await mkdtemp(join(tmpdir(), 'cognify-predictions-'));
});
afterAll(async () => {
  await rm(tmp.dir, { recursive: true, force: true });
});

/** Writes a file into the temp directory and returns its path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(tmp.dir, name);
  await writeFile(path, text);
  return path;
}

/** The error a call rejects with; fails the test if it resolves. */
async function failure(p: Promise<unknown>): Promise<CognifyError> {
  const r = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(r instanceof CognifyError)) throw new Error(`expected a CognifyError, got ${r === undefined ? 'success' : String(r)}`);
  return r;
}

function group(res: BiasResult, attribute: string, value: string): GroupStats {
  const g = res.groups.find((x) => x.attribute === attribute && x.value === value);
  if (g === undefined) throw new Error(`no group ${attribute}=${value}`);
  return g;
}

function attr(res: BiasResult, attribute: string) {
  const a = res.attributes.find((x) => x.attribute === attribute);
  if (a === undefined) throw new Error(`no attribute ${attribute}`);
  return a;
}

describe('the fixture', () => {
  it('make.js reproduces the checked-in file byte for byte', async () => {
    const out = join(tmp.dir, 'regenerated.csv');
    execFileSync(process.execPath, [join(DIR, 'make.js'), out], { stdio: 'pipe' });
    expect(Buffer.compare(await readFile(out), await readFile(FIXTURE))).toBe(0);
  });
});

describe('credit-decisions.predictions.csv against the README figures', async () => {
  const { result: res, rows, positive, format } = await biasFromPredictions({ path: FIXTURE, columns: COLUMNS });

  it('reads every row', () => {
    expect({ rows, positive, format }).toEqual({ rows: 400, positive: 'approve', format: 'csv' });
  });

  it('sex: per-group counts and rates; no four-fifths violation', () => {
    expect(group(res, 'sex', 'female')).toEqual({
      attribute: 'sex', value: 'female', n: 187, positives: 109, predictedPositive: 100,
      selectionRate: 100 / 187, tpr: 90 / 109, fpr: 10 / 78, smallSample: false,
    });
    expect(group(res, 'sex', 'male')).toEqual({
      attribute: 'sex', value: 'male', n: 193, positives: 114, predictedPositive: 107,
      selectionRate: 107 / 193, tpr: 95 / 114, fpr: 12 / 79, smallSample: false,
    });
    expect(group(res, 'sex', 'not stated')).toEqual({
      attribute: 'sex', value: 'not stated', n: 20, positives: 11, predictedPositive: 10,
      selectionRate: 10 / 20, tpr: 9 / 11, fpr: 1 / 9, smallSample: true,
    });
    const sex = attr(res, 'sex');
    expect(sex.demographicParityDifference).toBe(107 / 193 - 10 / 20);
    expect(sex.demographicParityDifference).toBeCloseTo(21 / 386, 12); // README: 0.0544
    // FPR spread 29/711 beats TPR spread 1/66.
    expect(sex.equalizedOddsDifference).toBe(12 / 79 - 1 / 9);
    expect(sex.equalizedOddsDifference).toBeCloseTo(29 / 711, 12); // README: 0.0408
    expect(sex.fourFifthsViolations).toEqual([]);
  });

  it('ethnicity: per-group counts and rates; Black applicants violate four-fifths', () => {
    expect(group(res, 'ethnicity', 'Asian or Asian British')).toMatchObject({
      n: 86, positives: 49, predictedPositive: 48, selectionRate: 48 / 86, tpr: 43 / 49, fpr: 5 / 37, smallSample: false,
    });
    expect(group(res, 'ethnicity', BLACK)).toMatchObject({
      n: 60, positives: 33, predictedPositive: 20, selectionRate: 20 / 60, tpr: 18 / 33, fpr: 2 / 27, smallSample: false,
    });
    expect(group(res, 'ethnicity', MIXED)).toMatchObject({
      n: 24, positives: 13, predictedPositive: 13, selectionRate: 13 / 24, tpr: 11 / 13, fpr: 2 / 11, smallSample: true,
    });
    expect(group(res, 'ethnicity', 'White')).toMatchObject({
      n: 230, positives: 139, predictedPositive: 136, selectionRate: 136 / 230, tpr: 122 / 139, fpr: 14 / 91, smallSample: false,
    });
    const eth = attr(res, 'ethnicity');
    expect(eth.demographicParityDifference).toBe(136 / 230 - 20 / 60);
    expect(eth.demographicParityDifference).toBeCloseTo(89 / 345, 12); // README: 0.2580
    // TPR spread 508/1529 beats FPR spread 32/297.
    expect(eth.equalizedOddsDifference).toBe(122 / 139 - 18 / 33);
    expect(eth.equalizedOddsDifference).toBeCloseTo(508 / 1529, 12); // README: 0.3322
    expect(eth.fourFifthsViolations).toEqual([
      { attribute: 'ethnicity', value: BLACK, selectionRate: 20 / 60, impactRatio: 20 / 60 / (136 / 230) },
    ]);
    expect(eth.fourFifthsViolations[0]!.impactRatio).toBeCloseTo(115 / 204, 12); // README: 0.5637
  });

  it('sex×ethnicity: the three Black cells violate four-fifths; overall DPD 0.35, EOD 0.5', () => {
    const x = attr(res, 'sex×ethnicity');
    expect(x.groups.map((g) => [g.value, g.n, g.positives, g.predictedPositive])).toEqual([
      ['female×Asian or Asian British', 40, 23, 22],
      [`female×${BLACK}`, 28, 15, 9],
      [`female×${MIXED}`, 11, 6, 6],
      ['female×White', 108, 65, 63],
      ['male×Asian or Asian British', 42, 24, 24],
      [`male×${BLACK}`, 28, 16, 10],
      [`male×${MIXED}`, 11, 6, 6],
      ['male×White', 112, 68, 67],
      ['not stated×Asian or Asian British', 4, 2, 2],
      [`not stated×${BLACK}`, 4, 2, 1],
      [`not stated×${MIXED}`, 2, 1, 1],
      ['not stated×White', 10, 6, 6],
    ]);
    expect(x.demographicParityDifference).toBe(6 / 10 - 1 / 4);
    expect(x.equalizedOddsDifference).toBe(1 - 1 / 2);
    expect(x.fourFifthsViolations.map((v) => [v.value, v.impactRatio])).toEqual([
      [`female×${BLACK}`, 9 / 28 / (6 / 10)],
      [`male×${BLACK}`, 10 / 28 / (6 / 10)],
      [`not stated×${BLACK}`, 1 / 4 / (6 / 10)],
    ]);
    expect(res.demographicParityDifference).toBe(0.35);
    expect(res.equalizedOddsDifference).toBe(0.5);
    expect(res.fourFifthsViolations.map((v) => `${v.attribute}=${v.value}`)).toEqual([
      `ethnicity=${BLACK}`,
      `sex×ethnicity=female×${BLACK}`,
      `sex×ethnicity=male×${BLACK}`,
      `sex×ethnicity=not stated×${BLACK}`,
    ]);
  });

  it('warns about exactly the ten small groups, nothing else', () => {
    expect(res.warnings).toHaveLength(10);
    expect(res.warnings.every((w) => w.includes('is below 30'))).toBe(true);
    expect(res.warnings).toContain('sex=not stated: n=20 is below 30; its rates are unstable');
    expect(res.warnings).toContain(`ethnicity=${MIXED}: n=24 is below 30; its rates are unstable`);
  });

  it('one attribute alone gives that attribute only', async () => {
    const r = await biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, groups: ['ethnicity'] } });
    expect(r.result.attributes.map((a) => a.attribute)).toEqual(['ethnicity']);
    expect(r.result.demographicParityDifference).toBe(136 / 230 - 20 / 60);
  });
});

describe('JSONL', () => {
  // region north: (y,ŷ) = (1,1) (1,0) (0,1) (0,0); over40 true, true, false, false
  // region south: (1,1) (0,0) (0,0);               over40 false, true, false
  //   north  n 4, positives 2, predicted 2, TP 1, FP 1 -> rate 1/2, TPR 1/2, FPR 1/2
  //   south  n 3, positives 1, predicted 1, TP 1, FP 0 -> rate 1/3, TPR 1,   FPR 0
  //   over40 "true":  north(1,1) north(1,0) south(0,0)            -> n 3, pos 2, pred 1, TP 1, FP 0
  //   over40 "false": north(0,1) north(0,0) south(1,1) south(0,0) -> n 4, pos 1, pred 2, TP 1, FP 1
  // Numbers and booleans count as their JSON text ("1", "true"); the last row's 0.0 parses as 0, so it is "0".
  // Unused fields may hold anything, objects included.
  const lines = [
    { id: 1, region: 'north', over40: true, y: 1, yhat: 1, meta: { src: 'a' } },
    { id: 2, region: 'north', over40: true, y: 1, yhat: 0 },
    { id: 3, region: 'north', over40: false, y: 0, yhat: 1 },
    { id: 4, region: 'north', over40: false, y: 0, yhat: 0 },
    { id: 5, region: 'south', over40: false, y: 1, yhat: 1, tags: [1, 2] },
    { id: 6, region: 'south', over40: true, y: 0, yhat: 0 },
  ].map((o) => JSON.stringify(o));
  const text = [...lines, '{"id":7,"region":"south","over40":false,"y":0.0,"yhat":0}'].join('\r\n') + '\r\n';
  const columns = { groups: ['region', 'over40'], label: 'y', pred: 'yhat' };

  it('reads top-level fields, stringifies numbers and booleans, infers positive "1" from {0, 1}', async () => {
    const path = await file('scores.jsonl', text);
    const { result: res, rows, positive, format } = await biasFromPredictions({ path, columns });
    expect({ rows, positive, format }).toEqual({ rows: 7, positive: '1', format: 'jsonl' });
    expect(group(res, 'region', 'north')).toMatchObject({ n: 4, positives: 2, predictedPositive: 2, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 });
    expect(group(res, 'region', 'south')).toMatchObject({ n: 3, positives: 1, predictedPositive: 1, selectionRate: 1 / 3, tpr: 1, fpr: 0 });
    expect(group(res, 'over40', 'true')).toMatchObject({ n: 3, positives: 2, predictedPositive: 1, tpr: 0.5, fpr: 0 });
    expect(group(res, 'over40', 'false')).toMatchObject({ n: 4, positives: 1, predictedPositive: 2, tpr: 1, fpr: 1 / 3 });
    expect(attr(res, 'region').demographicParityDifference).toBe(0.5 - 1 / 3);
    // TPR spread 1 - 1/2 beats FPR spread 1/2 - 0 (equal): 0.5 either way.
    expect(attr(res, 'region').equalizedOddsDifference).toBe(0.5);
    // 1/3 / (1/2) = 2/3 < 4/5.
    expect(attr(res, 'region').fourFifthsViolations).toEqual([{ attribute: 'region', value: 'south', selectionRate: 1 / 3, impactRatio: 1 / 3 / 0.5 }]);
  });

  it('the same rows as CSV give the same result', async () => {
    const csv = ['region,over40,y,yhat', 'north,true,1,1', 'north,true,1,0', 'north,false,0,1', 'north,false,0,0', 'south,false,1,1', 'south,true,0,0', 'south,false,0,0'].join('\n');
    const a = await biasFromPredictions({ path: await file('scores.csv', csv), columns });
    const b = await biasFromPredictions({ path: await file('scores2.jsonl', text), columns });
    expect(a.result).toEqual(b.result);
  });
});

describe('format', () => {
  it('.tsv is split on tabs, without quoting', async () => {
    const path = await file('p.tsv', 'g\tlabel\tpred\n"a, b"\tyes\tyes\n"a, b"\tno\tyes\nc\tyes\tno\n');
    const r = await biasFromPredictions({ path, columns: { groups: ['g'], label: 'label', pred: 'pred' } });
    expect(r.format).toBe('tsv');
    expect(r.positive).toBe('yes');
    expect(group(r.result, 'g', '"a, b"')).toMatchObject({ n: 2, predictedPositive: 2, fpr: 1 });
  });

  it('an unknown extension is sniffed; an explicit format wins over the name', async () => {
    const jsonl = await file('p.txt', '{"g":"a","l":1,"p":1}\n{"g":"b","l":0,"p":1}\n');
    expect((await biasFromPredictions({ path: jsonl, columns: { groups: ['g'], label: 'l', pred: 'p' } })).format).toBe('jsonl');
    const tsv = await file('really-tsv.csv', 'g\tl\tp\na\t1\t1\nb\t0\t0\n');
    const r = await biasFromPredictions({ path: tsv, columns: { groups: ['g'], label: 'l', pred: 'p' }, format: 'tsv' });
    expect(r.format).toBe('tsv');
    expect(r.rows).toBe(2);
  });

  it('a Parquet file is refused with what to do', async () => {
    const e = await failure(biasFromPredictions({ path: await file('p.parquet', 'PAR1'), columns: COLUMNS }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/is Parquet; .*export it/);
  });
});

describe('the positive value', () => {
  const cols = { groups: ['g'], label: 'l', pred: 'p' };

  it.each(RECOGNISED_PAIRS.map(([neg, pos]) => [neg, pos, pos]))('{%s, %s} infers %s', async (neg, pos) => {
    const path = await file(`pair-${neg}.csv`, `g,l,p\na,${pos},${pos}\na,${neg},${pos}\nb,${neg},${neg}\n`);
    const r = await biasFromPredictions({ path, columns: cols });
    expect(r.positive).toBe(pos);
    expect(group(r.result, 'g', 'a')).toMatchObject({ positives: 1, predictedPositive: 2 });
  });

  it('other labels need --positive; the error names the line and the value', async () => {
    const e = await failure(biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, positive: undefined } }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ path: FIXTURE, line: 2, value: 'approve' });
    expect(e.message).toContain('give --positive');
  });

  it('is case-sensitive: "True" then "true" is not one pair', async () => {
    const path = await file('mixed-case.csv', 'g,l,p\na,True,True\na,False,False\nb,true,False\n');
    const e = await failure(biasFromPredictions({ path, columns: cols }));
    expect(e.data).toMatchObject({ line: 4, value: 'true' });
    expect(e.message).toMatch(/began as \{False, True\}.*line 4 has label "true"/);
  });

  it('a prediction outside the inferred pair is an error (a score column given as --pred)', async () => {
    const path = await file('scored.csv', 'g,l,p\na,1,1\na,0,0.73\n');
    const e = await failure(biasFromPredictions({ path, columns: cols }));
    expect(e.data).toMatchObject({ line: 3, value: '0.73' });
    expect(e.message).toContain('prediction "0.73"');
  });

  it('given explicitly, every other value is negative (one class against the rest)', async () => {
    const path = await file('multi.csv', 'g,l,p\na,cat,cat\na,dog,cat\nb,bird,dog\nb,cat,bird\n');
    const r = await biasFromPredictions({ path, columns: { ...cols, positive: 'cat' } });
    expect(group(r.result, 'g', 'a')).toMatchObject({ positives: 1, predictedPositive: 2, tpr: 1, fpr: 1 });
    expect(group(r.result, 'g', 'b')).toMatchObject({ positives: 1, predictedPositive: 0, tpr: 0, fpr: 0 });
  });

  it('in no label and no prediction: an error listing the values seen', async () => {
    const e = await failure(biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, positive: 'approved' } }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain('positive value "approved" appears in no label and no prediction');
    expect(e.message).toContain('"approve"');
    expect(e.message).toContain('give --positive');
  });

  it('a pair with only its negative side seen is the same error', async () => {
    const path = await file('all-zero.csv', 'g,l,p\na,0,0\nb,0,0\n');
    const e = await failure(biasFromPredictions({ path, columns: cols }));
    expect(e.message).toContain('positive value "1" appears in no label and no prediction');
  });

  it('in labels but no prediction, or the reverse: a warning', async () => {
    const noPred = await biasFromPredictions({ path: await file('no-pred.csv', 'g,l,p\na,1,0\na,0,0\n'), columns: cols });
    expect(noPred.result.warnings).toContain('p: no prediction is "1" (predictions: "0"); every selection rate is 0; check --pred and --positive');
    const noLabel = await biasFromPredictions({ path: await file('no-label.csv', 'g,l,p\na,0,1\na,0,0\n'), columns: cols });
    expect(noLabel.result.warnings).toContain('l: no label is "1" (labels: "0"); every TPR is undefined; check --label and --positive');
  });
});

describe('bad input: one clear error naming the file', () => {
  it('a column that does not exist lists the columns there are', async () => {
    const e = await failure(biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, groups: ['gender'] } }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe(
      `${FIXTURE}: no column "gender"; the columns are applicant_id, sex, ethnicity, age_band, label, pred, score; give --group with one of them`,
    );
    expect(e.data).toMatchObject({ column: 'gender', columns: ['applicant_id', 'sex', 'ethnicity', 'age_band', 'label', 'pred', 'score'] });
  });

  it('a missing label or pred column names its own flag', async () => {
    const l = await failure(biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, label: 'outcome' } }));
    expect(l.message).toMatch(/no column "outcome"; .*; give --label with one of them$/);
    const p = await failure(biasFromPredictions({ path: FIXTURE, columns: { ...COLUMNS, pred: 'decision' } }));
    expect(p.message).toMatch(/no column "decision"; .*; give --pred with one of them$/);
  });

  it('JSONL: a field missing from the first row lists that row\'s fields', async () => {
    const path = await file('nofield.jsonl', '{"sex":"f","y":1,"yhat":1}\n');
    const e = await failure(biasFromPredictions({ path, columns: { groups: ['gender'], label: 'y', pred: 'yhat' } }));
    expect(e.message).toBe(`${path}: no field "gender" in the first row (line 1); its fields are sex, y, yhat; give --group with one of them`);
  });

  it('an empty value names file:line, counting lines inside quoted fields', async () => {
    const path = await file('gap.csv', 'id,g,l,p\n1,"two\nlines",1,1\n2,x,1,1\n3,,0,1\n');
    const e = await failure(biasFromPredictions({ path, columns: { groups: ['g'], label: 'l', pred: 'p' } }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ path, line: 5, column: 'g' });
    expect(e.message).toBe(`${path}:5: no value for "g" (--group); record an unknown attribute as a value of its own, such as "not stated"`);
  });

  it('line numbers stay right across many chunks (a 5,000-row file, quoted newlines throughout)', async () => {
    // Every row spans two physical lines; row k (1-based) starts on line 2k. About 130 KB, so the
    // reader crosses chunk boundaries (4 KiB target, 16 KiB max) many times before the bad row.
    const body = Array.from({ length: 5000 }, (_, i) => (i === 4321 ? `"n\n${i}",,1,1` : `"n\n${i}",${i % 2 ? 'a' : 'b'},${i % 3 ? 1 : 0},1`));
    const path = await file('long.csv', `id,g,l,p\n${body.join('\n')}\n`);
    const e = await failure(biasFromPredictions({ path, columns: { groups: ['g'], label: 'l', pred: 'p' } }));
    expect(e.data).toMatchObject({ line: 2 * 4322, column: 'g' });
    const ok = await file('long-ok.csv', `id,g,l,p\n${body.filter((_, i) => i !== 4321).join('\n')}\n`);
    expect((await biasFromPredictions({ path: ok, columns: { groups: ['g'], label: 'l', pred: 'p' } })).rows).toBe(4999);
  });

  it('a whitespace-only label is missing too', async () => {
    const path = await file('blank-label.csv', 'g,l,p\na, ,1\n');
    const e = await failure(biasFromPredictions({ path, columns: { groups: ['g'], label: 'l', pred: 'p', positive: '1' } }));
    expect(e.message).toBe(`${path}:2: no value for "l" (--label); drop the row or fill it in`);
  });

  it('JSONL: null, or a field absent after the first row, is a missing value', async () => {
    const cols = { groups: ['g'], label: 'y', pred: 'yhat' };
    const nul = await file('null.jsonl', '{"g":"a","y":1,"yhat":1}\n{"g":null,"y":0,"yhat":1}\n');
    expect((await failure(biasFromPredictions({ path: nul, columns: cols }))).data).toMatchObject({ line: 2, column: 'g' });
    const absent = await file('absent.jsonl', '{"g":"a","y":1,"yhat":1}\n{"g":"b","y":0}\n');
    const e = await failure(biasFromPredictions({ path: absent, columns: cols }));
    expect(e.message).toBe(`${absent}:2: no value for "yhat" (--pred); drop the row or fill it in`);
  });

  it('JSONL: a used field that is an object, or a row that is not an object', async () => {
    const cols = { groups: ['g'], label: 'y', pred: 'yhat' };
    const nested = await file('nested.jsonl', '{"g":{"k":1},"y":1,"yhat":1}\n');
    expect((await failure(biasFromPredictions({ path: nested, columns: cols }))).message).toBe(
      `${nested}:1: field "g" is an object; give a string, number or boolean`,
    );
    const arr = await file('array.jsonl', '{"g":"a","y":1,"yhat":1}\n["a",1,1]\n');
    expect((await failure(biasFromPredictions({ path: arr, columns: cols }))).message).toMatch(/:2: expected a JSON object with fields "g", "y", "yhat", got an array$/);
  });

  it('parse errors from the row reader are prefixed with the file', async () => {
    const cols = { groups: ['g'], label: 'l', pred: 'p' };
    const ragged = await file('ragged.csv', 'g,l,p\na,1,1\nb,1\n');
    const r = await failure(biasFromPredictions({ path: ragged, columns: cols }));
    expect(r.message.startsWith(`${ragged}: row at line 3 has 2 fields`)).toBe(true);
    expect(r.data).toMatchObject({ path: ragged, line: 3 });
    const json = await file('broken.jsonl', '{"g":"a","l":1,"p":1}\n{"g":"a" "l":1}\n');
    const j = await failure(biasFromPredictions({ path: json, columns: cols }));
    expect(j.message.startsWith(`${json}: invalid JSON at line 2, column 10`)).toBe(true);
    const quote = await file('quote.csv', 'g,l,p\n"a,1,1\n');
    const q = await failure(biasFromPredictions({ path: quote, columns: cols }));
    expect(q.message.startsWith(`${quote}: unterminated quote opened at line 2`)).toBe(true);
  });

  it('an empty file, a header without rows, an empty JSONL file', async () => {
    const cols = { groups: ['g'], label: 'l', pred: 'p' };
    const empty = await file('empty.csv', '');
    expect((await failure(biasFromPredictions({ path: empty, columns: cols }))).message).toBe(`${empty} is empty; give a file with one row per prediction`);
    const header = await file('header.csv', 'g,l,p\n');
    expect((await failure(biasFromPredictions({ path: header, columns: cols }))).message).toBe(`${header} has a header but no rows; give a file with one row per prediction`);
    const jsonl = await file('empty.jsonl', '');
    expect((await failure(biasFromPredictions({ path: jsonl, columns: cols }))).message).toBe(`${jsonl} is empty; give a file with one row per prediction`);
  });

  it('a missing file is NotFoundError; a directory is InputError', async () => {
    const gone = join(tmp.dir, 'nope.csv');
    const e = await failure(biasFromPredictions({ path: gone, columns: COLUMNS }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(gone);
    const dir = join(tmp.dir, 'a-dir.csv');
    await mkdir(dir);
    const d = await failure(biasFromPredictions({ path: dir, columns: COLUMNS }));
    expect(d).toBeInstanceOf(InputError);
    expect(d.message).toBe(`${dir} is a directory; give a CSV, TSV or JSONL file of predictions`);
  });

  it('bad options', async () => {
    const bad = async (o: unknown) => (await failure(biasFromPredictions(o as Parameters<typeof biasFromPredictions>[0]))).code;
    expect(await bad({ path: FIXTURE, columns: { ...COLUMNS, groups: [] } })).toBe('INPUT_INVALID');
    expect(await bad({ path: FIXTURE, columns: { ...COLUMNS, groups: ['sex', 'sex'] } })).toBe('INPUT_INVALID');
    expect(await bad({ path: FIXTURE, columns: { ...COLUMNS, label: '' } })).toBe('INPUT_INVALID');
    expect(await bad({ path: FIXTURE, columns: { ...COLUMNS, positive: '' } })).toBe('INPUT_INVALID');
    expect(await bad({ path: FIXTURE, columns: COLUMNS, format: 'xlsx' })).toBe('INPUT_INVALID');
    expect(await bad({ path: '', columns: COLUMNS })).toBe('INPUT_INVALID');
  });

  it('an aborted signal stops the read', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(biasFromPredictions({ path: FIXTURE, columns: COLUMNS, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
