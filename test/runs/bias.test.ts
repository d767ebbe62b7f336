// Fairness metrics (src/runs/bias.ts): every expected number is worked out by hand from the
// fairlearn definitions in the module header, with the arithmetic beside it.

import { describe, expect, it } from 'vitest';
import {
  BiasAccumulator,
  SMALL_SAMPLE_THRESHOLD,
  type BiasResult,
  type BiasRow,
  type GroupStats,
} from '../../src/runs/bias.js';
import { InputError } from '../../src/core/errors.js';

/** `count` copies of one row. */
function rows(groups: string[], count: number, label: string, pred: string): BiasRow[] {
  return Array.from({ length: count }, () => ({ groups, label, pred }));
}

function run(groups: string[], data: BiasRow[], positive = '1'): BiasResult {
  const acc = new BiasAccumulator({ groups, positive });
  for (const r of data) acc.add(r);
  return acc.result();
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

describe('BiasAccumulator, one attribute', () => {
  // F: (1,1) (1,0) (0,1) (0,0)          -> n 4, positives 2, predicted 2, TP 1, FP 1
  // M: (1,1) (1,1) (1,0) (0,1) (0,0)    -> n 5, positives 3, predicted 3, TP 2, FP 1
  const res = run(['sex'], [
    { groups: ['F'], label: '1', pred: '1' },
    { groups: ['F'], label: '1', pred: '0' },
    { groups: ['F'], label: '0', pred: '1' },
    { groups: ['F'], label: '0', pred: '0' },
    { groups: ['M'], label: '1', pred: '1' },
    { groups: ['M'], label: '1', pred: '1' },
    { groups: ['M'], label: '1', pred: '0' },
    { groups: ['M'], label: '0', pred: '1' },
    { groups: ['M'], label: '0', pred: '0' },
  ]);

  it('counts and rates per group', () => {
    // F: selection 2/4 = 0.5, TPR 1/2, FPR 1/2
    expect(group(res, 'sex', 'F')).toEqual({
      attribute: 'sex', value: 'F', n: 4, positives: 2, predictedPositive: 2,
      selectionRate: 0.5, tpr: 0.5, fpr: 0.5, smallSample: true,
    });
    // M: selection 3/5 = 0.6, TPR 2/3, FPR 1/2
    const m = group(res, 'sex', 'M');
    expect(m).toMatchObject({ n: 5, positives: 3, predictedPositive: 3, fpr: 0.5, smallSample: true });
    expect(m.selectionRate).toBeCloseTo(0.6, 12);
    expect(m.tpr).toBeCloseTo(2 / 3, 12);
  });

  it('parity, equalized odds, four-fifths', () => {
    const a = attr(res, 'sex');
    // DPD = 0.6 - 0.5 = 0.1; ratio = 0.5 / 0.6 = 5/6
    expect(a.demographicParityDifference).toBeCloseTo(0.1, 12);
    expect(a.demographicParityRatio).toBeCloseTo(5 / 6, 12);
    // TPR spread 2/3 - 1/2 = 1/6; FPR spread 1/2 - 1/2 = 0; worst case = 1/6
    expect(a.equalizedOddsDifference).toBeCloseTo(1 / 6, 12);
    // lowest impact ratio 5/6 = 0.833 >= 0.8: no violation
    expect(a.fourFifthsViolations).toEqual([]);
    expect(res.demographicParityDifference).toBe(a.demographicParityDifference);
    expect(res.equalizedOddsDifference).toBe(a.equalizedOddsDifference);
    // one attribute: no intersection is reported
    expect(res.attributes.map((x) => x.attribute)).toEqual(['sex']);
  });

  it('gives the same result whatever the row order, and result() does not end the stream', () => {
    const data: BiasRow[] = [
      ...rows(['F'], 3, '1', '1'), ...rows(['M'], 2, '0', '1'), ...rows(['F'], 2, '0', '0'),
    ];
    const acc = new BiasAccumulator({ groups: ['sex'], positive: '1' });
    for (const r of data.slice(0, 2)) acc.add(r);
    acc.result();
    for (const r of data.slice(2)) acc.add(r);
    expect(acc.result()).toEqual(run(['sex'], [...data].reverse()));
  });
});

describe('BiasAccumulator, two attributes with their intersection', () => {
  // cell      rows (label,pred)           n  pos  pred  TP  FP
  // F,a       (1,1) (0,0)                 2   1    1    1   0
  // F,b       (1,0) (0,1)                 2   1    1    0   1
  // M,a       (1,1)                       1   1    1    1   0
  // M,b       (0,0) (0,0) (0,1)           3   0    1    0   1
  const res = run(['sex', 'eth'], [
    { groups: ['F', 'a'], label: '1', pred: '1' },
    { groups: ['F', 'a'], label: '0', pred: '0' },
    { groups: ['F', 'b'], label: '1', pred: '0' },
    { groups: ['F', 'b'], label: '0', pred: '1' },
    { groups: ['M', 'a'], label: '1', pred: '1' },
    { groups: ['M', 'b'], label: '0', pred: '0' },
    { groups: ['M', 'b'], label: '0', pred: '0' },
    { groups: ['M', 'b'], label: '0', pred: '1' },
  ]);

  it('lists each attribute, then the intersection, groups in code-unit order', () => {
    expect(res.attributes.map((a) => a.attribute)).toEqual(['sex', 'eth', 'sex×eth']);
    expect(res.groups.map((g) => `${g.attribute}=${g.value}`)).toEqual([
      'sex=F', 'sex=M', 'eth=a', 'eth=b', 'sex×eth=F×a', 'sex×eth=F×b', 'sex×eth=M×a', 'sex×eth=M×b',
    ]);
  });

  it('sex: marginals over eth', () => {
    // F = F,a + F,b: n 4, pos 2, pred 2, TP 1, FP 1 -> sel 1/2, TPR 1/2, FPR 1/2
    expect(group(res, 'sex', 'F')).toMatchObject({ n: 4, positives: 2, predictedPositive: 2, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 });
    // M = M,a + M,b: n 4, pos 1, pred 2, TP 1, FP 1 (3 negatives) -> sel 1/2, TPR 1, FPR 1/3
    const m = group(res, 'sex', 'M');
    expect(m).toMatchObject({ n: 4, positives: 1, predictedPositive: 2, selectionRate: 0.5, tpr: 1 });
    expect(m.fpr).toBeCloseTo(1 / 3, 12);
    const a = attr(res, 'sex');
    // DPD 0.5 - 0.5 = 0, ratio 1; TPR spread 1 - 1/2 = 1/2, FPR spread 1/2 - 1/3 = 1/6 -> EOD 1/2
    expect(a.demographicParityDifference).toBe(0);
    expect(a.demographicParityRatio).toBe(1);
    expect(a.equalizedOddsDifference).toBe(0.5);
    expect(a.fourFifthsViolations).toEqual([]);
  });

  it('eth: marginals over sex, with a four-fifths violation', () => {
    // a = F,a + M,a: n 3, pos 2, pred 2, TP 2, FP 0 (1 negative) -> sel 2/3, TPR 1, FPR 0
    // b = F,b + M,b: n 5, pos 1, pred 2, TP 0, FP 2 (4 negatives) -> sel 2/5, TPR 0, FPR 1/2
    expect(group(res, 'eth', 'a')).toMatchObject({ n: 3, positives: 2, predictedPositive: 2, tpr: 1, fpr: 0 });
    expect(group(res, 'eth', 'b')).toMatchObject({ n: 5, positives: 1, predictedPositive: 2, selectionRate: 0.4, tpr: 0, fpr: 0.5 });
    const a = attr(res, 'eth');
    // DPD 2/3 - 2/5 = 4/15; ratio (2/5)/(2/3) = 3/5; EOD max(1 - 0, 1/2 - 0) = 1
    expect(a.demographicParityDifference).toBeCloseTo(4 / 15, 12);
    expect(a.demographicParityRatio).toBeCloseTo(0.6, 12);
    expect(a.equalizedOddsDifference).toBe(1);
    // b's impact ratio 3/5 < 4/5
    expect(a.fourFifthsViolations).toHaveLength(1);
    expect(a.fourFifthsViolations[0]).toMatchObject({ attribute: 'eth', value: 'b', selectionRate: 0.4 });
    expect(a.fourFifthsViolations[0]?.impactRatio).toBeCloseTo(0.6, 12);
  });

  it('intersection: cells as groups, nulls where a cell lacks positives or negatives', () => {
    // F×a sel 1/2 TPR 1 FPR 0; F×b sel 1/2 TPR 0 FPR 1; M×a sel 1 TPR 1 FPR null (no negatives);
    // M×b sel 1/3 TPR null (no positives) FPR 1/3
    expect(group(res, 'sex×eth', 'F×a')).toMatchObject({ selectionRate: 0.5, tpr: 1, fpr: 0 });
    expect(group(res, 'sex×eth', 'F×b')).toMatchObject({ selectionRate: 0.5, tpr: 0, fpr: 1 });
    expect(group(res, 'sex×eth', 'M×a')).toMatchObject({ selectionRate: 1, tpr: 1, fpr: null });
    const mb = group(res, 'sex×eth', 'M×b');
    expect(mb.tpr).toBeNull();
    expect(mb.fpr).toBeCloseTo(1 / 3, 12);
    const x = attr(res, 'sex×eth');
    // DPD 1 - 1/3 = 2/3; ratio 1/3; TPR spread 1 - 0 = 1 (null skipped), FPR spread 1 - 0 = 1 -> 1
    expect(x.demographicParityDifference).toBeCloseTo(2 / 3, 12);
    expect(x.demographicParityRatio).toBeCloseTo(1 / 3, 12);
    expect(x.equalizedOddsDifference).toBe(1);
    // against the top rate 1: F×a 0.5, F×b 0.5, M×b 1/3 all fall below 0.8
    expect(x.fourFifthsViolations.map((v) => [v.value, v.impactRatio])).toEqual([
      ['F×a', 0.5], ['F×b', 0.5], ['M×b', 1 / 3],
    ]);
    expect(x.warnings).toContain('sex×eth=M×b: no actual positives; TPR undefined and left out of equalized odds');
    expect(x.warnings).toContain('sex×eth=M×a: no actual negatives; FPR undefined and left out of equalized odds');
  });

  it('top level takes the largest over attributes and gathers every violation', () => {
    // DPD max(0, 4/15, 2/3) = 2/3; EOD max(1/2, 1, 1) = 1
    expect(res.demographicParityDifference).toBeCloseTo(2 / 3, 12);
    expect(res.equalizedOddsDifference).toBe(1);
    expect(res.fourFifthsViolations.map((v) => `${v.attribute}=${v.value}`)).toEqual([
      'eth=b', 'sex×eth=F×a', 'sex×eth=F×b', 'sex×eth=M×b',
    ]);
  });
});

describe('BiasAccumulator, edge cases', () => {
  it('a group with no actual positives has TPR null and is left out of the TPR spread', () => {
    // A: 40 rows, 20 (1,1) + 20 (0,0)       -> sel 20/40 = 1/2, TPR 1, FPR 0
    // B: 40 rows, 10 (0,1) + 30 (0,0)       -> sel 10/40 = 1/4, TPR null, FPR 10/40 = 1/4
    const res = run(['grp'], [
      ...rows(['A'], 20, '1', '1'), ...rows(['A'], 20, '0', '0'),
      ...rows(['B'], 10, '0', '1'), ...rows(['B'], 30, '0', '0'),
    ]);
    expect(group(res, 'grp', 'B')).toEqual({
      attribute: 'grp', value: 'B', n: 40, positives: 0, predictedPositive: 10,
      selectionRate: 0.25, tpr: null, fpr: 0.25, smallSample: false,
    });
    // TPR spread over {1} = 0; FPR spread 1/4 - 0 = 1/4 -> EOD 1/4
    expect(res.equalizedOddsDifference).toBe(0.25);
    expect(res.warnings).toEqual(['grp=B: no actual positives; TPR undefined and left out of equalized odds']);
  });

  it('all-equal rates: differences 0, ratio 1, no violations', () => {
    // each group: 30 rows = 10 (1,1) + 5 (1,0) + 5 (0,1) + 10 (0,0)
    // -> sel 15/30 = 1/2, TPR 10/15 = 2/3, FPR 5/15 = 1/3 in every group
    const data = ['x', 'y', 'z'].flatMap((g) => [
      ...rows([g], 10, 'yes', 'yes'), ...rows([g], 5, 'yes', 'no'),
      ...rows([g], 5, 'no', 'yes'), ...rows([g], 10, 'no', 'no'),
    ]);
    const res = run(['grp'], data, 'yes');
    expect(res.demographicParityDifference).toBe(0);
    expect(res.attributes[0]?.demographicParityRatio).toBe(1);
    expect(res.equalizedOddsDifference).toBe(0);
    expect(res.fourFifthsViolations).toEqual([]);
    expect(res.warnings).toEqual([]);
  });

  it('a clear four-fifths violation', () => {
    // men: 48 of 80 selected = 0.6; women: 12 of 40 selected = 0.3
    // impact ratio 0.3 / 0.6 = 0.5 < 0.8; DPD 0.3; ratio 0.5
    const res = run(['sex'], [
      ...rows(['men'], 48, '1', '1'), ...rows(['men'], 32, '0', '0'),
      ...rows(['women'], 12, '1', '1'), ...rows(['women'], 28, '1', '0'),
    ]);
    expect(res.fourFifthsViolations).toEqual([
      { attribute: 'sex', value: 'women', selectionRate: 0.3, impactRatio: 0.5 },
    ]);
    expect(res.demographicParityDifference).toBe(0.3);
    expect(res.attributes[0]?.demographicParityRatio).toBe(0.5);
    // TPR: men 48/48 = 1, women 12/40 = 0.3 -> spread 0.7; FPR: men 0/32 = 0, women none -> 0
    expect(res.equalizedOddsDifference).toBeCloseTo(0.7, 12);
  });

  it('no one selected: ratio null, no violations', () => {
    const res = run(['sex'], [...rows(['F'], 3, '1', '0'), ...rows(['M'], 3, '0', '0')]);
    expect(res.demographicParityDifference).toBe(0);
    expect(res.attributes[0]?.demographicParityRatio).toBeNull();
    expect(res.fourFifthsViolations).toEqual([]);
  });

  it('flags groups below the small-sample threshold (29 flagged, 30 not)', () => {
    expect(SMALL_SAMPLE_THRESHOLD).toBe(30);
    const res = run(['grp'], [
      ...rows(['small'], 15, '1', '1'), ...rows(['small'], 14, '0', '0'),
      ...rows(['large'], 15, '1', '1'), ...rows(['large'], 15, '0', '0'),
    ]);
    expect(group(res, 'grp', 'small').smallSample).toBe(true);
    expect(group(res, 'grp', 'large').smallSample).toBe(false);
    expect(res.warnings).toEqual(['grp=small: n=29 is below 30; its rates are unstable']);
  });
});

describe('BiasAccumulator, input validation', () => {
  function thrown(fn: () => unknown): InputError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('INPUT_INVALID');
      return e as InputError;
    }
    throw new Error('expected an InputError');
  }

  it('rejects a row with the wrong number of group values', () => {
    const acc = new BiasAccumulator({ groups: ['sex', 'eth'], positive: '1' });
    const e = thrown(() => acc.add({ groups: ['F'], label: '1', pred: '1' }));
    expect(e.message).toBe(
      'bias: expected 2 group value(s) (sex, eth), got 1; pass one value per attribute in that order',
    );
    expect(e.data).toMatchObject({ expected: 2 });
  });

  it('rejects an empty positive value', () => {
    const e = thrown(() => new BiasAccumulator({ groups: ['sex'], positive: '' }));
    expect(e.message).toBe(
      'bias: positive must be the non-empty label value that counts as positive, e.g. "1" or "approved"',
    );
  });

  it('rejects no attributes, duplicate attributes, and result() before any row', () => {
    expect(thrown(() => new BiasAccumulator({ groups: [], positive: '1' })).message).toBe(
      'bias: groups must list one or more protected-attribute column names',
    );
    expect(thrown(() => new BiasAccumulator({ groups: ['sex', 'sex'], positive: '1' })).message).toBe(
      'bias: group column names must be distinct, got ["sex","sex"]',
    );
    expect(thrown(() => new BiasAccumulator({ groups: ['sex'], positive: '1' }).result()).message).toBe(
      'bias: no rows were added; call add() for each row before result()',
    );
  });
});
