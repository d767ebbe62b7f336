// Reads the aggregated results file of EleutherAI's lm-evaluation-harness 0.4.x: the
// `results_<timestamp>.json` that EvaluationTracker.save_results_aggregated writes under
// `--output_path` (lm_eval/loggers/evaluation_tracker.py). Its keys, as 0.4.x writes them:
//
//   results           task -> { "<metric>,<filter>": number, "<metric>_stderr,<filter>": number | "N/A", alias, ... }
//   groups            group -> the same, for groups with an aggregate (mmlu, mmlu_stem, ...); also in results
//   group_subtasks    task or group -> its direct subtasks ([] for a plain task); subject tasks are not keys
//   configs           task -> its YAML config as run (not read here)
//   versions          task -> version (1.0, 2, "1.0")
//   n-shot            task -> few-shot count (absent for groups)
//   higher_is_better  task -> { metric: boolean }
//   n-samples         task -> { original, effective } (effective < original under --limit; absent for groups)
//   config            { model: "hf", model_args: "k=v,..." (older) or { k: v } (newer), batch_size, ... }
//   git_hash          `git describe --always` in the directory lm_eval ran in (the user's repository, not
//                     lm-eval's), or null outside a repository
//   date              start of the run, Unix seconds (a float)
//
// The metric numbers are what a record relies on, so they are checked strictly: each must be a finite
// number, a stderr a number or "N/A" (what lm-eval writes when it has none). Python's json module writes
// NaN/Infinity for a metric that could not be computed; those are not JSON and are reported as such
// (python-json.ts parses the file, with allowNan off).
// Descriptive fields (n-shot, versions, ...) are read when they have the documented type; a section
// that is not an object at all means the file is not what it claims to be and is refused.
import { InputError } from '../core/errors.js';
import { MAX_JSON_DEPTH, parsePythonJson, PythonJsonError } from './python-json.js';
import { readSmallFile } from './small-file.js';

/** Larger than any aggregated results file (a full MMLU + BBH run is under 1 MiB); a samples dump is not one. */
export const MAX_RESULTS_BYTES = 64 * 2 ** 20;

export interface EvalMetric {
  /** "acc" of "acc,none". */
  name: string;
  /** "none" of "acc,none"; "strict-match" of "exact_match,strict-match". */
  filter: string;
  value: number;
  /** From "<name>_stderr,<filter>"; null when absent or "N/A". */
  stderr: number | null;
  /** From higher_is_better[task][name]; null when the file does not say. */
  higherIsBetter: boolean | null;
}

export interface EvalTask {
  task: string;
  /** A group of other tasks (in `groups`, or with subtasks in `group_subtasks`). */
  group: boolean;
  nShot: number | null;
  samples: { original: number; effective: number } | null;
  version: string | number | null;
  metrics: EvalMetric[];
  /**
   * Direct subtasks, from `group_subtasks` ([] for a plain task); absent when the file has no
   * `group_subtasks` (early 0.4 releases), in which case group membership is unknown.
   */
  subtasks?: string[];
}

export interface LmEvalResults {
  /** The path or name the results were read from. */
  file: string;
  harness: 'lm-evaluation-harness';
  /** config.model: the lm-eval model type ("hf", "vllm", "local-completions", ...). */
  model: string | null;
  /** config.model_args as given on the command line, "pretrained=...,dtype=..." (a dict is written back in that form). */
  modelArgs: string | null;
  gitHash: string | null;
  /** Unix seconds. */
  date: number | null;
  /** `results` in file order, then groups found only in `groups`. */
  tasks: EvalTask[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'object' ? 'an' : 'a'} ${typeof v}${typeof v === 'number' || typeof v === 'boolean' ? ` (${String(v)})` : ''}`;
}

const WHAT_TO_GIVE = 'give the results_<timestamp>.json that lm_eval writes under --output_path';

function notResults(name: string, why: string): InputError {
  return new InputError('INPUT_INVALID', `${name} is not an lm-evaluation-harness results file: ${why}; ${WHAT_TO_GIVE}`, { file: name });
}

/**
 * Parsed strictly: NaN and Infinity stop the parse where they stand, so the message names the
 * token and its place instead of a later "metric is not a number" (or nothing, for a field such
 * as `date` that is read leniently).
 */
function parseJson(text: string, name: string): unknown {
  try {
    return parsePythonJson(text, { allowNan: false });
  } catch (e) {
    if (!(e instanceof PythonJsonError)) throw e;
    const { offset: at, line, column } = e;
    const near = text.slice(at, at + 9);
    // Read from the text rather than e.reason, so a "-NaN" (a syntax error at the "-") is named too.
    const nonJson = /^-?(NaN|Infinity)/.exec(near);
    const what =
      e.reason === 'too-deep'
        ? `it is nested deeper than ${MAX_JSON_DEPTH} levels at line ${line}, column ${column}; ${WHAT_TO_GIVE}`
        : nonJson
          ? `${nonJson[0]} at line ${line}, column ${column} is not a JSON number (Python's json module writes it for a metric that could not be computed); the file cannot be recorded until that metric is fixed or removed`
          : at >= text.length
            ? `it ends too early (line ${line}, column ${column}): the file is truncated; ${WHAT_TO_GIVE}, complete`
            : `unexpected ${JSON.stringify(near.slice(0, 1))} at line ${line}, column ${column}; ${WHAT_TO_GIVE}`;
    throw new InputError('INPUT_INVALID', `${name} is not valid JSON: ${what}`, { file: name, line, column }, e);
  }
}

/** `section` of the top level: absent or null -> undefined; present but not an object -> error. */
function section(top: Json, key: string, name: string): Json | undefined {
  const v = top[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw notResults(name, `"${key}" is ${describe(v)}, expected an object`);
  return v;
}

function metricsOf(task: string, entry: Json, where: string, hib: Json | undefined, name: string): EvalMetric[] {
  const metrics: EvalMetric[] = [];
  const b = hib?.[task];
  const better = isObject(b) ? b : undefined;
  for (const [key, value] of Object.entries(entry)) {
    const comma = key.indexOf(',');
    // "alias", "name", "sample_len", "sample_count", "samples": not metrics.
    if (comma === -1) continue;
    const metric = key.slice(0, comma);
    const filter = key.slice(comma + 1);
    if (metric.endsWith('_stderr')) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError(
        'INPUT_INVALID',
        `${name}: ${where}.${task}["${key}"] is ${describe(value)}, not a number; metric values are numbers in a file lm_eval wrote: was it edited by hand? Re-run the evaluation or restore the file`,
        { file: name, task, metric: key },
      );
    }
    const stderrKey = `${metric}_stderr,${filter}`;
    const se = entry[stderrKey];
    if (se !== undefined && se !== null && se !== 'N/A' && (typeof se !== 'number' || !Number.isFinite(se))) {
      throw new InputError(
        'INPUT_INVALID',
        `${name}: ${where}.${task}["${stderrKey}"] is ${describe(se)}; a standard error is a number or "N/A": was the file edited by hand? Re-run the evaluation or restore the file`,
        { file: name, task, metric: stderrKey },
      );
    }
    const hb = better?.[metric];
    metrics.push({ name: metric, filter, value, stderr: typeof se === 'number' ? se : null, higherIsBetter: typeof hb === 'boolean' ? hb : null });
  }
  return metrics;
}

function nShotOf(v: unknown, task: string, name: string): number | null {
  if (v === undefined || v === null || typeof v === 'string') return null; // older files wrote "N/A"/"None" for groups
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw notResults(name, `n-shot of ${task} is ${describe(v)}, expected a whole number`);
}

function samplesOf(v: unknown, task: string, name: string): EvalTask['samples'] {
  if (v === undefined || v === null) return null;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (isObject(v) && ok(v.original) && ok(v.effective)) return { original: v.original, effective: v.effective };
  throw notResults(name, `n-samples of ${task} is ${describe(v)}, expected { "original": n, "effective": n }`);
}

/** model_args as lm-eval takes it on the command line: a string as is, a dict as "k=v,k=v". */
function modelArgsOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (!isObject(v)) return null;
  return Object.entries(v)
    .map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`)
    .join(',');
}

/** Parses the text of a results file; `name` (the file) starts every error message. */
export function parseLmEvalResults(text: string, name: string): LmEvalResults {
  const top = parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, name);
  if (!isObject(top)) throw notResults(name, `the top level is ${describe(top)}, not an object with a "results" object`);
  if (!isObject(top.results)) {
    throw notResults(name, top.results === undefined ? 'no "results" object at the top level' : `"results" is ${describe(top.results)}, not an object`);
  }
  const results = top.results;
  const groups = section(top, 'groups', name);
  const groupSubtasks = section(top, 'group_subtasks', name);
  const versions = section(top, 'versions', name);
  const nShots = section(top, 'n-shot', name);
  const nSamples = section(top, 'n-samples', name);
  const hib = section(top, 'higher_is_better', name);
  const config = section(top, 'config', name);

  const names = [...Object.keys(results), ...Object.keys(groups ?? {}).filter((g) => !(g in results))];
  if (!names.length) {
    throw new InputError('INPUT_INVALID', `${name} has an empty "results" object: the run evaluated no tasks; check the --tasks given to lm_eval and re-run it`, { file: name });
  }

  const tasks = names.map((task): EvalTask => {
    const where = task in results ? 'results' : 'groups';
    const entry = (where === 'results' ? results : groups!)[task];
    if (!isObject(entry)) throw notResults(name, `${where}.${task} is ${describe(entry)}, expected an object of metrics`);
    const subs = groupSubtasks?.[task];
    if (subs !== undefined && subs !== null && !(Array.isArray(subs) && subs.every((s) => typeof s === 'string'))) {
      throw notResults(name, `group_subtasks.${task} is ${describe(subs)}, expected a list of task names`);
    }
    const subtasks = groupSubtasks ? ((subs as string[] | null | undefined) ?? []) : undefined;
    const version = versions?.[task];
    return {
      task,
      group: (groups !== undefined && task in groups) || (subtasks?.length ?? 0) > 0,
      nShot: nShotOf(nShots?.[task], task, name),
      samples: samplesOf(nSamples?.[task], task, name),
      version: typeof version === 'number' || typeof version === 'string' ? version : null,
      metrics: metricsOf(task, entry, where, hib, name),
      ...(subtasks ? { subtasks: [...subtasks] } : {}),
    };
  });

  if (tasks.every((t) => t.metrics.length === 0)) {
    throw notResults(name, 'no task has a metric of the form "acc,none" (metric,filter), which lm-eval 0.4 and later write; files from lm-eval 0.3 are not supported, re-run with 0.4 or later');
  }

  const date = top.date;
  return {
    file: name,
    harness: 'lm-evaluation-harness',
    model: typeof config?.model === 'string' ? config.model : null,
    modelArgs: modelArgsOf(config?.model_args),
    gitHash: typeof top.git_hash === 'string' ? top.git_hash : null,
    date: typeof date === 'number' && Number.isFinite(date) ? date : null,
    tasks,
  };
}

/** Reads and parses a results file; refuses anything over MAX_RESULTS_BYTES before reading it. */
export async function readLmEvalResults(path: string): Promise<LmEvalResults> {
  const text = await readSmallFile(path, {
    cap: MAX_RESULTS_BYTES,
    what: 'lm-eval results file',
    limitFor: 'a results file (they are usually under 1 MiB; per-sample logs go to samples_*.jsonl)',
    hint: WHAT_TO_GIVE,
    data: { file: path },
  });
  return parseLmEvalResults(text, path);
}
