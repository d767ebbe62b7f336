// MLflow file store reader (src/runs/mlflow.ts) on fixtures/runs/mlruns (described in
// fixtures/runs/mlruns.README.md), then on copies of it with one file broken each.
import { appendFile, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognifyError, InputError, NotFoundError } from '../../src/core/errors.js';
import { readMlruns, type MlflowStore } from '../../src/runs/mlflow.js';

const FIXTURE = 'fixtures/runs/mlruns';
const EXP = '417203983742091245';
const RUN_A = '3f9c2a7e4b1d4e8fa6c05d2b7e91a4c3';
const RUN_B = 'c81e0d5a92f34b67b0e4a1f6d3c7295e';

let store: MlflowStore;
let tmp: string;
let copies = 0;

beforeAll(async () => {
  store = await readMlruns(FIXTURE);
  // Not test/_fixtures.ts: that pulls in the whole repository API, which this reader does not need.
  tmp = await mkdtemp(join(tmpdir(), 'cognify-mlflow-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

/** A fresh copy of the fixture store; returns its directory. */
async function copy(): Promise<string> {
  const dir = join(tmp, `mlruns-${copies++}`);
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

/** Reads `dir`, expecting a CognifyError; returns it. */
async function failure(dir: string): Promise<CognifyError> {
  const e = await readMlruns(dir).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CognifyError);
  return e as CognifyError;
}

const run = (s: MlflowStore, id: string) => s.runs.find((r) => r.runId === id)!;

describe('readMlruns on the fixture', () => {
  it('finds both experiments, ordered by id, and skips models/', () => {
    expect(store.dir).toBe(FIXTURE);
    expect(store.experiments).toEqual([
      { id: '0', name: 'Default', lifecycleStage: 'active' },
      { id: EXP, name: 'credit-explainer-lora', lifecycleStage: 'active' },
    ]);
  });

  it('reads the two runs with their meta.yaml fields, ordered by start time', () => {
    expect(store.runs.map((r) => r.runId)).toEqual([RUN_A, RUN_B]);
    const a = run(store, RUN_A);
    expect(a).toMatchObject({
      experimentId: EXP,
      experimentName: 'credit-explainer-lora',
      runName: 'lora-r8-lr2e-4',
      status: 'FINISHED',
      startTime: 1730711661882,
      endTime: 1730714564118,
      lifecycleStage: 'active',
      user: 'ada',
      artifactUri: `file:///srv/mlflow/mlruns/${EXP}/${RUN_A}/artifacts`,
    });
    expect(run(store, RUN_B)).toMatchObject({ runName: 'lora-r16-lr1e-3', status: 'FAILED', startTime: 1730716312640, endTime: 1730717889471 });
  });

  it('reads params and tags verbatim, and the git commit tag', () => {
    const a = run(store, RUN_A);
    expect(a.params).toEqual({
      base_model: 'meta-llama/Llama-3.2-1B-Instruct',
      learning_rate: '0.0002',
      lora_alpha: '16',
      lora_dropout: '0.05',
      lora_r: '8',
      lora_target_modules: 'q_proj,v_proj',
      max_steps: '100',
      per_device_train_batch_size: '8',
    });
    expect(Object.keys(a.tags).sort()).toEqual(['mlflow.runName', 'mlflow.source.git.commit', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.user']);
    expect(a.tags['mlflow.source.name']).toBe('train_lora.py');
    expect(a.gitCommit).toBe('9d3e1b7c4a2f5e8d0b6c3a1f7e9d2b4c6a8e0f13');
    expect(run(store, RUN_B).gitCommit).toBe('e2a47f0c19d85b3e6f2c7a940d1b8e5f3c6a2d97');
    expect(run(store, RUN_B).params.learning_rate).toBe('0.001');
  });

  it('reads metrics from nested directories, each point in file order', () => {
    const a = run(store, RUN_A);
    expect(Object.keys(a.metrics)).toEqual(['eval/loss', 'train/learning_rate', 'train/loss']);
    const loss = a.metrics['train/loss']!;
    expect(loss).toHaveLength(10);
    expect(loss[0]).toEqual({ timestamp: 1730711976295, value: 2.4512, step: 10 });
    expect(loss[9]).toEqual({ timestamp: 1730714434599, value: 1.1857, step: 100 });
    for (let i = 1; i < loss.length; i++) {
      expect(loss[i]!.value).toBeLessThan(loss[i - 1]!.value);
      expect(loss[i]!.step).toBe(loss[i - 1]!.step + 10);
    }
    expect(a.metrics['eval/loss']).toEqual([
      { timestamp: 1730713117360, value: 1.6127, step: 50 },
      { timestamp: 1730714482559, value: 1.3542, step: 100 },
    ]);
    // Python repr of small floats: "8e-05"
    expect(a.metrics['train/learning_rate']!.map((p) => p.value)).toEqual([0.00018, 0.00016, 0.00014, 0.00012, 0.0001, 8e-5, 6e-5, 4e-5, 2e-5, 0]);
  });

  it('keeps the NaN that ended the failed run', () => {
    const loss = run(store, RUN_B).metrics['train/loss']!;
    expect(loss.map((p) => p.step)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(loss[4]!.value).toBe(17.5306);
    expect(Number.isNaN(loss[5]!.value)).toBe(true);
  });

  it('reads the registered model and links version 1 to its run', () => {
    expect(store.models).toEqual([
      {
        name: 'credit-explainer',
        versions: [
          {
            name: 'credit-explainer',
            version: 1,
            runId: RUN_A,
            source: `file:///srv/mlflow/mlruns/${EXP}/${RUN_A}/artifacts/model`,
            status: 'READY',
            stage: 'None',
            creationTime: 1730718390941,
          },
        ],
      },
    ]);
    const v = store.models[0]!.versions[0]!;
    const r = run(store, v.runId!);
    expect(v.source!.startsWith(r.artifactUri!)).toBe(true);
  });
});

describe('readMlruns on edited copies that MLflow could have written', () => {
  it('skips .trash, returns a deleted run with its stage, and reads -inf and inf', async () => {
    const dir = await copy();
    await mkdir(join(dir, '.trash', '999'), { recursive: true });
    await writeFile(join(dir, '.trash', '999', 'meta.yaml'), "experiment_id: '999'\nlifecycle_stage: deleted\nname: gone\n");
    const meta = join(dir, EXP, RUN_B, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('lifecycle_stage: active', 'lifecycle_stage: deleted') + 'deleted_time: 1730720000000\n');
    await appendFile(join(dir, EXP, RUN_B, 'metrics', 'train', 'loss'), '1730717850000 inf 61\n1730717850001 -inf 62\n');
    const s = await readMlruns(dir);
    expect(s.experiments.map((e) => e.id)).toEqual(['0', EXP]);
    expect(run(s, RUN_B).lifecycleStage).toBe('deleted');
    expect(run(s, RUN_B).metrics['train/loss']!.slice(6).map((p) => p.value)).toEqual([Infinity, -Infinity]);
  });

  it('does not take an experiment\'s tags/ or datasets/ for runs (FileStore.RESERVED_EXPERIMENT_FOLDERS)', async () => {
    const dir = await copy();
    await mkdir(join(dir, EXP, 'tags'), { recursive: true });
    await writeFile(join(dir, EXP, 'tags', 'mlflow.note.content'), 'LoRA sweep for the credit explainer');
    const ds = join(dir, EXP, 'datasets', '5d8a4a1c6f0e4b2c9e7f3a1b2c3d4e5f');
    await mkdir(ds, { recursive: true });
    await writeFile(join(ds, 'meta.yaml'), "digest: 1d2e3f4a\nname: credit-decisions\nsource_type: local\n");
    const s = await readMlruns(dir);
    expect(s.runs.map((r) => r.runId)).toEqual([RUN_A, RUN_B]);
  });

  it('keeps run ids and names that YAML 1.2 would read as numbers as the text MLflow wrote', async () => {
    const dir = await copy();
    const id = '12e45678901234567890123456789012'; // unquoted by PyYAML (not a YAML 1.1 float)
    await rename(join(dir, EXP, RUN_A), join(dir, EXP, id));
    const meta = join(dir, EXP, id, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replaceAll(RUN_A, id).replace('run_name: lora-r8-lr2e-4', 'run_name: 1.0'));
    const s = await readMlruns(dir);
    expect(run(s, id)).toMatchObject({ runId: id, runName: '1.0' });
  });

  it('falls back to the mlflow.runName tag when run_name is empty, and RUNNING when status is absent', async () => {
    const dir = await copy();
    const meta = join(dir, EXP, RUN_A, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('run_name: lora-r8-lr2e-4', "run_name: ''").replace('status: 3\n', ''));
    expect(run(await readMlruns(dir), RUN_A)).toMatchObject({ runName: 'lora-r8-lr2e-4', status: 'RUNNING' });
  });
});

describe('readMlruns on broken input', () => {
  it('a missing directory is NOT_FOUND', async () => {
    const e = await failure(join(tmp, 'no-such-mlruns'));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('NOT_FOUND');
  });

  it('a directory with no experiment meta.yaml is not an MLflow file store', async () => {
    const dir = join(tmp, 'not-mlruns');
    await mkdir(join(dir, 'src'), { recursive: true });
    await writeFile(join(dir, 'src', 'train.py'), 'print(1)\n');
    const e = await failure(dir);
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${dir} is not an MLflow file store (mlruns)`);
  });

  it('a file instead of a directory is INPUT_INVALID', async () => {
    const e = await failure(join(FIXTURE, '0', 'meta.yaml'));
    expect(e.code).toBe('INPUT_INVALID');
  });

  it('a metric line with two numbers names file:line and the expected "timestamp value step"', async () => {
    const dir = await copy();
    const file = join(dir, EXP, RUN_A, 'metrics', 'train', 'loss');
    await appendFile(file, '1700000000000 0.5\n');
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${file}:11:`);
    expect(e.message).toContain('timestamp value step');
    expect(e.data).toMatchObject({ path: file, line: 11 });
  });

  it.each([
    ['a non-numeric value', '1730711976295 low 10', 'value "low" is not a number'],
    ['a fractional step', '1730711976295 2.4512 10.5', 'step "10.5" is not a whole number'],
    ['a negative timestamp', '-1 2.4512 10', 'timestamp "-1"'],
    ['two spaces', '1730711976295  2.4512 10', 'expected 3 fields'],
    ['a blank line', '', 'expected 3 fields'],
  ])('%s in a metric file names file:line', async (_what, line, text) => {
    const dir = await copy();
    const file = join(dir, EXP, RUN_B, 'metrics', 'eval', 'loss');
    await writeFile(file, `1730717641695 9.8812 50\n${line}\n1730717641696 9.8 51\n`);
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${file}:2:`);
    expect(e.message).toContain(text);
  });

  it('an empty metric file is refused', async () => {
    const dir = await copy();
    const file = join(dir, EXP, RUN_A, 'metrics', 'eval', 'loss');
    await writeFile(file, '');
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${file}: metric file is empty`);
  });

  it('malformed YAML in a run meta.yaml names the file and line', async () => {
    const dir = await copy();
    const meta = join(dir, EXP, RUN_A, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('status: 3', 'status: [3'));
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${meta}: invalid YAML at line`);
  });

  it.each([
    ['a duplicate key', (t: string) => `${t}status: 4\n`, 'invalid YAML at line'],
    ['a list for a mapping', () => '- a\n- b\n', 'expected a YAML mapping'],
    ['a non-integer time', (t: string) => t.replace('start_time: 1730711661882', 'start_time: soon'), 'start_time must be a whole number'],
    ['an unknown status', (t: string) => t.replace('status: 3', 'status: 9'), 'status 9 is not an MLflow RunStatus'],
    ['no experiment_id', (t: string) => t.replace(/experiment_id: .*\n/, ''), 'has no experiment_id'],
    ['another experiment_id', (t: string) => t.replace(`experiment_id: '${EXP}'`, "experiment_id: '0'"), 'differs from the experiment directory'],
  ])('a run meta.yaml with %s is refused', async (_what, edit, text) => {
    const dir = await copy();
    const meta = join(dir, EXP, RUN_A, 'meta.yaml');
    await writeFile(meta, edit(await readFile(meta, 'utf8')));
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${meta}: `);
    expect(e.message).toContain(text);
  });

  it('a run meta.yaml whose run_id differs from its directory name is refused', async () => {
    const dir = await copy();
    const meta = join(dir, EXP, RUN_A, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replaceAll(RUN_A, RUN_B));
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${meta}: run_id "${RUN_B}" differs from its directory name "${RUN_A}"`);
  });

  it('a run directory without meta.yaml is refused rather than skipped', async () => {
    const dir = await copy();
    await rm(join(dir, EXP, RUN_B, 'meta.yaml'));
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${join(dir, EXP, RUN_B)}: has no meta.yaml`);
  });

  it('an experiment meta.yaml whose experiment_id differs from its directory is refused', async () => {
    const dir = await copy();
    const meta = join(dir, EXP, 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace(`experiment_id: '${EXP}'`, "experiment_id: '7'"));
    const e = await failure(dir);
    expect(e.message).toContain(`${meta}: experiment_id "7" differs from its directory name`);
  });

  it('a model version whose version differs from its directory is refused', async () => {
    const dir = await copy();
    const meta = join(dir, 'models', 'credit-explainer', 'version-1', 'meta.yaml');
    await writeFile(meta, (await readFile(meta, 'utf8')).replace('version: 1', 'version: 2'));
    const e = await failure(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${meta}: version 2 differs from its directory name version-1`);
  });
});
