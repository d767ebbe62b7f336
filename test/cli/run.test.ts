// cognify run | checkpoint verify | import mlflow | eval, through the real CLI on the shipped
// fixtures (fixtures/runs/README.md and friends give the figures asserted here).
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, snapshot } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const RUNS = resolve('fixtures/runs');
const LORA = join(RUNS, 'credit-lora');
const MLRUNS = join(RUNS, 'mlruns');
const LM_EVAL = join(RUNS, 'lm-eval', 'results_2026-11-20T14-03-51.482913.json');
const PREDICTIONS = join(RUNS, 'predictions', 'credit-decisions.predictions.csv');
const V1 = resolve('fixtures/datasets/credit-decisions.v1.csv');
const BASE = 'HuggingFaceTB/SmolLM2-135M@73b05320f8108bd153078a14331da460be9b0a6d';
let home: string;
let dir: string;
let scratch: string;
let code: string;
let bob: KeyInfo;
const cli = (args: string[], opts: { as?: string; input?: string } = {}) =>
  run(['--as', opts.as ?? 'ada@example.org', ...args], { cwd: dir, env: envFor(home), ...(opts.input !== undefined ? { input: opts.input } : {}) });

/** A copy of a fixture to break. */
function copyOf(src: string, name: string): string {
  const to = join(scratch, name);
  rmSync(to, { recursive: true, force: true });
  cpSync(src, to, { recursive: true });
  return to;
}

beforeAll(async () => {
  const root = await sb.dir('cognify-run-');
  scratch = await sb.dir('cognify-run-scratch-');
  home = await sb.dir('cognify-run-home-');
  const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  const alan = await makeKey(home, 'Alan Turing', 'alan@example.org');
  bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
  ({ dir } = await initRepo(root, home, ada));
  await addPeople(dir, ada, [{ key: alan, roles: ['model-risk'] }, { key: bob }]);
  expectOk(await cli(['dataset', 'commit', 'credit', V1, '--key', 'applicant_id']));
  // The training code: a real git working tree with one commit, one edit and one new file.
  code = await sb.dir('cognify-run-code-');
  const git = (...a: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', ...a], { cwd: code });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(code, 'train.py'), 'print("train")\n');
  git('add', '.');
  git('commit', '-q', '-m', 'train');
  git('remote', 'add', 'origin', 'https://user:secret@git.example.org/credit.git');
  writeFileSync(join(code, 'train.py'), 'print("train", 2)\n');
  writeFileSync(join(code, 'notes.txt'), 'new\n');
});

describe('cognify run record --hf-trainer', () => {
  it('records every checkpoint and the final model against the dataset version, with code and compute', async () => {
    const j = okJson(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'lora', '--base-model', BASE, '--base-model-flops', '1.62e21', '--dataset', 'train=credit@1', '--code', code, '--gpu-hours', '0.25', '--gpu', 'NVIDIA L4', '--json']));
    // fixtures/runs/README.md: checkpoint-40 and checkpoint-80 (10 files each) and the top level's final adapter.
    expect(j).toMatchObject({ name: 'lora', checkpoints: 2, outputs: 1, number: 1, status: 'finished' });
    expect(j.run).toMatch(/^sha256:[0-9a-f]{64}$/);
    const hashed = execFileSync('find', [LORA, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    expect(j.files).toBe(hashed.length); // every file once: the final model excludes the checkpoint-N/ directories
    expect(j.bytes).toBe(hashed.reduce((n, f) => n + readFileSync(f).length, 0));

    const show = okJson(await cli(['run', 'show', 'lora', '--json']));
    expect(show.datasets).toEqual([expect.objectContaining({ role: 'train', name: 'credit', number: 1 })]);
    expect(show.baseModel).toMatchObject({ name: 'HuggingFaceTB/SmolLM2-135M', revision: '73b05320f8108bd153078a14331da460be9b0a6d', trainingFlops: 1.62e21 });
    expect(show.source).toEqual({ kind: 'hf-trainer', ref: LORA });
    expect(show.code.remote.url).toBe('https://git.example.org/credit.git'); // the credentials are not recorded
    expect(show.code.clean).toBe(false);
    expect(show.code.dirty.map((d: { path: string; status: string }) => `${d.status} ${d.path}`).sort()).toEqual(['modified train.py', 'untracked notes.txt']);
    const trainer = JSON.parse(readFileSync(join(LORA, 'trainer_state.json'), 'utf8'));
    expect(show.compute).toMatchObject({ flops: trainer.total_flos, flopsMethod: 'reported', gpuHours: 0.25, baseModelFlops: 1.62e21 });
    expect(show.compute.ratioToBase).toBeCloseTo(trainer.total_flos / 1.62e21, 12);
    expect(show.compute.exceedsOneThird).toBe(false);
    expect(show.checkpoints.map((c: { name: string; step: number }) => [c.name, c.step])).toEqual([['checkpoint-40', 40], ['checkpoint-80', 80]]);
    expect(show.outputs.map((c: { name: string }) => c.name)).toEqual(['final']);
    // log_history plus one point per *_results.json file.
    expect(show.metrics).toBe(trainer.log_history.length + 3);
    expect(show.hyperparameters['peft.r']).toBe(4);

    const text = expectOk(await cli(['run', 'show', 'lora'])).stdout;
    expect(text).toContain('datasets: train=credit@1');
    expect(text).toMatch(/DIRTY: 2 files/);
    expect(text).toContain('checkpoint lora/checkpoint-80 (step 80)');
  });

  it('refuses a second run of the same name, and bad input, changing nothing', async () => {
    const before = await snapshot(dir);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'lora', '--base-model', BASE]), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'record', '--hf-trainer', join(RUNS, 'sharded-full'), '--name', 'x1']), 'INPUT_INVALID', 2);
    const badState = copyOf(LORA, 'bad-state');
    writeFileSync(join(badState, 'trainer_state.json'), '{"global_step": 80, "log_history": [');
    expect(expectError(await cli(['run', 'record', '--hf-trainer', badState, '--name', 'x2']), 'INPUT_INVALID', 2)).toContain('trainer_state.json');
    const lying = copyOf(LORA, 'lying-header');
    const st = join(lying, 'checkpoint-40', 'adapter_model.safetensors');
    const b = readFileSync(st);
    b.writeBigUInt64LE(BigInt(b.length * 2), 0); // a header longer than the file
    writeFileSync(st, b);
    expect(expectError(await cli(['run', 'record', '--hf-trainer', lying, '--name', 'x3']), 'INPUT_INVALID', 2)).toContain('adapter_model.safetensors');
    const truncated = copyOf(LORA, 'truncated');
    const t = join(truncated, 'checkpoint-80', 'adapter_model.safetensors');
    writeFileSync(t, readFileSync(t).subarray(0, 100));
    expectError(await cli(['run', 'record', '--hf-trainer', truncated, '--name', 'x4']), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'x5', '--dataset', 'train=nope']), 'NOT_FOUND', 3);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'x6', '--dataset', 'credit@1']), 'USAGE', 2);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'x7', '--code', scratch]), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'x8', '--gpu-hours', 'lots']), 'USAGE', 2);
    expectError(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'x9'], { as: 'bob@example.org' }), 'ROLE_MISSING', 6);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('cognify checkpoint verify', () => {
  it('passes on the recorded files and names each missing, extra and changed file', async () => {
    const ok = okJson(await cli(['checkpoint', 'verify', join(LORA, 'checkpoint-80'), 'lora/checkpoint-80', '--json']));
    expect(ok).toMatchObject({ ok: true, missing: [], extra: [], changed: [] });
    const cp = copyOf(join(LORA, 'checkpoint-80'), 'cp80');
    const shard = join(cp, 'adapter_model.safetensors');
    const bytes = readFileSync(shard);
    bytes[bytes.length - 1]! ^= 0x01;
    writeFileSync(shard, bytes);
    rmSync(join(cp, 'scheduler.pt'));
    writeFileSync(join(cp, 'extra.bin'), 'x');
    const r = await cli(['checkpoint', 'verify', cp, 'lora/checkpoint-80', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, missing: ['scheduler.pt'], extra: ['extra.bin'] });
    expect(j.changed.map((c: { path: string }) => c.path)).toEqual(['adapter_model.safetensors']);
    const text = await cli(['checkpoint', 'verify', cp, 'lora/checkpoint-80']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^MISMATCH/);
    expect(text.stdout).toMatch(/missing {2}scheduler\.pt/);
    // By manifest id too, and the manifest can be shown.
    const manifest = okJson(await cli(['run', 'show', 'lora', '--json'])).checkpoints[1].manifest;
    expect(okJson(await cli(['checkpoint', 'verify', join(LORA, 'checkpoint-80'), manifest.slice(7, 19), '--json'])).ok).toBe(true);
    expect(expectOk(await cli(['checkpoint', 'show', 'lora/final'])).stdout).toContain('adapter_model.safetensors');
    // The final model was recorded from the output_dir without its checkpoint-N/ directories, and
    // is verified the same way.
    expect(okJson(await cli(['checkpoint', 'verify', LORA, 'lora/final', '--json']))).toMatchObject({ ok: true, extra: [] });
    expectError(await cli(['checkpoint', 'verify', cp, 'lora/checkpoint-7']), 'NOT_FOUND', 3);
  });

  it('checkpoint hash reads sharded and FSDP layouts and refuses an index naming a missing shard', async () => {
    const sharded = okJson(await cli(['checkpoint', 'hash', join(RUNS, 'sharded-full'), '--json']));
    expect(sharded.layout).toBe('hf-sharded');
    expect(sharded.files.filter((f: { role: string }) => f.role === 'model-shard')).toHaveLength(2);
    expect(expectOk(await cli(['checkpoint', 'hash', join(RUNS, 'sharded-full')])).stdout).toContain('model-00001-of-00002.safetensors  (13 tensors, 19,520 parameters, BF16)');
    const fsdp = okJson(await cli(['checkpoint', 'hash', join(RUNS, 'fsdp-two-ranks', 'checkpoint-10'), '--json']));
    expect(fsdp.worldSize).toBe(2);
    expect(fsdp.files.find((f: { path: string }) => f.path === 'rng_state_1.pth').rank).toBe(1);
    const broken = copyOf(join(RUNS, 'sharded-full'), 'missing-shard');
    rmSync(join(broken, 'model-00002-of-00002.safetensors'));
    expect(expectError(await cli(['checkpoint', 'hash', broken]), 'INPUT_INVALID', 2)).toContain('model-00002-of-00002.safetensors');
  });
});

describe('cognify run start | event | finish', () => {
  it('builds a run version by version, with a checkpoint event hashed as it is saved', async () => {
    const s = okJson(await cli(['run', 'start', '--name', 'live', '--base-model', 'HuggingFaceTB/SmolLM2-135M', '--dataset', 'train=credit', '--param', 'learning_rate=0.0002', '--param', 'optim=adamw_torch', '--python', '3.11.7', '--gpus', '2', '--json']));
    expect(s).toMatchObject({ name: 'live', number: 1, status: 'running' });
    expectError(await cli(['run', 'start', '--name', 'live']), 'INPUT_INVALID', 2);
    okJson(await cli(['run', 'event', 'live', '--json'], { input: '{"type":"metrics","step":10,"epoch":0.25,"values":{"loss":2.1,"learning_rate":0.0002}}' }));
    okJson(await cli(['run', 'event', 'live', '--json'], { input: '{"type":"metrics","step":40,"values":{"eval_loss":NaN}}'.replace('NaN', '1.9') }));
    const cp = okJson(await cli(['run', 'event', 'live', '--json'], { input: JSON.stringify({ type: 'checkpoint', dir: join(LORA, 'checkpoint-40') }) }));
    expect(cp).toMatchObject({ number: 4, checkpoints: 1, files: execFileSync('find', [join(LORA, 'checkpoint-40'), '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').length });
    const before = await snapshot(dir);
    expectError(await cli(['run', 'event', 'live'], { input: '{"type":"metrics","step":-1,"values":{}}' }), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'event', 'live'], { input: 'not json' }), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'event', 'live'], { input: JSON.stringify({ type: 'checkpoint', dir: join(LORA, 'checkpoint-40') }) }), 'INPUT_INVALID', 2);
    expectError(await cli(['run', 'event', 'nope'], { input: '{"type":"params","values":{"a":1}}' }), 'NOT_FOUND', 3);
    expect(await snapshot(dir)).toEqual(before);
    // Several events as JSON Lines: one version; a bad line is named and nothing is written.
    const batch = [
      { type: 'metrics', step: 50, values: { loss: 1.8 } },
      { type: 'metrics', step: 60, values: { loss: 'NaN' } },
      { type: 'params', values: { warmup_steps: 5 } },
    ].map((e) => JSON.stringify(e)).join('\n');
    expect(okJson(await cli(['run', 'event', 'live', '--json'], { input: `${batch}\n` }))).toMatchObject({ number: 5 });
    const unchanged = await snapshot(dir);
    expect(expectError(await cli(['run', 'event', 'live'], { input: `${batch}\n{"type":"metrics"\n` }), 'INPUT_INVALID', 2)).toContain('line 4');
    expect(expectError(await cli(['run', 'event', 'live'], { input: '{"type":"status","status":"failed"}\n{"type":"params","values":{}}' }), 'INPUT_INVALID', 2)).toContain('status event last');
    expect(await snapshot(dir)).toEqual(unchanged);
    const f = okJson(await cli(['run', 'finish', 'live', '--output', join(LORA, 'checkpoint-80'), '--flops', '1.04e14', '--gpu-hours', '0.5', '--gpu', 'NVIDIA H100 SXM', '--json']));
    expect(f).toMatchObject({ number: 6, status: 'finished', outputs: 1 });
    const show = okJson(await cli(['run', 'show', 'live', '--json', '--metrics']));
    expect(show.metrics).toHaveLength(4);
    expect(show.metrics[3].values).toEqual({ loss: 'NaN' });
    expect(show.metrics[0]).toMatchObject({ step: 10, epoch: 0.25, kind: 'train', values: { loss: 2.1 } });
    expect(show.metrics[1].kind).toBe('eval');
    expect(show.hyperparameters).toEqual({ learning_rate: 0.0002, optim: 'adamw_torch', warmup_steps: 5 });
    expect(show.environment).toMatchObject({ python: '3.11.7', gpuCount: 2 });
    expect(show.environment.os).toBeTruthy();
    expect(show.compute).toMatchObject({ flops: 1.04e14, gpuHours: 0.5, gpuCount: 2 });
    expect(show.compute.energyMethod).toMatch(/estimate/);
    // --base-model-dir hashes the base model's weights (never copied) and counts its parameters.
    const based = okJson(await cli(['run', 'start', '--name', 'based', '--base-model', 'tiny-llama@main', '--base-model-dir', join(RUNS, 'sharded-full'), '--base-model-flops', '3e18', '--json']));
    const b = okJson(await cli(['run', 'show', based.run, '--json'])).baseModel;
    const sharded = okJson(await cli(['checkpoint', 'hash', join(RUNS, 'sharded-full'), '--json']));
    expect(b).toMatchObject({ name: 'tiny-llama', revision: 'main', root: sharded.root, parameters: 19_520 + 7_264, trainingFlops: 3e18 });
    expect(b.files.map((f: { path: string; sha256: string }) => [f.path, f.sha256])).toEqual(sharded.files.map((f: { path: string; sha256: string }) => [f.path, f.sha256]));
    expect(show.endedAt).not.toBeNull();
    expectError(await cli(['run', 'event', 'live'], { input: '{"type":"params","values":{"a":1}}' }), 'INPUT_INVALID', 2);
    const list = okJson(await cli(['run', 'list', '--json']));
    expect(list.map((r: { name: string }) => r.name).sort()).toEqual(['based', 'live', 'lora']);
  });
});

describe('cognify import mlflow', () => {
  it('imports each MLflow run citing its run id, once', async () => {
    const j = okJson(await cli(['import', 'mlflow', MLRUNS, '--json']));
    expect(j.runs).toHaveLength(2);
    for (const r of j.runs) expect(r).toMatchObject({ mlflowRunId: expect.stringMatching(/^[0-9a-f]{32}$/), run: expect.stringMatching(/^sha256:/), created: true });
    const again = okJson(await cli(['import', 'mlflow', MLRUNS, '--json']));
    expect(again.runs.map((r: { created: boolean }) => r.created)).toEqual([false, false]);
    const a = okJson(await cli(['run', 'show', j.runs[0].name, '--json', '--metrics']));
    expect(a.source).toEqual({ kind: 'mlflow', ref: j.runs[0].mlflowRunId });
    expect(a.code.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(a.tags['mlflow.registeredModels']).toContain('credit-explainer version 1');
    const failed = okJson(await cli(['run', 'show', j.runs[1].name, '--json', '--metrics']));
    expect(failed.status).toBe('failed');
    // MLflow has no base-model field: the run's base_model param names it, and the record says so.
    expect(failed.baseModel).toMatchObject({ name: failed.hyperparameters.base_model, revision: null });
    expect(failed.tags['cognify.baseModelFrom']).toBe('MLflow param base_model');
    // The diverged loss (nan at step 60) is kept, not dropped.
    expect(failed.metrics.some((p: { values: Record<string, unknown> }) => Object.values(p.values).includes('NaN'))).toBe(true);
  });

  it('refuses a metric line with numbers missing, changing nothing', async () => {
    const broken = copyOf(MLRUNS, 'mlruns-broken');
    const metric = execFileSync('find', [broken, '-path', '*/metrics/*', '-type', 'f'], { encoding: 'utf8' }).trim().split('\n')[0]!;
    appendFileSync(metric, '1700000000000 0.5\n');
    const before = await snapshot(dir);
    expect(expectError(await cli(['import', 'mlflow', broken]), 'INPUT_INVALID', 2)).toMatch(/timestamp value step/);
    expectError(await cli(['import', 'mlflow', scratch]), 'INPUT_INVALID', 2);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('cognify eval', () => {
  it('eval import assesses lm-eval results against the objectives and lists the gaps', async () => {
    const j = okJson(await cli(['eval', 'import', LM_EVAL, '--run', 'lora', '--json']));
    expect(j.eval).toMatch(/^sha256:/);
    expect(j.tasks).toBeGreaterThanOrEqual(3);
    for (const gap of ['privacy', 'robustness', 'non-discrimination']) expect(j.gaps).toContain(gap);
    expect(Array.isArray(j.failed)).toBe(true);
    const show = okJson(await cli(['run', 'show', 'lora', '--json']));
    expect(show.evals).toHaveLength(1);
    expect(show.evals[0]).toMatchObject({ id: j.eval, kind: 'lm-eval', run: 'lora' });
    expect(show.number).toBe(2);
  });

  it('eval bias gives the hand-computed fairness figures and is recorded by model risk', async () => {
    const j = okJson(await cli(['eval', 'bias', PREDICTIONS, '--run', 'lora', '--group', 'sex,ethnicity', '--label', 'label', '--pred', 'pred', '--positive', 'approve', '--json'], { as: 'alan@example.org' }));
    // fixtures/runs/predictions/README.md (computed with exact fractions, not by this code).
    expect(j.demographicParityDifference).toBeCloseTo(0.35, 12);
    expect(j.equalizedOddsDifference).toBeCloseTo(0.5, 12);
    const eth = j.attributes.find((a: { attribute: string }) => a.attribute === 'ethnicity');
    expect(eth.demographicParityDifference).toBeCloseTo(89 / 345, 12);
    expect(eth.fourFifthsViolations.map((v: { value: string }) => v.value)).toEqual(['Black, Black British, Caribbean or African']);
    expect(j.groups.find((g: { attribute: string; value: string }) => g.attribute === 'sex' && g.value === 'female').n).toBe(187);
    expect(j.fourFifthsViolations.length).toBeGreaterThanOrEqual(1);
    const show = okJson(await cli(['run', 'show', 'lora', '--json']));
    expect(show.evals.map((e: { kind: string }) => e.kind)).toEqual(['lm-eval', 'bias']);
    // With a bias eval on the run, a later lm-eval import no longer lists non-discrimination as a gap.
    expect(okJson(await cli(['eval', 'import', LM_EVAL, '--run', 'lora', '--json'])).gaps).not.toContain('non-discrimination');
  });

  it('refuses results of the wrong shape, a missing column, and an unknown run, changing nothing', async () => {
    const before = await snapshot(dir);
    const wrong = join(scratch, 'results_wrong.json');
    writeFileSync(wrong, JSON.stringify({ accuracy: 0.5 }));
    expectError(await cli(['eval', 'import', wrong, '--run', 'lora']), 'INPUT_INVALID', 2);
    expect(expectError(await cli(['eval', 'bias', PREDICTIONS, '--run', 'lora', '--group', 'gender', '--label', 'label', '--pred', 'pred', '--positive', 'approve']), 'INPUT_INVALID', 2)).toContain('gender');
    expectError(await cli(['eval', 'import', LM_EVAL, '--run', 'nope']), 'NOT_FOUND', 3);
    expectError(await cli(['eval', 'import', LM_EVAL, '--run', 'lora@1']), 'USAGE', 2);
    expectError(await cli(['eval', 'bias', PREDICTIONS, '--run', 'lora', '--group', 'sex']), 'USAGE', 2);
    expectError(await cli(['eval', 'import', LM_EVAL, '--run', 'lora'], { as: 'bob@example.org' }), 'ROLE_MISSING', 6);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe('help', () => {
  it('run --help lists the commands; continuation lines are indented, not prefixed with cognify', async () => {
    for (const cmd of ['run', 'eval', 'diff']) {
      const r = expectOk(await run([cmd, '--help'], { cwd: dir, env: envFor(home) }));
      expect(r.stdout).toContain(`\n  cognify ${cmd} `);
      expect(r.stdout).not.toMatch(/^ {2}cognify {2,}/m);
    }
    // The command list keeps a space after the longest name (checkpoint).
    expect(expectOk(await run(['--help'], { cwd: dir, env: envFor(home) })).stdout).toMatch(/^ {2}checkpoint +checkpoint manifests/m);
  });
});

describe('verify covers runs', () => {
  it('verify passes over runs, manifests and evals', async () => {
    expect(okJson(await cli(['verify', '--json'])).ok).toBe(true);
  });
});
