// lm-evaluation-harness results (src/runs/lm-eval.ts), read from the fixture in
// fixtures/runs/lm-eval/ (its README gives the counts behind every number) and from small
// hand-written files for each variant and each way a file can be wrong.
import { open, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESULTS_BYTES, parseLmEvalResults, readLmEvalResults, type EvalTask, type LmEvalResults } from '../../src/runs/lm-eval.js';
import { InputError, NotFoundError, type CognifyError } from '../../src/core/errors.js';
import { tempDir } from '../_fixtures.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json', import.meta.url));

/** sqrt(p(1-p)/(n-1)): lm-eval's mean_stderr (sample stddev, ddof 1, over sqrt n) for a 0/1 metric. */
const binomialStderr = (k: number, n: number) => Math.sqrt(((k / n) * (1 - k / n)) / (n - 1));

function task(r: LmEvalResults, name: string): EvalTask {
  const t = r.tasks.find((x) => x.task === name);
  if (!t) throw new Error(`no task ${name}`);
  return t;
}

function errorOf(f: () => unknown): CognifyError {
  try {
    f();
  } catch (e) {
    return e as CognifyError;
  }
  throw new Error('expected an error');
}

async function rejectionOf(p: Promise<unknown>): Promise<CognifyError> {
  try {
    await p;
  } catch (e) {
    return e as CognifyError;
  }
  throw new Error('expected a rejection');
}

describe('the fixture (SmolLM2-135M fine-tune: hellaswag, mmlu, truthfulqa_mc2)', () => {
  let r: LmEvalResults;
  beforeAll(async () => {
    r = await readLmEvalResults(FIXTURE);
  });

  it('reads the run metadata', () => {
    expect(r.file).toBe(FIXTURE);
    expect(r.harness).toBe('lm-evaluation-harness');
    expect(r.model).toBe('hf');
    // model_args is a dict in this file (recent lm-eval); written back as on the command line.
    expect(r.modelArgs).toBe('pretrained=out/smollm2-135m-support-chat/checkpoint-1200,dtype=float32');
    expect(r.gitHash).toBe('3f9c2d1');
    expect(r.date).toBe(1795182067.2614093);
    // The run started 1364 s before the file was saved at 14:03:51 (its name).
    expect(new Date(r.date! * 1000).toISOString()).toBe('2026-11-20T13:41:07.261Z');
  });

  it('lists every task of "results" in file order', () => {
    expect(r.tasks.map((t) => t.task)).toEqual([
      'hellaswag',
      'mmlu',
      'mmlu_humanities',
      'mmlu_formal_logic',
      'mmlu_professional_law',
      'mmlu_other',
      'mmlu_business_ethics',
      'mmlu_professional_accounting',
      'mmlu_social_sciences',
      'mmlu_econometrics',
      'mmlu_high_school_psychology',
      'mmlu_stem',
      'mmlu_abstract_algebra',
      'mmlu_college_computer_science',
      'truthfulqa_mc2',
    ]);
  });

  it('hellaswag: acc 4213/10042, acc_norm 4375/10042, each with its stderr', () => {
    const h = task(r, 'hellaswag');
    expect(h).toEqual({
      task: 'hellaswag',
      group: false,
      nShot: 0,
      samples: { original: 10042, effective: 10042 },
      version: 1,
      metrics: [
        { name: 'acc', filter: 'none', value: 0.4195379406492731, stderr: 0.00492474850063903, higherIsBetter: true },
        { name: 'acc_norm', filter: 'none', value: 0.4356701852220673, stderr: 0.004948310399745911, higherIsBetter: true },
      ],
      subtasks: [],
    });
    expect(h.metrics[0]!.value).toBeCloseTo(4213 / 10042, 15);
    expect(h.metrics[1]!.value).toBeCloseTo(4375 / 10042, 15);
    expect(h.metrics[0]!.stderr).toBeCloseTo(binomialStderr(4213, 10042), 15);
    expect(h.metrics[1]!.stderr).toBeCloseTo(binomialStderr(4375, 10042), 15);
  });

  it('mmlu: a group with its aggregate, no n-shot or n-samples of its own, version 2', () => {
    const m = task(r, 'mmlu');
    expect(m).toMatchObject({ group: true, nShot: null, samples: null, version: 2, subtasks: ['mmlu_stem', 'mmlu_other', 'mmlu_social_sciences', 'mmlu_humanities'] });
    expect(m.metrics).toEqual([{ name: 'acc', filter: 'none', value: 0.2495691140985867, stderr: 0.008042552503747847, higherIsBetter: true }]);
    // 22+27+29+68+27+141+34+376 = 724 right of 100+100+100+282+114+545+126+1534 = 2901.
    expect(m.metrics[0]!.value).toBeCloseTo(724 / 2901, 15);
    expect(task(r, 'mmlu_humanities')).toMatchObject({ group: true, version: 2, subtasks: ['mmlu_formal_logic', 'mmlu_professional_law'] });
    expect(task(r, 'mmlu_humanities').metrics[0]!.value).toBeCloseTo((34 + 376) / (126 + 1534), 15);
  });

  it('an MMLU subject: a plain task, 0-shot, its own sample count', () => {
    const law = task(r, 'mmlu_professional_law');
    expect(law).toEqual({
      task: 'mmlu_professional_law',
      group: false,
      nShot: 0,
      samples: { original: 1534, effective: 1534 },
      version: 1,
      metrics: [{ name: 'acc', filter: 'none', value: 376 / 1534, stderr: binomialStderr(376, 1534), higherIsBetter: true }],
      // Subjects are not keys of group_subtasks; the file has that section, so the list is known empty.
      subtasks: [],
    });
    expect(task(r, 'mmlu_abstract_algebra').metrics[0]).toMatchObject({ value: 0.22, stderr: binomialStderr(22, 100) });
  });

  it('truthfulqa_mc2: a mean of probabilities, not a count; version 3; 817 questions', () => {
    expect(task(r, 'truthfulqa_mc2')).toEqual({
      task: 'truthfulqa_mc2',
      group: false,
      nShot: 0,
      samples: { original: 817, effective: 817 },
      version: 3,
      metrics: [{ name: 'acc', filter: 'none', value: 0.40117383342216414, stderr: 0.014683166925073216, higherIsBetter: true }],
      subtasks: [],
    });
  });

  it('the fixture is consistent: each group is the size-weighted mean of its subjects (lm-eval weight_by_size)', () => {
    for (const g of r.tasks.filter((t) => t.group)) {
      const leaves: EvalTask[] = [];
      const walk = (t: EvalTask) => (t.subtasks!.length ? t.subtasks!.forEach((s) => walk(task(r, s))) : leaves.push(t));
      walk(g);
      const n = leaves.reduce((a, t) => a + t.samples!.effective, 0);
      const mean = leaves.reduce((a, t) => a + t.metrics[0]!.value * t.samples!.effective, 0) / n;
      expect(g.metrics[0]!.value, g.task).toBeCloseTo(mean, 14);
    }
  });
});

/** A minimal results file around `results`, with `extra` top-level keys. */
function file(results: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ results, ...extra }, null, 2);
}

describe('parseLmEvalResults, variants lm-eval writes', () => {
  it('stderr "N/A" and a missing stderr are null; no higher_is_better is null', () => {
    const r = parseLmEvalResults(file({ arc_easy: { 'acc,none': 0.3, 'acc_stderr,none': 'N/A', 'acc_norm,none': 0.1, alias: 'arc_easy', sample_len: 10 } }), 'r.json');
    expect(r.tasks[0]!.metrics).toEqual([
      { name: 'acc', filter: 'none', value: 0.3, stderr: null, higherIsBetter: null },
      { name: 'acc_norm', filter: 'none', value: 0.1, stderr: null, higherIsBetter: null },
    ]);
  });

  it('filters: gsm8k has one metric under two filters', () => {
    const r = parseLmEvalResults(
      file(
        { gsm8k: { alias: 'gsm8k', 'exact_match,strict-match': 0.0455, 'exact_match_stderr,strict-match': 0.0057, 'exact_match,flexible-extract': 0.0599, 'exact_match_stderr,flexible-extract': 0.0065 } },
        { higher_is_better: { gsm8k: { exact_match: true } }, 'n-shot': { gsm8k: 5 } },
      ),
      'r.json',
    );
    expect(r.tasks[0]).toEqual({
      task: 'gsm8k',
      group: false,
      nShot: 5,
      samples: null,
      version: null,
      metrics: [
        { name: 'exact_match', filter: 'strict-match', value: 0.0455, stderr: 0.0057, higherIsBetter: true },
        { name: 'exact_match', filter: 'flexible-extract', value: 0.0599, stderr: 0.0065, higherIsBetter: true },
      ],
    });
  });

  it('lower-is-better metrics keep their direction (crows_pairs)', () => {
    const r = parseLmEvalResults(
      file({ crows_pairs_english: { 'likelihood_diff,none': 3.41, 'likelihood_diff_stderr,none': 0.09, 'pct_stereotype,none': 0.587, 'pct_stereotype_stderr,none': 0.012 } }, { higher_is_better: { crows_pairs_english: { likelihood_diff: false, pct_stereotype: false } } }),
      'r.json',
    );
    expect(r.tasks[0]!.metrics.map((m) => [m.name, m.higherIsBetter])).toEqual([
      ['likelihood_diff', false],
      ['pct_stereotype', false],
    ]);
  });

  it('model_args as a string (older lm-eval) is kept as is; --limit shows in n-samples', () => {
    const r = parseLmEvalResults(
      file(
        { mmlu_abstract_algebra: { alias: 'abstract_algebra', 'acc,none': 0.34, 'acc_stderr,none': 0.047609522856952344 } },
        { group_subtasks: { mmlu_abstract_algebra: [] }, 'n-samples': { mmlu_abstract_algebra: { original: 100, effective: 20 } }, versions: { mmlu_abstract_algebra: '1.0' }, config: { model: 'sae_steered_beta', model_args: 'base_name=google/gemma-2-2b,csv_path=/tmp/x.csv' }, git_hash: null, date: 1737419939.4888458 },
      ),
      'r.json',
    );
    expect(r).toMatchObject({ model: 'sae_steered_beta', modelArgs: 'base_name=google/gemma-2-2b,csv_path=/tmp/x.csv', gitHash: null, date: 1737419939.4888458 });
    expect(r.tasks[0]).toMatchObject({ samples: { original: 100, effective: 20 }, version: '1.0', group: false, subtasks: [] });
  });

  it('a group only in "groups" is listed after the results; without group_subtasks, subtasks are unknown', () => {
    const r = parseLmEvalResults(file({ arc_easy: { 'acc,none': 0.3 } }, { groups: { ai2_arc: { 'acc,none': 0.2 } } }), 'r.json');
    expect(r.tasks.map((t) => [t.task, t.group])).toEqual([
      ['arc_easy', false],
      ['ai2_arc', true],
    ]);
    expect('subtasks' in r.tasks[0]!).toBe(false);
  });

  it('a byte order mark is ignored; a dict model_args with non-text values is written as JSON values', () => {
    const r = parseLmEvalResults(`\ufeff${file({ t: { 'acc,none': 1 } }, { config: { model: 'vllm', model_args: { pretrained: 'm', tensor_parallel_size: 2, trust_remote_code: true } } })}`, 'r.json');
    expect(r.modelArgs).toBe('pretrained=m,tensor_parallel_size=2,trust_remote_code=true');
  });
});

describe('parseLmEvalResults, broken files: one InputError naming the file, the problem and what to do', () => {
  it('not JSON: the line and column of the first error', () => {
    const text = '{\n  "results": {\n    "hellaswag": {"acc,none": 0.42},\n  }\n}';
    const e = errorOf(() => parseLmEvalResults(text, 'broken.json'));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    // The trailing comma is accepted by the reader up to the "}" on line 4, column 3.
    expect(e.data).toMatchObject({ file: 'broken.json', line: 4, column: 3 });
    expect(e.message).toBe('broken.json is not valid JSON: unexpected "}" at line 4, column 3; give the results_<timestamp>.json that lm_eval writes under --output_path');
  });

  it('NaN (written by Python for a metric it could not compute) is named as such', () => {
    const text = '{"results": {"mcc_task": {"mcc,none": NaN}}}';
    const e = errorOf(() => parseLmEvalResults(text, 'nan.json'));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ line: 1, column: text.indexOf('NaN') + 1 });
    expect(e.message).toMatch(/^nan\.json is not valid JSON: NaN at line 1, column 39 is not a JSON number/);
    expect(errorOf(() => parseLmEvalResults('{"results": {"t": {"x,none": -Infinity}}}', 'inf.json')).message).toMatch(/-Infinity at line 1, column 30 is not a JSON number/);
  });

  it('a truncated file says so', () => {
    const whole = file({ hellaswag: { 'acc,none': 0.42 } });
    const e = errorOf(() => parseLmEvalResults(whole.slice(0, 30), 'cut.json'));
    expect(e.message).toMatch(/^cut\.json is not valid JSON: it ends too early \(line 3, column \d+\): the file is truncated/);
  });

  it('JSON of another shape: no "results" object', () => {
    const cases: [string, RegExp][] = [
      ['[1, 2]', /the top level is an array, not an object with a "results" object/],
      ['{"doc_id": 0, "target": "A", "resps": [["A"]]}', /no "results" object at the top level/],
      ['{"results": [0.42]}', /"results" is an array, not an object/],
      ['{"results": {"hellaswag": 0.42}}', /results\.hellaswag is a number \(0\.42\), expected an object of metrics/],
      ['{"results": {"t": {"acc,none": 1}}, "n-shot": [0]}', /"n-shot" is an array, expected an object/],
      ['{"results": {"t": {"acc,none": 1}}, "n-samples": {"t": 100}}', /n-samples of t is a number \(100\), expected \{ "original": n, "effective": n \}/],
      ['{"results": {"t": {"acc,none": 1}}, "n-shot": {"t": 2.5}}', /n-shot of t is a number \(2\.5\), expected a whole number/],
      ['{"results": {"t": {"acc,none": 1}}, "group_subtasks": {"t": "u"}}', /group_subtasks\.t is the string "u", expected a list of task names/],
    ];
    for (const [text, message] of cases) {
      const e = errorOf(() => parseLmEvalResults(text, 'other.json'));
      expect(e.code, text).toBe('INPUT_INVALID');
      expect(e.message, text).toMatch(/^other\.json is not an lm-evaluation-harness results file: /);
      expect(e.message, text).toMatch(message);
      expect(e.message, text).toMatch(/give the results_<timestamp>\.json that lm_eval writes under --output_path$/);
    }
  });

  it('an empty results object: the run evaluated nothing', () => {
    const e = errorOf(() => parseLmEvalResults(file({}, { groups: {} }), 'empty.json'));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe('empty.json has an empty "results" object: the run evaluated no tasks; check the --tasks given to lm_eval and re-run it');
  });

  it('a metric value that is not a number', () => {
    for (const bad of ['0.42', null, true, { mean: 0.42 }]) {
      const e = errorOf(() => parseLmEvalResults(file({ hellaswag: { 'acc,none': bad, alias: 'hellaswag' } }), 'edited.json'));
      expect(e.code).toBe('INPUT_INVALID');
      expect(e.message).toMatch(/^edited\.json: results\.hellaswag\["acc,none"\] is .+, not a number; metric values are numbers in a file lm_eval wrote/);
      expect(e.data).toMatchObject({ task: 'hellaswag', metric: 'acc,none' });
    }
    const se = errorOf(() => parseLmEvalResults(file({ hellaswag: { 'acc,none': 0.42, 'acc_stderr,none': 'n/a' } }), 'edited.json'));
    expect(se.message).toMatch(/results\.hellaswag\["acc_stderr,none"\] is the string "n\/a"; a standard error is a number or "N\/A"/);
  });

  it('lm-eval 0.3 files (metrics without a filter) are refused with the version to use', () => {
    const e = errorOf(() => parseLmEvalResults(file({ hellaswag: { acc: 0.42, acc_stderr: 0.005 } }, { versions: { hellaswag: 0 } }), 'old.json'));
    expect(e.message).toMatch(/no task has a metric of the form "acc,none".*files from lm-eval 0\.3 are not supported, re-run with 0\.4 or later/);
  });
});

describe('readLmEvalResults', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(() => cleanup());

  it('a missing file is NOT_FOUND', async () => {
    const e = await rejectionOf(readLmEvalResults(join(dir, 'results_missing.json')));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/^no lm-eval results file .*results_missing\.json; give the results_<timestamp>\.json/);
  });

  it('a directory (the --output_path itself) is refused', async () => {
    await mkdir(join(dir, 'out'));
    const e = await rejectionOf(readLmEvalResults(join(dir, 'out')));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/out is not a file; give the results_<timestamp>\.json/);
  });

  it('refuses a file over 64 MiB before reading it; exactly 64 MiB is read', async () => {
    const big = join(dir, 'big.json');
    const fh = await open(big, 'w');
    await fh.truncate(MAX_RESULTS_BYTES + 1); // sparse: no 64 MiB written
    await fh.close();
    const e = await rejectionOf(readLmEvalResults(big));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ size: MAX_RESULTS_BYTES + 1, limit: 64 * 1024 * 1024 });
    expect(e.message).toMatch(/big\.json is 67108865 bytes, over the 64 MiB limit for a results file/);

    const edge = join(dir, 'edge.json');
    await writeFile(edge, `${file({ t: { 'acc,none': 0.5 } })}${' '.repeat(MAX_RESULTS_BYTES - file({ t: { 'acc,none': 0.5 } }).length)}`);
    expect((await readLmEvalResults(edge)).tasks[0]!.metrics[0]!.value).toBe(0.5);
  });

  it('errors from the content name the path', async () => {
    const p = join(dir, 'results_bad.json');
    await writeFile(p, '{"results": {}}');
    const e = await rejectionOf(readLmEvalResults(p));
    expect(e.message.startsWith(`${p} has an empty "results" object`)).toBe(true);
  });
});
