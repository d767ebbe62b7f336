// Fairness metrics over (label, prediction) rows, accumulated one row at a time.
//
// Definitions follow fairlearn (fairlearn.metrics), so numbers recorded here can be checked
// against it. For one attribute A with groups g (rows binarised by `positive`):
//   selection_rate(g)             = predictedPositive(g) / n(g)
//   TPR(g)                        = TP(g) / actualPositives(g)
//   FPR(g)                        = FP(g) / actualNegatives(g)
//   demographic_parity_difference = max_g selection_rate(g) - min_g selection_rate(g)
//   demographic_parity_ratio      = min_g selection_rate(g) / max_g selection_rate(g)
//   equalized_odds_difference     = max( max_g TPR - min_g TPR, max_g FPR - min_g FPR )
//                                   (fairlearn's agg="worst_case", the default)
// Several sensitive features in fairlearn mean their intersection; we report each attribute on
// its own and, with 2+ attributes, the intersection ("sex×ethnicity"), whose groups are the
// value combinations seen. One deliberate difference: fairlearn scores TPR as 0 for a group with
// no actual positives (sklearn's zero_division); we report null and leave that group out of the
// TPR spread (likewise FPR), because a made-up 0 would manufacture a disparity.
//
// Four-fifths rule, 29 CFR 1607.4(D): a group whose selection rate is less than 4/5 of the
// highest group's rate is evidence of adverse impact; impact ratio = rate / highest rate.
//
// Memory: only one counter record per distinct combination of group values; per-attribute
// figures are marginals of those counters, computed in result().

import { InputError } from '../core/errors.js';

/** Groups smaller than this are flagged. 29 CFR 1607.4(D) itself warns that differences "based
 *  on small numbers" may not be significant; 30 is the usual floor for treating a binomial rate
 *  as roughly normal, below which a single row moves the rate by more than 3 points. */
export const SMALL_SAMPLE_THRESHOLD = 30;
/** 29 CFR 1607.4(D): the four-fifths (80%) rule. */
export const FOUR_FIFTHS = 0.8;
/** Joins attribute names and values of an intersection: "sex×ethnicity", "F×hispanic". */
export const INTERSECTION_SEPARATOR = '×';

export interface BiasOptions {
  /** Protected-attribute column names, one or more, in the order row values are given. */
  groups: string[];
  /** The label / prediction value that counts as positive; every other value is negative. */
  positive: string;
}

export interface BiasRow {
  /** Group values, same order as BiasOptions.groups. */
  groups: string[];
  label: string;
  pred: string;
}

export interface GroupStats {
  attribute: string;
  value: string;
  n: number;
  /** Rows whose label is positive (actual positives). */
  positives: number;
  predictedPositive: number;
  selectionRate: number;
  /** TP / actual positives; null when the group has no actual positives. */
  tpr: number | null;
  /** FP / actual negatives; null when the group has no actual negatives. */
  fpr: number | null;
  smallSample: boolean;
}

export interface FourFifthsViolation {
  attribute: string;
  value: string;
  selectionRate: number;
  /** selectionRate / highest selection rate of the attribute; below FOUR_FIFTHS. */
  impactRatio: number;
}

export interface AttributeResult {
  attribute: string;
  groups: GroupStats[];
  demographicParityDifference: number;
  /** null when every group's selection rate is 0. */
  demographicParityRatio: number | null;
  /** null when no group has a TPR or an FPR. */
  equalizedOddsDifference: number | null;
  fourFifthsViolations: FourFifthsViolation[];
  warnings: string[];
}

export interface BiasResult {
  /** Every group of every attribute, then of the intersection. */
  groups: GroupStats[];
  attributes: AttributeResult[];
  /** Largest over the attributes (and the intersection). */
  demographicParityDifference: number;
  /** Largest over the attributes; null when none is computable. */
  equalizedOddsDifference: number | null;
  fourFifthsViolations: FourFifthsViolation[];
  warnings: string[];
}

interface _Counts {
  values: string[];
  n: number;
  positives: number;
  predictedPositive: number;
  tp: number;
  fp: number;
}

export class BiasAccumulator {
  readonly #attributes: string[];
  readonly #positive: string;
  readonly #cells = new Map<string, _Counts>();

  constructor(opts: BiasOptions) {
    const groups: unknown = opts?.groups;
    if (!Array.isArray(groups) || groups.length === 0) {
      throw new InputError(
        'INPUT_INVALID',
        'bias: groups must list one or more protected-attribute column names',
        { groups },
      );
    }
    for (const g of groups) {
      if (typeof g !== 'string' || g === '') {
        throw new InputError(
          'INPUT_INVALID',
          `bias: group column names must be non-empty strings, got ${JSON.stringify(g)}`,
          { groups },
        );
      }
    }
    if (new Set(groups).size !== groups.length) {
      throw new InputError(
        'INPUT_INVALID',
        `bias: group column names must be distinct, got ${JSON.stringify(groups)}`,
        { groups },
      );
    }
    const positive: unknown = opts.positive;
    if (typeof positive !== 'string' || positive === '') {
      throw new InputError(
        'INPUT_INVALID',
        'bias: positive must be the non-empty label value that counts as positive, e.g. "1" or "approved"',
        { positive },
      );
    }
    this.#attributes = [...(groups as string[])];
    this.#positive = positive;
  }

  add(row: BiasRow): void {
    const values: unknown = row?.groups;
    const want = this.#attributes.length;
    if (!Array.isArray(values) || values.length !== want) {
      const got = Array.isArray(values) ? String(values.length) : typeof values;
      throw new InputError(
        'INPUT_INVALID',
        `bias: expected ${want} group value(s) (${this.#attributes.join(', ')}), got ${got}; pass one value per attribute in that order`,
        { expected: want, groups: values },
      );
    }
    for (const v of values) {
      if (typeof v !== 'string') {
        throw new InputError(
          'INPUT_INVALID',
          `bias: group values must be strings, got ${JSON.stringify(v)}; convert them before add()`,
          { groups: values },
        );
      }
    }
    if (typeof row.label !== 'string' || typeof row.pred !== 'string') {
      throw new InputError(
        'INPUT_INVALID',
        'bias: label and pred must be strings; convert them before add()',
        { label: row.label, pred: row.pred },
      );
    }
    const key = JSON.stringify(values);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = { values: [...(values as string[])], n: 0, positives: 0, predictedPositive: 0, tp: 0, fp: 0 };
      this.#cells.set(key, cell);
    }
    const actual = row.label === this.#positive;
    const predicted = row.pred === this.#positive;
    cell.n += 1;
    if (actual) cell.positives += 1;
    if (predicted) {
      cell.predictedPositive += 1;
      if (actual) cell.tp += 1;
      else cell.fp += 1;
    }
  }

  result(): BiasResult {
    if (this.#cells.size === 0) {
      throw new InputError('INPUT_INVALID', 'bias: no rows were added; call add() for each row before result()');
    }
    const cells = [...this.#cells.values()];
    const attributes: AttributeResult[] = this.#attributes.map((name, i) =>
      _summarise(name, _marginal(cells, (c) => c.values[i] as string)),
    );
    if (this.#attributes.length > 1) {
      attributes.push(
        _summarise(
          this.#attributes.join(INTERSECTION_SEPARATOR),
          _marginal(cells, (c) => c.values.join(INTERSECTION_SEPARATOR)),
        ),
      );
    }
    const eods = attributes.map((a) => a.equalizedOddsDifference).filter((x): x is number => x !== null);
    return {
      groups: attributes.flatMap((a) => a.groups),
      attributes,
      demographicParityDifference: Math.max(...attributes.map((a) => a.demographicParityDifference)),
      equalizedOddsDifference: eods.length === 0 ? null : Math.max(...eods),
      fourFifthsViolations: attributes.flatMap((a) => a.fourFifthsViolations),
      warnings: attributes.flatMap((a) => a.warnings),
    };
  }
}

/** Sum the counters of every cell that maps to the same group value. */
function _marginal(cells: _Counts[], valueOf: (c: _Counts) => string): Map<string, _Counts> {
  const out = new Map<string, _Counts>();
  for (const c of cells) {
    const v = valueOf(c);
    const m = out.get(v) ?? { values: [v], n: 0, positives: 0, predictedPositive: 0, tp: 0, fp: 0 };
    m.n += c.n;
    m.positives += c.positives;
    m.predictedPositive += c.predictedPositive;
    m.tp += c.tp;
    m.fp += c.fp;
    out.set(v, m);
  }
  return out;
}

function _summarise(attribute: string, marginals: Map<string, _Counts>): AttributeResult {
  // Code-unit order, not locale order, so results are identical on every machine.
  const values = [...marginals.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const groups: GroupStats[] = values.map((value) => {
    const c = marginals.get(value) as _Counts;
    const negatives = c.n - c.positives;
    return {
      attribute,
      value,
      n: c.n,
      positives: c.positives,
      predictedPositive: c.predictedPositive,
      selectionRate: c.predictedPositive / c.n,
      tpr: c.positives === 0 ? null : c.tp / c.positives,
      fpr: negatives === 0 ? null : c.fp / negatives,
      smallSample: c.n < SMALL_SAMPLE_THRESHOLD,
    };
  });

  const rates = groups.map((g) => g.selectionRate);
  const maxRate = Math.max(...rates);
  const minRate = Math.min(...rates);
  const tprSpread = _spread(groups.map((g) => g.tpr));
  const fprSpread = _spread(groups.map((g) => g.fpr));
  const spreads = [tprSpread, fprSpread].filter((x): x is number => x !== null);

  const fourFifthsViolations: FourFifthsViolation[] = [];
  if (maxRate > 0) {
    for (const g of groups) {
      const impactRatio = g.selectionRate / maxRate;
      if (impactRatio < FOUR_FIFTHS) {
        fourFifthsViolations.push({ attribute, value: g.value, selectionRate: g.selectionRate, impactRatio });
      }
    }
  }

  const warnings: string[] = [];
  for (const g of groups) {
    const at = `${attribute}=${g.value}`;
    if (g.smallSample) {
      warnings.push(`${at}: n=${g.n} is below ${SMALL_SAMPLE_THRESHOLD}; its rates are unstable`);
    }
    if (g.tpr === null) {
      warnings.push(`${at}: no actual positives; TPR undefined and left out of equalized odds`);
    }
    if (g.fpr === null) {
      warnings.push(`${at}: no actual negatives; FPR undefined and left out of equalized odds`);
    }
  }

  return {
    attribute,
    groups,
    demographicParityDifference: maxRate - minRate,
    demographicParityRatio: maxRate === 0 ? null : minRate / maxRate,
    equalizedOddsDifference: spreads.length === 0 ? null : Math.max(...spreads),
    fourFifthsViolations,
    warnings,
  };
}

/** max − min over the defined values; null when none is defined. */
function _spread(xs: (number | null)[]): number | null {
  const defined = xs.filter((x): x is number => x !== null);
  return defined.length === 0 ? null : Math.max(...defined) - Math.min(...defined);
}
