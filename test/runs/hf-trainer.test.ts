// Trainer output_dir reading (src/runs/hf-trainer.ts) on the shipped fixtures of fixtures/runs/
// (numbers from fixtures/runs/README.md), on broken copies of them in temp directories, and the
// fixtures themselves: generator reproduces them byte for byte, every safetensors file parses, the
// sharded and FSDP layouts classify and cross-check with src/runs/checkpoint-layout.ts.

import { cp, mkdir, readdir, readFile, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import {
  MAX_TRAINER_STATE_BYTES,
  readTrainerOutput,
  type TrainerOutput,
} from '../../src/runs/hf-trainer.js';
import {
  checkShardSet,
  classifyCheckpointFile,
  crossCheckIndex,
  worldSizeOf,
} from '../../src/runs/checkpoint-layout.js';
import { readSafetensorsHeader } from '../../src/runs/safetensors.js';
import { tempDir } from '../_fixtures.js';

const RUNS = fileURLToPath(new URL('../../fixtures/runs/', import.meta.url));
const CREDIT = join(RUNS, 'credit-lora');
const SHARDED = join(RUNS, 'sharded-full');
const FSDP = join(RUNS, 'fsdp-two-ranks');
const FIXTURE_DIRS = ['credit-lora', 'sharded-full', 'fsdp-two-ranks'];

const REVISION = '73b05320f8108bd153078a14331da460be9b0a6d';
const LOSSES = [2.2636, 1.8971, 1.661, 1.5087, 1.4115, 1.3523, 1.3125, 1.2946];
const EVAL_40 = 1.583144187927246;
const EVAL_80 = 1.3707261085510254;
/** 6 x (80 steps x 8 x 256 tokens) x (106,203,456 + 15,360 LoRA) non-embedding parameters. */
const TOTAL_FLOS = 6 * 80 * 8 * 256 * (106_203_456 + 15_360);

/** Every file under `dir`, as sorted "/"-separated relative paths (dotfiles included). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(dir.length).replace(/^[\\/]+/, '');
    out.push(rel.split(/[\\/]/).join('/'));
  }
  return out.sort();
}

/** The tensor names of a safetensors header (readSafetensorsHeader counts them, names are here). */
async function tensorNames(path: string): Promise<string[]> {
  const bytes = await readFile(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  return Object.keys(header).filter((k) => k !== '__metadata__').sort();
}

async function readError(dir: string): Promise<InputError | NotFoundError> {
  const e: unknown = await readTrainerOutput(dir).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof InputError) && !(e instanceof NotFoundError)) {
    throw new Error(`expected InputError or NotFoundError, got ${String(e)}`);
  }
  return e;
}

describe('readTrainerOutput: fixtures/runs/credit-lora', () => {
  let out: TrainerOutput;
  beforeEach(async () => {
    out = await readTrainerOutput(CREDIT);
  });

  it('reads the final trainer_state.json at the top level', () => {
    expect(out.dir).toBe(CREDIT);
    expect(out.stateFile).toBe(join(CREDIT, 'trainer_state.json'));
    expect(out.globalStep).toBe(80);
    expect(out.maxSteps).toBe(80);
    expect(out.epochs).toBe(2);
    expect(out.totalFlos).toBe(TOTAL_FLOS);
    expect(out.totalFlos).toBe(104_417_344_880_640);
    expect(out.bestMetric).toBe(EVAL_80);
    expect(out.bestCheckpoint).toBe('checkpoint-80');
    expect(out.finalModel).toBe(true);
  });

  it('lists the checkpoints by step', () => {
    expect(out.checkpoints).toEqual([
      { name: 'checkpoint-40', step: 40, dir: join(CREDIT, 'checkpoint-40') },
      { name: 'checkpoint-80', step: 80, dir: join(CREDIT, 'checkpoint-80') },
    ]);
  });

  it('gives the log history: 8 training logs, 2 evaluations, the train() summary', () => {
    const h = out.logHistory;
    expect(h).toHaveLength(11);
    const train = h.filter((e) => 'loss' in e.values);
    const evals = h.filter((e) => 'eval_loss' in e.values);
    expect(train.map((e) => e.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(train.map((e) => e.values['loss'])).toEqual(LOSSES);
    expect(train.map((e) => e.epoch)).toEqual([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
    for (const e of train) {
      expect(Object.keys(e.values).sort()).toEqual(['grad_norm', 'learning_rate', 'loss']);
      expect(e.values['learning_rate']).toBe(2e-4 * ((80 - e.step) / 80));
    }
    expect(evals.map((e) => [e.step, e.values['eval_loss']])).toEqual([
      [40, EVAL_40],
      [80, EVAL_80],
    ]);
    expect(h[4]).toEqual({
      step: 40,
      epoch: 1,
      values: { eval_loss: EVAL_40, eval_runtime: 6.2278, eval_samples_per_second: 10.277, eval_steps_per_second: 1.285 },
    });
    const summary = h[10]!;
    expect(summary.step).toBe(80);
    expect(Object.keys(summary.values).sort()).toEqual([
      'total_flos',
      'train_loss',
      'train_runtime',
      'train_samples_per_second',
      'train_steps_per_second',
    ]);
    expect(summary.values['total_flos']).toBe(TOTAL_FLOS);
    expect(h.every((e) => e.nonFinite === undefined)).toBe(true);
  });

  it('has coherent numbers: falling loss, steps on the logging/eval/save grid, mean train_loss', () => {
    const losses = out.logHistory.flatMap((e) => (e.values['loss'] === undefined ? [] : [e.values['loss']]));
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    for (const e of out.logHistory) {
      if ('loss' in e.values) expect(e.step % 10).toBe(0);
      if ('eval_loss' in e.values) expect(e.step % 40).toBe(0);
    }
    for (const c of out.checkpoints) expect(c.step % 40).toBe(0);
    const mean = LOSSES.reduce((a, b) => a + b, 0) / LOSSES.length;
    expect(out.results['train_results']!['train_loss']).toBe(mean);
    expect(out.logHistory[10]!.values['train_loss']).toBe(mean);
  });

  it('reads the metrics files', () => {
    expect(Object.keys(out.results).sort()).toEqual(['all_results', 'eval_results', 'train_results']);
    const train = out.results['train_results']!;
    const evalR = out.results['eval_results']!;
    expect(train).toMatchObject({ epoch: 2, total_flos: TOTAL_FLOS, train_runtime: 187.5878, train_samples: 320 });
    expect(evalR).toMatchObject({ epoch: 2, eval_loss: EVAL_80, eval_samples: 64 });
    expect(evalR['perplexity']).toBe(Math.exp(EVAL_80));
    expect(out.results['all_results']).toEqual({ ...train, ...evalR });
  });

  it('gives the base model and hyperparameters from adapter_config.json and trainer_state.json', () => {
    expect(out.baseModel).toEqual({ name: 'HuggingFaceTB/SmolLM2-135M', revision: REVISION });
    const hp = out.hyperparameters;
    expect(Object.fromEntries(Object.entries(hp).filter(([k]) => k.startsWith('trainer.')))).toEqual({
      'trainer.train_batch_size': 8,
      'trainer.num_train_epochs': 2,
      'trainer.max_steps': 80,
      'trainer.logging_steps': 10,
      'trainer.eval_steps': 40,
      'trainer.save_steps': 40,
    });
    expect(hp).toMatchObject({
      'peft.peft_type': 'LORA',
      'peft.r': 4,
      'peft.lora_alpha': 8,
      'peft.lora_dropout': 0.05,
      'peft.target_modules': ['q_proj', 'v_proj'],
      'peft.layers_to_transform': [0, 1],
      'peft.task_type': 'CAUSAL_LM',
      'peft.use_dora': false,
      'peft.modules_to_save': null,
    });
    // The base model goes to baseModel, and empty maps (alpha_pattern, rank_pattern) add nothing.
    expect(Object.keys(hp).filter((k) => /base_model|revision|pattern$|loftq/.test(k))).toEqual(['peft.layers_pattern']);
  });

  it('checkpoint states are prefixes of the final one (the summary is logged after the last save)', async () => {
    const top = JSON.parse(await readFile(join(CREDIT, 'trainer_state.json'), 'utf8')) as { log_history: unknown[] };
    const c80 = JSON.parse(await readFile(join(CREDIT, 'checkpoint-80/trainer_state.json'), 'utf8')) as Record<string, unknown>;
    const c40 = JSON.parse(await readFile(join(CREDIT, 'checkpoint-40/trainer_state.json'), 'utf8')) as Record<string, unknown>;
    expect(c80['log_history']).toEqual(top.log_history.slice(0, 10));
    expect(c40['log_history']).toEqual(top.log_history.slice(0, 5));
    expect(c40).toMatchObject({ global_step: 40, total_flos: TOTAL_FLOS / 2, best_metric: EVAL_40, best_model_checkpoint: 'runs/credit-lora/checkpoint-40' });
    expect(c80).toMatchObject({ global_step: 80, total_flos: TOTAL_FLOS, best_metric: EVAL_80 });
  });
});

describe('readTrainerOutput: other fixtures', () => {
  it('fsdp-two-ranks: no top-level state, so the checkpoint-10 state; no final model', async () => {
    const out = await readTrainerOutput(FSDP);
    expect(out.stateFile).toBe(join(FSDP, 'checkpoint-10', 'trainer_state.json'));
    expect(out).toMatchObject({ globalStep: 10, maxSteps: 20, epochs: 0.5, totalFlos: 1_142_292_480, bestMetric: null, bestCheckpoint: null });
    expect(out.checkpoints.map((c) => c.name)).toEqual(['checkpoint-10']);
    expect(out.logHistory.map((e) => [e.step, e.values['loss']])).toEqual([
      [5, 5.5213],
      [10, 5.4127],
    ]);
    expect(out.finalModel).toBe(false);
    expect(out.results).toEqual({});
    expect(out.baseModel).toBeNull();
    expect(out.hyperparameters).toEqual({
      'trainer.train_batch_size': 4,
      'trainer.num_train_epochs': 1,
      'trainer.max_steps': 20,
      'trainer.logging_steps': 5,
      'trainer.eval_steps': 500,
      'trainer.save_steps': 10,
    });
  });

  it('sharded-full is a model directory, not a Trainer output_dir', async () => {
    const e = await readError(SHARDED);
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${SHARDED} is not a Hugging Face Trainer output_dir: no trainer_state.json`);
  });
});

describe('readTrainerOutput: broken copies', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let dir: string;
  beforeEach(async () => {
    tmp = await tempDir('cognify-hf-trainer-');
    dir = join(tmp.dir, 'credit-lora');
    await cp(CREDIT, dir, { recursive: true });
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  const STATE = () => join(dir, 'trainer_state.json');
  const editState = async (f: (text: string) => string) => writeFile(STATE(), f(await readFile(STATE(), 'utf8')));
  const editStateJson = async (f: (s: Record<string, unknown>) => void) =>
    editState((t) => {
      const s = JSON.parse(t) as Record<string, unknown>;
      f(s);
      return JSON.stringify(s, null, 2);
    });

  it('a missing directory is NOT_FOUND', async () => {
    const e = await readError(join(tmp.dir, 'absent'));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(join(tmp.dir, 'absent'));
  });

  it('a file instead of a directory is INPUT_INVALID', async () => {
    const e = await readError(STATE());
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/is a file, not a directory/);
  });

  it('a directory with no trainer_state.json anywhere is not a Trainer output_dir (checkpoint-abc is ignored)', async () => {
    const other = join(tmp.dir, 'other');
    await mkdir(join(other, 'checkpoint-abc'), { recursive: true });
    await cp(STATE(), join(other, 'checkpoint-abc', 'trainer_state.json'));
    await cp(join(dir, 'adapter_model.safetensors'), join(other, 'adapter_model.safetensors'));
    const e = await readError(other);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/ is not a Hugging Face Trainer output_dir: no trainer_state\.json .*checkpoint-N/);
  });

  it('ignores checkpoint-abc directories and a file named like a checkpoint', async () => {
    await mkdir(join(dir, 'checkpoint-abc'));
    await mkdir(join(dir, 'tmp-checkpoint-120'));
    await writeFile(join(dir, 'checkpoint-120'), 'not a directory');
    const out = await readTrainerOutput(dir);
    expect(out.checkpoints.map((c) => c.name)).toEqual(['checkpoint-40', 'checkpoint-80']);
  });

  it('a checkpoint-N/ without trainer_state.json is an error naming it', async () => {
    await unlink(join(dir, 'checkpoint-40', 'trainer_state.json'));
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(join(dir, 'checkpoint-40', 'trainer_state.json'));
    expect(e.message).toMatch(/checkpoint-40 is incomplete/);
  });

  it('without a top-level state, reads the latest checkpoint', async () => {
    await unlink(STATE());
    const out = await readTrainerOutput(dir);
    expect(out.stateFile).toBe(join(dir, 'checkpoint-80', 'trainer_state.json'));
    expect(out.globalStep).toBe(80);
    expect(out.logHistory).toHaveLength(10);
    expect(out.finalModel).toBe(true);
  });

  it('a checkpoint whose global_step is not its N is an error', async () => {
    await unlink(STATE());
    await rename(join(dir, 'checkpoint-80'), join(dir, 'checkpoint-90'));
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/global_step is 80 but .*checkpoint-90 was renamed/);
  });

  it('truncated JSON gives the line and column of the end of the file', async () => {
    const text = await readFile(STATE(), 'utf8');
    const cut = text.slice(0, text.indexOf('"grad_norm"'));
    await writeFile(STATE(), cut);
    const line = cut.split('\n').length;
    const column = cut.length - cut.lastIndexOf('\n');
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${STATE()}: malformed JSON at line ${line}, column ${column}: unexpected end of file`);
    expect(e.data).toMatchObject({ line, column });
  });

  it('a stray character is reported where it is', async () => {
    await writeFile(STATE(), '{\n  "global_step": 80,\n  "log_history": [}\n');
    const e = await readError(dir);
    expect(e.message).toContain('malformed JSON at line 3, column 19: unexpected character "}"');
  });

  it('a trailing comma is malformed, as in Python', async () => {
    await writeFile(STATE(), '{"global_step": 80, "log_history": [],}');
    const e = await readError(dir);
    expect(e.message).toContain('malformed JSON at line 1, column 39: expected a property name');
  });

  it('global_step of the wrong type names the field', async () => {
    await editState((t) => t.replace('"global_step": 80,', '"global_step": "80",'));
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain(`${STATE()}: global_step: `);
    expect(e.data).toMatchObject({ field: 'global_step' });
  });

  it('a fractional or negative global_step is rejected', async () => {
    await editStateJson((s) => (s['global_step'] = 80.5));
    expect((await readError(dir)).data).toMatchObject({ field: 'global_step' });
    await editStateJson((s) => (s['global_step'] = -1));
    expect((await readError(dir)).data).toMatchObject({ field: 'global_step' });
  });

  it('a missing log_history names the field', async () => {
    await editStateJson((s) => delete s['log_history']);
    const e = await readError(dir);
    expect(e.message).toContain(`${STATE()}: log_history: `);
  });

  it('a log entry without step names its index', async () => {
    await editStateJson((s) => delete (s['log_history'] as Array<Record<string, unknown>>)[3]!['step']);
    const e = await readError(dir);
    expect(e.data).toMatchObject({ field: 'log_history[3].step' });
  });

  it('NaN and Infinity in log_history (fp16 overflow) are kept apart from the finite values', async () => {
    await editState((t) =>
      t
        .replace('"grad_norm": 1.1856168508529663', '"grad_norm": NaN')
        .replace('"grad_norm": 0.9921649694442749', '"grad_norm": Infinity')
        .replace('"loss": 1.661', '"loss": -Infinity'),
    );
    const h = (await readTrainerOutput(dir)).logHistory;
    expect(h[0]).toEqual({ step: 10, epoch: 0.25, values: { learning_rate: 0.000175, loss: 2.2636 }, nonFinite: { grad_norm: 'NaN' } });
    expect(h[1]!.nonFinite).toEqual({ grad_norm: 'Infinity' });
    expect(h[2]!.nonFinite).toEqual({ loss: '-Infinity' });
    expect(h[2]!.values).not.toHaveProperty('loss');
    expect(h[3]!.nonFinite).toBeUndefined();
    expect(h.every((e) => Object.values(e.values).every(Number.isFinite))).toBe(true);
  });

  it('a NaN step or epoch in log_history is an error', async () => {
    await editState((t) => t.replace('"epoch": 0.25', '"epoch": NaN'));
    expect((await readError(dir)).data).toMatchObject({ field: 'log_history[0].epoch' });
  });

  it('a non-finite summary number (best_metric NaN) is an error naming it', async () => {
    await editState((t) => t.replace('"best_metric": 1.3707261085510254', '"best_metric": NaN'));
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toMatchObject({ field: 'best_metric' });
    expect(e.message).toContain('best_metric');
  });

  it('Infinity in a results file (run_clm perplexity overflow) becomes the string "Infinity"', async () => {
    const p = join(dir, 'eval_results.json');
    await writeFile(p, (await readFile(p, 'utf8')).replace(/"perplexity": [0-9.]+/, '"perplexity": Infinity'));
    const out = await readTrainerOutput(dir);
    expect(out.results['eval_results']!['perplexity']).toBe('Infinity');
    expect(out.results['eval_results']!['eval_loss']).toBe(EVAL_80);
  });

  it('a results file that is not an object names the file', async () => {
    await writeFile(join(dir, 'train_results.json'), '[1, 2]');
    const e = await readError(dir);
    expect(e.message).toContain(join(dir, 'train_results.json'));
  });

  it('refuses a trainer_state.json over 64 MiB without reading it', async () => {
    await truncate(STATE(), MAX_TRAINER_STATE_BYTES + 1);
    const e = await readError(dir);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/over the 64 MiB limit/);
  });

  it('rejects bytes that are not UTF-8', async () => {
    await writeFile(STATE(), Buffer.from([0x7b, 0xff, 0x7d]));
    expect((await readError(dir)).message).toMatch(/not valid UTF-8/);
  });

  it('refuses nesting deep enough to exhaust the stack', async () => {
    await writeFile(STATE(), `{"global_step": 1, "log_history": ${'['.repeat(100_000)}`);
    expect((await readError(dir)).message).toMatch(/nested deeper than 512 levels/);
  });

  it('a "__proto__" key in a log entry does not touch any prototype', async () => {
    await editState((t) => t.replace('"loss": 2.2636,', '"loss": 2.2636, "__proto__": {"polluted": 1},'));
    const h = (await readTrainerOutput(dir)).logHistory;
    expect(Object.getPrototypeOf(h[0]!.values)).toBe(Object.prototype);
    expect((h[0]!.values as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(h[0]!.values['loss']).toBe(2.2636);
  });

  it('a bad adapter_config.json names the field', async () => {
    const p = join(dir, 'adapter_config.json');
    await writeFile(p, (await readFile(p, 'utf8')).replace('"base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M"', '"base_model_name_or_path": 5'));
    const e = await readError(dir);
    expect(e.message).toContain(`${p}: base_model_name_or_path: `);
  });

  it('without a top-level adapter_config.json, the latest checkpoint gives the base model', async () => {
    await unlink(join(dir, 'adapter_config.json'));
    await writeFile(join(dir, 'checkpoint-80', 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'other/base', r: 8 }));
    const out = await readTrainerOutput(dir);
    expect(out.baseModel).toEqual({ name: 'other/base', revision: null });
    expect(out.hyperparameters['peft.r']).toBe(8);
  });

  it('a full fine-tune: base model from config.json, final model from the shards', async () => {
    const full = join(tmp.dir, 'full');
    await cp(SHARDED, full, { recursive: true });
    await cp(join(FSDP, 'checkpoint-10', 'trainer_state.json'), join(full, 'trainer_state.json'));
    const out = await readTrainerOutput(full);
    expect(out.baseModel).toEqual({ name: 'cognify-fixtures/tiny-llama-2l', revision: null });
    expect(out.finalModel).toBe(true);
    expect(Object.keys(out.hyperparameters).every((k) => k.startsWith('trainer.'))).toBe(true);
    await rm(join(full, 'model-00001-of-00002.safetensors'));
    await rm(join(full, 'model-00002-of-00002.safetensors'));
    expect((await readTrainerOutput(full)).finalModel).toBe(false);
  });
});

describe('fixtures/runs: layouts', () => {
  it('every fixture safetensors parses, with the tensor and parameter counts of the README', async () => {
    const found: Record<string, [number, number, number]> = {};
    for (const d of FIXTURE_DIRS) {
      for (const f of await listFiles(join(RUNS, d))) {
        if (!f.endsWith('.safetensors')) continue;
        const info = await readSafetensorsHeader(join(RUNS, d, f));
        expect(info.dtypes).toEqual({ BF16: info.tensors });
        expect(info.metadata).toEqual({ format: 'pt' });
        found[`${d}/${f}`] = [info.tensors, info.parameters, info.bytes];
      }
    }
    expect(found).toEqual({
      'credit-lora/adapter_model.safetensors': [8, 15_360, 30_720],
      'credit-lora/checkpoint-40/adapter_model.safetensors': [8, 15_360, 30_720],
      'credit-lora/checkpoint-80/adapter_model.safetensors': [8, 15_360, 30_720],
      'sharded-full/model-00001-of-00002.safetensors': [13, 19_520, 39_040],
      'sharded-full/model-00002-of-00002.safetensors': [7, 7_264, 14_528],
    });
  });

  it('credit-lora: adapter tensor names as PEFT saves them; the final adapter is checkpoint-80', async () => {
    const names = await tensorNames(join(CREDIT, 'adapter_model.safetensors'));
    expect(names).toEqual(
      [0, 1].flatMap((l) =>
        ['q_proj', 'v_proj'].flatMap((p) => ['A', 'B'].map((ab) => `base_model.model.model.layers.${l}.self_attn.${p}.lora_${ab}.weight`)),
      ),
    );
    const top = await readFile(join(CREDIT, 'adapter_model.safetensors'));
    expect(top.equals(await readFile(join(CREDIT, 'checkpoint-80', 'adapter_model.safetensors')))).toBe(true);
    expect(top.equals(await readFile(join(CREDIT, 'checkpoint-40', 'adapter_model.safetensors')))).toBe(false);
  });

  it('credit-lora: each checkpoint holds the seven files a PEFT Trainer checkpoint has, classified', async () => {
    for (const c of ['checkpoint-40', 'checkpoint-80']) {
      const files = (await listFiles(join(CREDIT, c))).map((f) => [f, classifyCheckpointFile(`${c}/${f}`).role]);
      expect(files).toEqual([
        ['adapter_config.json', 'config'],
        ['adapter_model.safetensors', 'adapter'],
        ['optimizer.pt', 'optimizer'],
        ['rng_state.pth', 'rng-state'],
        ['scheduler.pt', 'scheduler'],
        ['trainer_state.json', 'trainer-state'],
        ['training_args.bin', 'training-args'],
      ]);
    }
    expect(await listFiles(CREDIT)).toHaveLength(24);
  });

  it('sharded-full: the index matches the shards (crossCheckIndex, checkShardSet, total_size, names)', async () => {
    const files = await listFiles(SHARDED);
    expect(files).toEqual([
      'config.json',
      'generation_config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'tokenizer_config.json',
    ]);
    const index = JSON.parse(await readFile(join(SHARDED, 'model.safetensors.index.json'), 'utf8')) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    expect(crossCheckIndex(index, files)).toEqual({ missing: [], unreferenced: [] });
    const report = checkShardSet(files.map((relPath) => ({ relPath })));
    expect(report).toEqual({ ok: true, sets: [{ name: 'model.safetensors', counts: [2], missing: [], outOfRange: [] }] });
    expect(files.map((f) => classifyCheckpointFile(f).shard)).toEqual([null, null, { index: 1, of: 2 }, { index: 2, of: 2 }, null, null]);

    let bytes = 0;
    const fromShards: Record<string, string> = {};
    for (const shard of ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
      bytes += (await readSafetensorsHeader(join(SHARDED, shard))).bytes;
      for (const name of await tensorNames(join(SHARDED, shard))) fromShards[name] = shard;
    }
    expect(index.metadata.total_size).toBe(53_568);
    expect(index.metadata.total_size).toBe(bytes);
    expect(index.weight_map).toEqual(fromShards);
    expect(Object.keys(index.weight_map)).toHaveLength(20);
  });

  it('fsdp-two-ranks: every file has its role and rank, and the world size is 2', async () => {
    const files = (await listFiles(FSDP)).map((f) => `fsdp-two-ranks/${f}`);
    const table = files.map((f) => {
      const c = classifyCheckpointFile(f);
      return [f.slice('fsdp-two-ranks/checkpoint-10/'.length), c.role, c.rank];
    });
    expect(table).toEqual([
      ['optimizer_0/.metadata', 'index', null],
      ['optimizer_0/__0_0.distcp', 'optimizer', 0],
      ['optimizer_0/__1_0.distcp', 'optimizer', 1],
      ['pytorch_model_fsdp_0/.metadata', 'index', null],
      ['pytorch_model_fsdp_0/__0_0.distcp', 'model-shard', 0],
      ['pytorch_model_fsdp_0/__1_0.distcp', 'model-shard', 1],
      ['rng_state_0.pth', 'rng-state', 0],
      ['rng_state_1.pth', 'rng-state', 1],
      ['scheduler.pt', 'scheduler', null],
      ['trainer_state.json', 'trainer-state', null],
    ]);
    expect(worldSizeOf(files.map((relPath) => ({ relPath })))).toBe(2);
  });

  it('every torch stand-in is a protocol-2 pickle of one labelled str', async () => {
    let n = 0;
    for (const d of FIXTURE_DIRS) {
      for (const f of await listFiles(join(RUNS, d))) {
        if (!/(\.pt|\.pth|\.bin|\.distcp|\/\.metadata)$/.test(f)) continue;
        const b = await readFile(join(RUNS, d, f));
        // PROTO 2, BINUNICODE <u32 length> <utf-8>, BINPUT 0, STOP
        expect([...b.subarray(0, 3)]).toEqual([0x80, 0x02, 0x58]);
        expect(b.readUInt32LE(3)).toBe(b.length - 10);
        expect([...b.subarray(b.length - 3)]).toEqual([0x71, 0x00, 0x2e]);
        const label = b.subarray(7, b.length - 3).toString('utf8');
        expect(label).toMatch(/^cognify fixture stand-in, not torch\.save output: /);
        expect(label).toContain(`${d}/${f}`);
        n++;
      }
    }
    expect(n).toBe(9 + 9);
  });

  it('scripts/make-run-fixtures.js reproduces the three directories byte for byte', async () => {
    const script = '../../scripts/make-run-fixtures.js'; // plain JS, no types: import by a non-literal path
    const { runFixtureFiles } = (await import(script)) as { runFixtureFiles: () => Map<string, Uint8Array> };
    const made = runFixtureFiles();
    const onDisk: string[] = [];
    for (const d of FIXTURE_DIRS) for (const f of await listFiles(join(RUNS, d))) onDisk.push(`${d}/${f}`);
    expect([...made.keys()].sort()).toEqual(onDisk.sort());
    let total = 0;
    for (const [rel, bytes] of made) {
      const disk = await readFile(join(RUNS, rel));
      expect(Buffer.from(bytes).equals(disk), rel).toBe(true);
      total += bytes.length;
    }
    expect(made.size).toBe(40);
    expect(total).toBe(171_101);
  });
});
