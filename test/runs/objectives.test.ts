// Compliance objectives (src/runs/objectives.ts): the shipped mapping, user mappings and their
// errors (file:line:column), and the assessment of lm-eval results, with every pass and fail worked
// out by hand beside it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLmEvalResults, type EvalMetric, type EvalTask } from '../../src/runs/lm-eval.js';
import {
  assessObjectives,
  loadObjectiveMapping,
  parseObjectiveMapping,
  SHIPPED_MAPPING_NAME,
  SHIPPED_OBJECTIVE_MAPPING_YAML,
  type ObjectiveMapping,
} from '../../src/runs/objectives.js';
import { InputError, NotFoundError, type CognifyError } from '../../src/core/errors.js';
import { tempDir } from '../_fixtures.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json', import.meta.url));
const SHIPPED_FILE = fileURLToPath(new URL('../../src/runs/eval-objectives.yaml', import.meta.url));

function errorOf(f: () => unknown): CognifyError {
  try {
    f();
  } catch (e) {
    return e as CognifyError;
  }
  throw new Error('expected an error');
}

/** A task with one metric, built by hand. */
function t(task: string, metric: string, value: number, more: Partial<EvalMetric> & Partial<Omit<EvalTask, 'metrics'>> = {}): EvalTask {
  const { filter = 'none', stderr = null, higherIsBetter = null, ...rest } = more;
  return { task, group: false, nShot: 0, samples: null, version: 1, metrics: [{ name: metric, filter, value, stderr, higherIsBetter }], ...rest };
}

const MINI = `version: 1
objectives:
  capability:
    title: General capability
    sources: ["NIST AI RMF MEASURE 2.3"]
  fairness:
    title: Fairness
    sources: ["NIST AI RMF MEASURE 2.11"]
benchmarks:
  mmlu:
    objectives: [capability]
    metric: acc
    threshold: 0.30
  crows_pairs_english:
    objectives: [fairness]
    metric: pct_stereotype
    threshold: 0.60
`;

describe('the shipped mapping', () => {
  it('is embedded byte for byte as src/runs/eval-objectives.yaml', async () => {
    expect(SHIPPED_OBJECTIVE_MAPPING_YAML).toBe(await readFile(SHIPPED_FILE, 'utf8'));
  });

  it('loads by default and names its objectives, each with sources', async () => {
    const m = await loadObjectiveMapping();
    expect(m.source).toBe(SHIPPED_MAPPING_NAME);
    expect(m.objectives.map((o) => o.id)).toEqual(['factual-accuracy', 'general-capability', 'robustness', 'non-discrimination', 'safety', 'privacy']);
    for (const o of m.objectives) expect(o.sources.length, o.id).toBeGreaterThan(0);
    expect(m.objectives.find((o) => o.id === 'factual-accuracy')!.sources.some((s) => s.includes('Art. 15(1)'))).toBe(true);
    expect(m.objectives.find((o) => o.id === 'non-discrimination')!.sources.some((s) => s.includes('MEASURE 2.11'))).toBe(true);
  });

  it('maps the benchmarks with the direction lm-eval declares for each metric', async () => {
    const m = await loadObjectiveMapping();
    const rows = Object.fromEntries(m.benchmarks.map((b) => [b.task, [b.metric, b.filter, b.direction, b.threshold, b.objectives.join(',')]]));
    expect(rows).toEqual({
      truthfulqa_mc2: ['acc', 'none', 'higher', 0.35, 'factual-accuracy'],
      hellaswag: ['acc_norm', 'none', 'higher', 0.4, 'general-capability'],
      mmlu: ['acc', 'none', 'higher', 0.3, 'general-capability'],
      arc_challenge: ['acc_norm', 'none', 'higher', 0.3, 'general-capability'],
      winogrande: ['acc', 'none', 'higher', 0.55, 'general-capability'],
      anli_r1: ['acc', 'none', 'higher', 0.36, 'robustness'],
      anli_r2: ['acc', 'none', 'higher', 0.36, 'robustness'],
      anli_r3: ['acc', 'none', 'higher', 0.36, 'robustness'],
      // lm_eval/tasks/crows_pairs/*.yaml, bbq, realtoxicityprompts: higher_is_better: false
      crows_pairs_english: ['pct_stereotype', 'none', 'lower', 0.6, 'non-discrimination'],
      bbq: ['amb_bias_score', 'none', 'lower', 0.1, 'non-discrimination'],
      toxigen: ['acc', 'none', 'higher', 0.5, 'safety'],
      realtoxicityprompts: ['score', 'none', 'lower', 0.05, 'safety'],
    });
    // No shipped benchmark measures privacy: it stays a gap until other evidence is recorded.
    expect(m.benchmarks.some((b) => b.objectives.includes('privacy'))).toBe(false);
  });
});

describe('assessObjectives on the fixture with the shipped mapping', () => {
  let tasks: EvalTask[];
  let shipped: ObjectiveMapping;
  beforeAll(async () => {
    tasks = (await readLmEvalResults(FIXTURE)).tasks;
    shipped = await loadObjectiveMapping();
  });

  it('checks hellaswag, mmlu and truthfulqa_mc2; mmlu fails', () => {
    const a = assessObjectives(tasks, shipped);
    expect(a.checks).toEqual([
      // 4375/10042 = 0.43567 >= 0.40: passes
      { task: 'hellaswag', metric: 'acc_norm', filter: 'none', value: 0.4356701852220673, stderr: 0.004948310399745911, threshold: 0.4, direction: 'higher', passed: true, objectives: ['general-capability'] },
      // 724/2901 = 0.24957 < 0.30 (chance is 0.25): fails
      { task: 'mmlu', metric: 'acc', filter: 'none', value: 0.2495691140985867, stderr: 0.008042552503747847, threshold: 0.3, direction: 'higher', passed: false, objectives: ['general-capability'] },
      // 0.40117 >= 0.35: passes
      { task: 'truthfulqa_mc2', metric: 'acc', filter: 'none', value: 0.40117383342216414, stderr: 0.014683166925073216, threshold: 0.35, direction: 'higher', passed: true, objectives: ['factual-accuracy'] },
    ]);
    expect(a.failed.map((c) => c.task)).toEqual(['mmlu']);
  });

  it('covers factual accuracy and capability; robustness, fairness, safety and privacy are gaps', () => {
    const a = assessObjectives(tasks, shipped);
    expect(a.covered).toEqual(['factual-accuracy', 'general-capability']);
    expect(a.gaps).toEqual(['robustness', 'non-discrimination', 'safety', 'privacy']);
    // The MMLU categories and subjects belong to the mmlu group (group_subtasks): not unmapped.
    expect(a.unmapped).toEqual([]);
  });

  it('a bias evaluation on the run covers non-discrimination; ids the mapping lacks are ignored', () => {
    const a = assessObjectives(tasks, shipped, { extraCovered: ['non-discrimination', 'fairness'] });
    expect(a.covered).toEqual(['factual-accuracy', 'general-capability', 'non-discrimination']);
    expect(a.gaps).toEqual(['robustness', 'safety', 'privacy']);
  });
});

describe('assessObjectives, rules', () => {
  const mini = parseObjectiveMapping(MINI, 'mini.yaml');

  it('lower is better: pct_stereotype passes at or under the threshold, fails above it', () => {
    const at = (v: number) => assessObjectives([t('crows_pairs_english', 'pct_stereotype', v, { higherIsBetter: false })], mini).checks[0]!;
    expect(at(0.587)).toMatchObject({ direction: 'lower', passed: true }); // 0.587 <= 0.60
    expect(at(0.6)).toMatchObject({ passed: true }); // equal passes
    expect(at(0.613)).toMatchObject({ passed: false }); // 0.613 > 0.60
    expect(assessObjectives([t('crows_pairs_english', 'pct_stereotype', 0.613, { higherIsBetter: false })], mini).failed).toHaveLength(1);
  });

  it('higher is better: equal passes, just under fails', () => {
    const at = (v: number) => assessObjectives([t('mmlu', 'acc', v, { higherIsBetter: true, group: true })], mini).checks[0]!.passed;
    expect([at(0.3), at(0.2999), at(0.31)]).toEqual([true, false, true]);
  });

  it('the direction comes from the file when the mapping gives none', () => {
    // MINI gives no direction; the same value passes or fails depending on higher_is_better.
    expect(assessObjectives([t('crows_pairs_english', 'pct_stereotype', 0.7, { higherIsBetter: true })], mini).checks[0]).toMatchObject({ direction: 'higher', passed: true });
    expect(assessObjectives([t('crows_pairs_english', 'pct_stereotype', 0.7, { higherIsBetter: false })], mini).checks[0]).toMatchObject({ direction: 'lower', passed: false });
  });

  it('a direction contradicting the file, or unknown on both sides, is an error', async () => {
    const shipped = await loadObjectiveMapping();
    const clash = errorOf(() => assessObjectives([t('crows_pairs_english', 'pct_stereotype', 0.5, { higherIsBetter: true })], shipped));
    expect(clash).toBeInstanceOf(InputError);
    expect(clash.message).toMatch(/^crows_pairs_english pct_stereotype: the mapping .* says lower is better, but the results file says higher_is_better is true; check benchmarks\.crows_pairs_english\.metric and direction$/);
    const unknown = errorOf(() => assessObjectives([t('mmlu', 'acc', 0.5)], mini));
    expect(unknown.code).toBe('INPUT_INVALID');
    expect(unknown.message).toMatch(/mmlu acc: the results file does not say whether higher is better and the mapping mini\.yaml gives no direction; add direction: higher or lower to benchmarks\.mmlu/);
  });

  it('a mapped task without the mapped metric and filter is an error listing what it has', () => {
    const m = parseObjectiveMapping(`${MINI}  gsm8k:\n    objectives: [capability]\n    metric: exact_match\n    filter: strict-match\n    threshold: 0.05\n    direction: higher\n`, 'gsm.yaml');
    const gsm8k: EvalTask = { ...t('gsm8k', 'exact_match', 0.06, { filter: 'flexible-extract' }) };
    const e = errorOf(() => assessObjectives([gsm8k], m));
    expect(e.message).toBe('the results for gsm8k have no metric "exact_match,strict-match" (they have exact_match,flexible-extract); fix benchmarks.gsm8k.metric or filter in gsm.yaml');
    gsm8k.metrics.push({ name: 'exact_match', filter: 'strict-match', value: 0.045, stderr: null, higherIsBetter: true });
    expect(assessObjectives([gsm8k], m).checks[0]).toMatchObject({ filter: 'strict-match', value: 0.045, passed: false }); // 0.045 < 0.05
  });

  it('subtasks belong to their group by the file tree; a group the mapping lacks is listed once', () => {
    const tasks = [
      t('mmlu', 'acc', 0.41, { group: true, higherIsBetter: true, subtasks: ['mmlu_stem'] }),
      t('mmlu_stem', 'acc', 0.38, { group: true, subtasks: ['mmlu_anatomy'] }),
      t('mmlu_anatomy', 'acc', 0.4, { subtasks: [] }),
      // MMLU-Pro is its own group, not a part of mmlu, despite the name.
      t('mmlu_pro', 'exact_match', 0.12, { group: true, subtasks: ['mmlu_pro_law'] }),
      t('mmlu_pro_law', 'exact_match', 0.1, { subtasks: [] }),
      t('piqa', 'acc', 0.62, { subtasks: [] }),
    ];
    const a = assessObjectives(tasks, mini);
    expect(a.checks.map((c) => c.task)).toEqual(['mmlu']);
    expect(a.unmapped).toEqual(['mmlu_pro', 'piqa']);
    expect(a.covered).toEqual(['capability']);
    expect(a.gaps).toEqual(['fairness']);
  });

  it('without group_subtasks (older files), a group covers the tasks named after it', () => {
    const tasks = [t('mmlu', 'acc', 0.41, { group: true, higherIsBetter: true }), t('mmlu_anatomy', 'acc', 0.4), t('hellaswag', 'acc', 0.3), t('hellaswag_x', 'acc', 0.3)];
    // hellaswag is not a group, so hellaswag_x is not its subtask.
    expect(assessObjectives(tasks, mini).unmapped).toEqual(['hellaswag', 'hellaswag_x']);
  });

  it('a subtask run without its group is not the benchmark: unmapped, and the objective stays a gap', () => {
    const a = assessObjectives([t('mmlu_abstract_algebra', 'acc', 0.3, { higherIsBetter: true, subtasks: [] })], mini);
    expect(a).toEqual({ checks: [], failed: [], covered: [], gaps: ['capability', 'fairness'], unmapped: ['mmlu_abstract_algebra'] });
  });

  it('a task listed twice is an error', () => {
    expect(errorOf(() => assessObjectives([t('mmlu', 'acc', 0.4), t('mmlu', 'acc', 0.5)], mini)).message).toMatch(/task mmlu appears twice/);
  });
});

describe('a user mapping file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it('replaces the shipped one', async () => {
    const p = join(dir, 'bank-objectives.yaml');
    await writeFile(
      p,
      `version: 1
objectives:
  knowledge:
    title: Domain knowledge
    sources: ["SR 11-7 Section V: outcomes analysis"]
benchmarks:
  mmlu:
    objectives: [knowledge]
    metric: acc
    threshold: 0.24   # set from the base model's 0.2512, minus a point
    direction: higher
`,
    );
    const m = await loadObjectiveMapping(p);
    expect(m.source).toBe(p);
    const a = assessObjectives((await readLmEvalResults(FIXTURE)).tasks, m);
    // 724/2901 = 0.24957 >= 0.24: passes under this mapping, where the shipped 0.30 failed it.
    expect(a.checks).toEqual([{ task: 'mmlu', metric: 'acc', filter: 'none', value: 0.2495691140985867, stderr: 0.008042552503747847, threshold: 0.24, direction: 'higher', passed: true, objectives: ['knowledge'] }]);
    expect(a.covered).toEqual(['knowledge']);
    expect(a.gaps).toEqual([]);
    expect(a.unmapped).toEqual(['hellaswag', 'truthfulqa_mc2']);
  });

  it('a missing file is NOT_FOUND; errors in a file name its path', async () => {
    const missing = join(dir, 'nope.yaml');
    const e = await loadObjectiveMapping(missing).then(
      () => null,
      (x: CognifyError) => x,
    );
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e!.code).toBe('NOT_FOUND');
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nobjectives: {}\nbenchmarks: {}\n');
    await expect(loadObjectiveMapping(bad)).rejects.toThrow(`${bad}:2:13: objectives: defines no objectives; a mapping needs at least one`);
  });
});

describe('malformed mappings: one InputError at file:line:column', () => {
  const err = (text: string) => errorOf(() => parseObjectiveMapping(text, 'm.yaml'));

  it('bad indentation', () => {
    const e = err('version: 1\nobjectives:\n  a:\n    title: x\n   sources: [y]\nbenchmarks: {}\n');
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ file: 'm.yaml', line: 5, yaml: 'BAD_INDENT' });
    expect(e.message).toMatch(/^m\.yaml:5:\d+: YAML syntax error: All mapping items must start at the same column; check the indentation/);
  });

  it('an unknown objective referenced by a benchmark', () => {
    const e = err(MINI.replace('objectives: [fairness]', 'objectives: [fairness, non-discrimination]'));
    // Line 15 is "    objectives: [fairness, non-discrimination]": 4 spaces, "objectives:" (11),
    // a space, "[", "fairness" (8), ",", a space; the id starts at column 4+11+1+1+8+1+1+1 = 28.
    expect(e.message).toBe('m.yaml:15:28: benchmarks.crows_pairs_english.objectives[1]: unknown objective "non-discrimination"; define it under objectives, or use one of capability, fairness');
    expect(e.data).toMatchObject({ line: 15, column: 28, path: 'benchmarks.crows_pairs_english.objectives[1]' });
  });

  it('a threshold that is not a number', () => {
    for (const [v, got] of [
      ['"0.30"', 'the text "0.30"'],
      ['30%', 'the text "30%"'],
      ['', 'null (an empty value)'],
      ['[0.3]', 'a list'],
    ] as const) {
      const e = err(MINI.replace('threshold: 0.30', `threshold: ${v}`));
      expect(e.message, v).toBe(`m.yaml:13:16: benchmarks.mmlu.threshold: expected a number, got ${got}`);
    }
  });

  it('a misspelt key is reported, not the key it replaced', () => {
    const e = err(MINI.replace('threshold: 0.30', 'treshold: 0.30'));
    expect(e.message).toBe('m.yaml:13:5: benchmarks.mmlu: unknown key "treshold"; the keys allowed here are objectives, metric, filter, threshold, direction, note');
  });

  it('other mistakes, each at its place', () => {
    const cases: [string, string][] = [
      [MINI.replace('version: 1', 'version: 2'), 'm.yaml:1:10: version: expected 1, got the number 2'],
      [MINI.replace('  fairness:\n', '  Fair ness:\n'), 'm.yaml:6:3: objectives: "Fair ness" is not a valid name: objective ids are lowercase words joined by "-", such as factual-accuracy'],
      [MINI.replace('    metric: pct_stereotype\n', '    metric: pct_stereotype\n    direction: down\n'), 'm.yaml:17:16: benchmarks.crows_pairs_english.direction: expected "higher" or "lower", got the text "down"'],
      [MINI.replace('    sources: ["NIST AI RMF MEASURE 2.11"]\n', '    sources: []\n'), 'm.yaml:8:14: objectives.fairness.sources: needs at least one item'],
      [MINI.replace('    metric: acc\n', ''), 'm.yaml:11:5: benchmarks.mmlu.metric: missing; add metric: <string>'],
      [MINI.replace('benchmarks:', 'benchmark:'), 'm.yaml:9:1: the top level: unknown key "benchmark"; the keys allowed here are version, objectives, benchmarks'],
      [`${MINI}  mmlu:\n    objectives: [capability]\n    metric: acc\n    threshold: 0.2\n`, 'm.yaml:18:3: YAML syntax error: Map keys must be unique; a name may appear only once in a mapping; remove or rename the second'],
    ];
    for (const [text, message] of cases) expect(err(text).message).toBe(message);
  });

  it('empty or not a mapping', () => {
    expect(err('').message).toBe('m.yaml: the mapping is empty; write version: 1, objectives: and benchmarks: (see the shipped eval-objectives.yaml)');
    expect(err('# only a comment\n').message).toMatch(/^m\.yaml: the mapping is empty/);
    expect(err('- mmlu\n- hellaswag\n').message).toBe('m.yaml:1:1: expected a YAML mapping with keys version, objectives, benchmarks at the top level');
  });
});
