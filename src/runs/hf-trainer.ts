// Reads what a Hugging Face transformers Trainer left in its `output_dir`: the training state, the
// checkpoints, the metrics files and the base model. Pure reading: nothing is stored or signed.
//
// What the Trainer writes (transformers 4.x, trainer.py / trainer_callback.py):
// - `checkpoint-{global_step}/` per save (`PREFIX_CHECKPOINT_DIR`; `get_last_checkpoint` finds them
//   with `^checkpoint\-(\d+)$` and `os.path.isdir`, so we match the same way and ignore anything
//   else, e.g. `checkpoint-abc` or the `tmp-checkpoint-N` staging dirs some 4.3x versions wrote).
// - `trainer_state.json` in every checkpoint (`_save_checkpoint` → `state.save_to_json`, always, even
//   with `save_only_model`), and at the top level after `trainer.save_state()`: json.dumps(
//   asdict(TrainerState), indent=2, sort_keys=True). The top-level one is the final state; without
//   it, the latest checkpoint's is the newest there is.
// - `{split}_results.json` and `all_results.json` from `save_metrics` (json.dump, indent=4).
// - PEFT's `adapter_config.json` (base_model_name_or_path, revision) or transformers'
//   `config.json` (`_name_or_path`) next to the saved weights.
//
// Decisions:
// - A `checkpoint-N/` without trainer_state.json is an error, not skipped: the Trainer writes the
//   file into every checkpoint it saves, so its absence means an interrupted save or a copy that
//   lost files, and a record built over it would describe a checkpoint that cannot be resumed.
// - When the state comes from `checkpoint-N/`, its global_step must be N (the Trainer names the
//   directory after it); a mismatch means a renamed or mixed-up directory.
// - Python's json writes NaN, Infinity and -Infinity as bare words (allow_nan=True), and real logs
//   hold them: fp16 overflow steps log `"grad_norm": NaN`, run_clm.py writes `"perplexity":
//   Infinity` when exp(eval_loss) overflows. So the parser (python-json.ts) accepts them, and then:
//   log_history keeps them out of `values` (which stay finite) and lists them in `nonFinite`;
//   results files give them as the strings "NaN" / "Infinity" / "-Infinity";
//   the state's own summary numbers (global_step, total_flos, best_metric, epoch, ...) must be
//   finite, since every later reading of the run rests on them.
// - trainer_state.json over 64 MiB is refused before reading (a 100k-step run logging every step
//   is about 13 MB at ~130 bytes an entry); the small side files (results, configs) are capped at
//   8 MiB.

import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, NotFoundError } from '../core/errors.js';
import { classifyCheckpointFile } from './checkpoint-layout.js';
import { parsePythonJson, PythonJsonError } from './python-json.js';
import { readSmallFile } from './small-file.js';

export type NonFiniteToken = 'NaN' | 'Infinity' | '-Infinity';

export interface TrainerLogEntry {
  step: number;
  epoch: number | null;
  /** Finite numeric fields of one log_history item, except step and epoch. */
  values: Record<string, number>;
  /** Numeric fields Python wrote as NaN / Infinity / -Infinity; present only when there are some. */
  nonFinite?: Record<string, NonFiniteToken>;
}

export interface TrainerCheckpointDir {
  name: string;
  step: number;
  /** Absolute path. */
  dir: string;
}

export type HyperparameterValue = string | number | boolean | null | (string | number)[];

export interface TrainerOutput {
  /** Absolute path of the output_dir. */
  dir: string;
  /** The trainer_state.json read: the top-level one, else the latest checkpoint's. */
  stateFile: string;
  globalStep: number;
  maxSteps: number | null;
  /** Epochs trained (trainer_state `epoch`, fractional); the plan is hyperparameters["trainer.num_train_epochs"]. */
  epochs: number | null;
  totalFlos: number | null;
  bestMetric: number | null;
  /** Last path component of best_model_checkpoint, e.g. "checkpoint-80". */
  bestCheckpoint: string | null;
  logHistory: TrainerLogEntry[];
  /** Every checkpoint-N/ directory, sorted by N. */
  checkpoints: TrainerCheckpointDir[];
  /** The top level holds weights (model*.safetensors, pytorch_model*.bin, adapter_model.*, ...). */
  finalModel: boolean;
  /** "all_results", "train_results", "eval_results", "test_results", those present. */
  results: Record<string, Record<string, number | string>>;
  baseModel: { name: string; revision: string | null } | null;
  /** "trainer.*" from trainer_state.json, "peft.*" from adapter_config.json. */
  hyperparameters: Record<string, HyperparameterValue>;
}

export const MAX_TRAINER_STATE_BYTES = 64 * 1024 * 1024;
export const MAX_SIDE_FILE_BYTES = 8 * 1024 * 1024;

const STATE = 'trainer_state.json';
const RESULT_FILES = ['all_results', 'train_results', 'eval_results', 'test_results'] as const;
const _CHECKPOINT = /^checkpoint-([0-9]+)$/;
const TRAINER_KEYS = ['train_batch_size', 'num_train_epochs', 'max_steps', 'logging_steps', 'eval_steps', 'save_steps'] as const;

/** Define an own enumerable property, so a key such as "__proto__" stays data. */
function _set<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Files

async function _statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new InputError('INPUT_INVALID', `${path}: cannot read (${code ?? 'error'}); check the path and permissions`, { path }, e);
  }
}

/** Read and parse a JSON file of at most `cap` bytes. */
async function _readJson(path: string, cap: number): Promise<unknown> {
  let text: string;
  try {
    text = await readSmallFile(path, { cap, what: 'Trainer output file', hint: 'check that it is the file the Trainer wrote' });
  } catch (e) {
    // Every caller listed the file a moment ago, so missing now means something is still writing.
    if (e instanceof NotFoundError) throw new InputError('INPUT_INVALID', `${path}: disappeared while being read; retry when nothing is writing to it`, { path }, e);
    throw e;
  }
  // A leading byte order mark (an editor's; Python's json writes none) is dropped, not refused.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return parsePythonJson(text);
  } catch (e) {
    if (!(e instanceof PythonJsonError)) throw e;
    const { line, column } = e;
    throw new InputError(
      'INPUT_INVALID',
      `${path}: malformed JSON at line ${line}, column ${column}: ${e.detail}; the file is damaged or truncated, restore it from the training run's storage`,
      { path, line, column },
      e,
    );
  }
}

function _where(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(top level)' : out;
}

function _validate<T>(schema: z.ZodType<T>, value: unknown, path: string, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = _where(issue.path);
  throw new InputError(
    'INPUT_INVALID',
    `${path}: ${field}: ${issue.message}; this is not the ${what} format that Hugging Face writes, check the file is complete and unedited`,
    { path, field },
  );
}

// ---------------------------------------------------------------------------------------------
// Schemas: loose (unknown fields pass), typed where read. zod 4's z.number() rejects NaN and ±∞.

const _count = z.number().int().nonnegative();
const _optNumber = z.number().nullable().optional();

const _LogItem = z.looseObject({ step: _count, epoch: _optNumber });

const _TrainerState = z.looseObject({
  global_step: _count,
  max_steps: _count.nullable().optional(),
  epoch: _optNumber,
  num_train_epochs: _optNumber,
  total_flos: _optNumber,
  best_metric: _optNumber,
  best_model_checkpoint: z.string().nullable().optional(),
  log_history: z.array(_LogItem),
  logging_steps: _optNumber,
  eval_steps: _optNumber,
  save_steps: _optNumber,
  train_batch_size: _count.nullable().optional(),
});
type _State = z.infer<typeof _TrainerState>;

const _AdapterConfig = z.looseObject({
  base_model_name_or_path: z.string().nullable().optional(),
  revision: z.string().nullable().optional(),
});
const _ModelConfig = z.looseObject({ _name_or_path: z.string().optional() });
const _Results = z.record(z.string(), z.unknown());

// ---------------------------------------------------------------------------------------------

function _token(n: number): NonFiniteToken {
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

function _logEntry(item: z.infer<typeof _LogItem>): TrainerLogEntry {
  const values: Record<string, number> = {};
  let nonFinite: Record<string, NonFiniteToken> | undefined;
  for (const [k, v] of Object.entries(item)) {
    if (k === 'step' || k === 'epoch' || typeof v !== 'number') continue;
    if (Number.isFinite(v)) _set(values, k, v);
    else _set((nonFinite ??= {}), k, _token(v));
  }
  const entry: TrainerLogEntry = { step: item.step, epoch: item.epoch ?? null, values };
  if (nonFinite !== undefined) entry.nonFinite = nonFinite;
  return entry;
}

function _results(raw: Record<string, unknown>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'number') _set(out, k, Number.isFinite(v) ? v : _token(v));
    else if (typeof v === 'string') _set(out, k, v);
    // Booleans, nulls and nested objects are not metrics; save_metrics never writes them.
  }
  return out;
}

function _hyperValue(v: unknown): HyperparameterValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)))) {
    return v as (string | number)[];
  }
  return undefined;
}

/** PEFT config fields: scalars and lists as they are; a map of scalars (rank_pattern) one level down. */
function _peftHyperparameters(cfg: Record<string, unknown>, out: Record<string, HyperparameterValue>): void {
  for (const key of Object.keys(cfg).sort()) {
    if (key === 'base_model_name_or_path' || key === 'revision') continue;
    const v = cfg[key];
    const h = _hyperValue(v);
    if (h !== undefined) {
      _set(out, `peft.${key}`, h);
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const sub of Object.keys(v).sort()) {
        const hs = _hyperValue((v as Record<string, unknown>)[sub]);
        if (hs !== undefined && !Array.isArray(hs)) _set(out, `peft.${key}.${sub}`, hs);
      }
    }
  }
}

/** Last component of a path the Trainer wrote, on POSIX or Windows. */
function _baseName(p: string): string | null {
  const parts = p.split(/[\\/]+/).filter((x) => x !== '');
  return parts.length === 0 ? null : parts[parts.length - 1]!;
}

interface _Entry {
  name: string;
  file: boolean;
  directory: boolean;
}

async function _list(dir: string): Promise<_Entry[]> {
  try {
    const dirents = await readdir(dir, { withFileTypes: true });
    const out: _Entry[] = [];
    for (const d of dirents) {
      let file = d.isFile();
      let directory = d.isDirectory();
      if (d.isSymbolicLink()) {
        const st = await _statOrNull(join(dir, d.name));
        file = st?.isFile() ?? false;
        directory = st?.isDirectory() ?? false;
      }
      out.push({ name: d.name, file, directory });
    }
    return out;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('INPUT_INVALID', `${dir}: cannot list (${code}); check the path and permissions`, { path: dir }, e);
  }
}

/** Read a Trainer output_dir: state, checkpoints, results, base model and hyperparameters. */
export async function readTrainerOutput(dir: string): Promise<TrainerOutput> {
  if (typeof dir !== 'string' || dir === '') {
    throw new InputError('INPUT_INVALID', 'expected the path of a Trainer output_dir, got an empty value', { dir });
  }
  const abs = resolve(dir);
  const st = await _statOrNull(abs);
  if (st === null) throw new NotFoundError('NOT_FOUND', `${abs}: no such directory; pass the Trainer's output_dir`, { path: abs });
  if (!st.isDirectory()) {
    throw new InputError('INPUT_INVALID', `${abs}: is a file, not a directory; pass the Trainer's output_dir`, { path: abs });
  }

  const entries = await _list(abs);
  const files = new Set(entries.filter((e) => e.file).map((e) => e.name));
  const checkpoints: TrainerCheckpointDir[] = [];
  for (const e of entries) {
    const m = _CHECKPOINT.exec(e.name);
    const step = m ? Number(m[1]) : NaN;
    if (e.directory && Number.isSafeInteger(step)) checkpoints.push({ name: e.name, step, dir: join(abs, e.name) });
  }
  checkpoints.sort((a, b) => a.step - b.step || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of checkpoints) {
    const s = await _statOrNull(join(c.dir, STATE));
    if (s === null || !s.isFile()) {
      throw new InputError(
        'INPUT_INVALID',
        `${join(c.dir, STATE)}: missing; the Trainer writes it into every checkpoint, so ${c.name} is incomplete (an interrupted save?): restore it or remove the directory`,
        { path: c.dir, checkpoint: c.name },
      );
    }
  }

  const last = checkpoints[checkpoints.length - 1];
  const fromTop = files.has(STATE);
  if (!fromTop && last === undefined) {
    throw new InputError(
      'INPUT_INVALID',
      `${abs} is not a Hugging Face Trainer output_dir: no ${STATE} at its top level nor in any checkpoint-N/ directory; pass the directory given as TrainingArguments(output_dir=...)`,
      { path: abs },
    );
  }
  const stateFile = fromTop ? join(abs, STATE) : join(last!.dir, STATE);
  const state: _State = _validate(_TrainerState, await _readJson(stateFile, MAX_TRAINER_STATE_BYTES), stateFile, STATE);
  if (!fromTop && state.global_step !== last!.step) {
    throw new InputError(
      'INPUT_INVALID',
      `${stateFile}: global_step is ${state.global_step} but the Trainer names a checkpoint after its step, so ${last!.name} was renamed or mixed up with another run; restore the original directory name`,
      { path: stateFile, field: 'global_step' },
    );
  }

  const results: Record<string, Record<string, number | string>> = {};
  for (const name of RESULT_FILES) {
    if (!files.has(`${name}.json`)) continue;
    const path = join(abs, `${name}.json`);
    _set(results, name, _results(_validate(_Results, await _readJson(path, MAX_SIDE_FILE_BYTES), path, 'save_metrics')));
  }

  const hyperparameters: Record<string, HyperparameterValue> = {};
  for (const key of TRAINER_KEYS) {
    const v = state[key];
    if (v !== undefined && v !== null) _set(hyperparameters, `trainer.${key}`, v);
  }

  let baseModel: TrainerOutput['baseModel'] = null;
  const places: Array<{ dir: string; names: Set<string> }> = [{ dir: abs, names: files }];
  if (last !== undefined) {
    const inLast = (await _list(last.dir)).filter((e) => e.file).map((e) => e.name);
    places.push({ dir: last.dir, names: new Set(inLast) });
  }
  for (const place of places) {
    if (place.names.has('adapter_config.json')) {
      const path = join(place.dir, 'adapter_config.json');
      const raw = await _readJson(path, MAX_SIDE_FILE_BYTES);
      const cfg = _validate(_AdapterConfig, raw, path, 'PEFT adapter_config.json');
      if (cfg.base_model_name_or_path) baseModel = { name: cfg.base_model_name_or_path, revision: cfg.revision ?? null };
      _peftHyperparameters(cfg, hyperparameters);
      break;
    }
    if (place.names.has('config.json')) {
      const path = join(place.dir, 'config.json');
      const cfg = _validate(_ModelConfig, await _readJson(path, MAX_SIDE_FILE_BYTES), path, 'transformers config.json');
      if (cfg._name_or_path) baseModel = { name: cfg._name_or_path, revision: null };
      break;
    }
  }

  const finalModel = [...files].some((f) => {
    const role = classifyCheckpointFile(f).role;
    return role === 'model-shard' || role === 'adapter';
  });

  return {
    dir: abs,
    stateFile,
    globalStep: state.global_step,
    maxSteps: state.max_steps ?? null,
    epochs: state.epoch ?? null,
    totalFlos: state.total_flos ?? null,
    bestMetric: state.best_metric ?? null,
    bestCheckpoint: state.best_model_checkpoint ? _baseName(state.best_model_checkpoint) : null,
    logHistory: state.log_history.map(_logEntry),
    checkpoints,
    finalModel,
    results,
    baseModel,
    hyperparameters,
  };
}
