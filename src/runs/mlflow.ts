// Reads an MLflow tracking FileStore (an `mlruns` directory) and its model registry, as MLflow 2.x
// writes them (mlflow/store/tracking/file_store.py, mlflow/store/model_registry/file_store.py):
//
//   <root>/<experiment_id>/meta.yaml                 experiment: experiment_id, name, lifecycle_stage, ...
//   <root>/<experiment_id>/<run_id>/meta.yaml        run info: run_id, status (RunStatus enum int), ...
//   <root>/<experiment_id>/<run_id>/metrics/<name>   one line per point, "timestamp value step"
//   <root>/<experiment_id>/<run_id>/params/<name>    the value, verbatim, no trailing newline
//   <root>/<experiment_id>/<run_id>/tags/<name>      likewise
//   <root>/models/<name>/meta.yaml                   registered model
//   <root>/models/<name>/version-<n>/meta.yaml       model version: run_id, source, current_stage, ...
//   <root>/.trash/                                   experiments moved there by delete_experiment
//
// Metric, param and tag names may contain "/", which the store turns into nested directories
// (`train/loss` is metrics/train/loss), so those folders are walked recursively.
//
// Stricter than MLflow on purpose: MLflow's own reader logs and skips a directory whose meta.yaml
// is missing or whose ids disagree (FileStore._list_run_infos, search_experiments). Skipping would
// silently drop a run from an audit record, so here each of those is one InputError naming the file.
// `.trash` is not read (a deleted experiment lives there); a run deleted with delete_run stays in
// place with lifecycle_stage "deleted" and is returned like any other run.
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isMap, LineCounter, parseDocument, visit } from 'yaml';
import { yamlData } from '../core/yaml.js';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';

export interface MlflowMetricPoint {
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** NaN and ±Infinity are kept: MLflow records them (a diverged loss is logged as `nan`). */
  value: number;
  step: number;
}

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MlflowRun {
  runId: string;
  experimentId: string;
  experimentName: string;
  runName: string | null;
  status: MlflowRunStatus;
  /** Milliseconds since the epoch, as MLflow stores them. */
  startTime: number | null;
  endTime: number | null;
  /** "active" or "deleted". */
  lifecycleStage: string;
  user: string | null;
  artifactUri: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Metric name ("train/loss") -> points in file order. */
  metrics: Record<string, MlflowMetricPoint[]>;
  /** tags['mlflow.source.git.commit'], or null. */
  gitCommit: string | null;
}

export interface MlflowModelVersion {
  name: string;
  version: number;
  runId: string | null;
  source: string | null;
  /** "READY", "PENDING_REGISTRATION" or "FAILED_REGISTRATION". */
  status: string | null;
  /** As stored: "None" (MLflow's name for no stage), "Staging", "Production", "Archived". */
  stage: string | null;
  creationTime: number | null;
}

export interface MlflowStore {
  dir: string;
  experiments: { id: string; name: string; lifecycleStage: string }[];
  runs: MlflowRun[];
  models: { name: string; versions: MlflowModelVersion[] }[];
}

const TRASH = '.trash';
const MODELS = 'models';
/** FileStore.RESERVED_EXPERIMENT_FOLDERS: folders of an experiment that are not runs. */
const EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);
/** RunStatus in mlflow/protos/service.proto. A meta.yaml without `status` is RUNNING (_read_persisted_run_info_dict). */
const RUN_STATUS: Record<number, MlflowRunStatus> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };
const META_FIX = 'repair it to the form MLflow writes, or restore it from a backup of the store';

function bad(path: string, problem: string, data: Record<string, unknown> = {}): InputError {
  return new InputError('INPUT_INVALID', `${path}: ${problem}`, { path, ...data });
}

function ioFailed(path: string, e: unknown): CognifyError {
  return new CognifyError('IO_FAILED', `cannot read ${path}: ${(e as Error).message}; check the permissions`, { path }, e);
}

const byName = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Sub-directories and files of `dir`, sorted; links are followed as os.path.isdir does. null if `dir` is absent. */
async function list(dir: string): Promise<{ dirs: string[]; files: string[] } | null> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioFailed(dir, e);
  }
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const s = await stat(join(dir, e.name)).catch(() => null);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    if (isDir) dirs.push(e.name);
    else if (isFile) files.push(e.name);
  }
  return { dirs: dirs.sort(byName), files: files.sort(byName) };
}

/** Every file under `dir` as a "/"-joined relative name (metric "train/loss"), sorted. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const l = await list(dir);
  if (!l) return [];
  const out = l.files.map((f) => prefix + f);
  for (const d of l.dirs) out.push(...(await walk(join(dir, d), `${prefix}${d}/`)));
  return out.sort(byName);
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioFailed(path, e);
  }
}

/** The fields of one meta.yaml, read with typed accessors that name the file and key on error. */
class Meta {
  constructor(
    readonly path: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  /** Text, or null if absent or null. Plain numbers keep their text (see parseMeta). */
  text(key: string, required = false): string | null {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (required) throw bad(this.path, `has no ${key}; ${META_FIX}`, { key });
      return null;
    }
    if (typeof v !== 'string') throw bad(this.path, `${key} must be a single value, got a YAML ${Array.isArray(v) ? 'list' : 'mapping'}; ${META_FIX}`, { key });
    return v;
  }

  /** A whole number (MLflow writes ints: times in ms, status, version), or null if absent or null. */
  int(key: string, required = false): number | null {
    const t = this.text(key, required);
    if (t === null) return null;
    const n = Number(t);
    if (!/^-?\d+$/.test(t) || !Number.isSafeInteger(n)) throw bad(this.path, `${key} must be a whole number, got ${JSON.stringify(t)}; ${META_FIX}`, { key });
    return n;
  }
}

/**
 * Parses a meta.yaml. MLflow writes it with PyYAML's safe_dump (YAML 1.1). Every plain scalar
 * that YAML 1.2 would resolve to a number or boolean keeps its source text, so an unquoted run id
 * such as `12e45...` or a name such as `1.0` stays the text MLflow wrote; `int()` then converts the
 * fields that are numbers. `None` (current_stage) is text in both YAML versions; `null` is null.
 */
function parseMeta(text: string, path: string): Meta {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    throw bad(path, `invalid YAML at line ${line}, column ${col}: ${err.message.split('\n')[0]}; ${META_FIX}`, { line, column: col });
  }
  if (!isMap(doc.contents)) throw bad(path, `expected a YAML mapping of keys to values; ${META_FIX}`);
  visit(doc, {
    Scalar(_key, node) {
      if ((typeof node.value === 'number' || typeof node.value === 'boolean') && typeof node.source === 'string') node.value = node.source;
    },
  });
  return new Meta(path, yamlData(doc, path) as Record<string, unknown>);
}

async function readMeta(dir: string): Promise<Meta | null> {
  const path = join(dir, 'meta.yaml');
  const text = await readText(path);
  return text === null ? null : parseMeta(text, path);
}

function missingMeta(dir: string, what: string): InputError {
  return bad(dir, `has no meta.yaml, so it is not ${what} MLflow can read; restore its meta.yaml from a backup of the store, or move the directory out of the store`, { dir });
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A metric value as FileStore._log_run_metric writes it: f"{value}", Python's repr of a float
 * ("0.5", "1e-05", "17.5306"), or of an int. MLflow accepts NaN and ±inf (_validate_metric only
 * asks for a number) and writes them "nan", "inf", "-inf"; its reader parses them back with
 * float(), so they are read here as NaN and ±Infinity rather than refused: a loss that diverged
 * to NaN is exactly what an audit record must keep. (JSON has no NaN: a caller that serialises
 * points must encode these itself.)
 */
function parseValue(t: string): number | null {
  if (FLOAT.test(t)) return Number(t);
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?inf(?:inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return null;
}

const METRIC_FIX = 'MLflow writes one point per line as "timestamp value step" (whole milliseconds, a number, a whole number; single spaces); repair the line or restore the file from a backup of the store';

/** Streams one metric file, line by line; only the parsed points are kept. */
async function readMetric(path: string): Promise<MlflowMetricPoint[]> {
  const points: MlflowMetricPoint[] = [];
  let n = 0;
  const where = (line: number, problem: string) => bad(`${path}:${line}`, `${problem}; ${METRIC_FIX}`, { path, line });
  const stream = createReadStream(path, { encoding: 'utf8' });
  try {
    for await (const raw of createInterface({ input: stream, crlfDelay: Infinity })) {
      n++;
      // MLflow: metric_line.strip().split(" "). Two fields (pre-1.0, no step) are refused rather
      // than given step 0 as MLflow does: the record would state a step nobody logged.
      const fields = raw.trim().split(' ');
      if (fields.length !== 3) throw where(n, `expected 3 fields "timestamp value step", got ${raw.trim() ? fields.length : 0} in ${JSON.stringify(raw)}`);
      const [ts, val, st] = fields as [string, string, string];
      const timestamp = Number(ts);
      if (!/^\d+$/.test(ts) || !Number.isSafeInteger(timestamp)) throw where(n, `timestamp ${JSON.stringify(ts)} is not a whole number of milliseconds`);
      const value = parseValue(val);
      if (value === null) throw where(n, `value ${JSON.stringify(val)} is not a number`);
      const step = Number(st);
      if (!/^-?\d+$/.test(st) || !Number.isSafeInteger(step)) throw where(n, `step ${JSON.stringify(st)} is not a whole number`);
      points.push({ timestamp, value, step });
    }
  } catch (e) {
    if (e instanceof CognifyError) throw e;
    throw ioFailed(path, e);
  } finally {
    stream.destroy();
  }
  // FileStore._get_metric_from_file: "Metric '...' is malformed. No data found."
  if (n === 0) throw bad(path, `metric file is empty; ${METRIC_FIX}`);
  return points;
}

/** Files under `dir` (params/, tags/) as name -> verbatim content. */
async function readValues(dir: string): Promise<Record<string, string>> {
  const entries: [string, string][] = [];
  for (const name of await walk(dir)) entries.push([name, (await readText(join(dir, name))) ?? '']);
  // fromEntries defines own properties, so a param named "__proto__" is kept, not swallowed.
  return Object.fromEntries(entries);
}

async function readRun(runDir: string, dirName: string, experiment: { id: string; name: string }): Promise<MlflowRun> {
  const meta = await readMeta(runDir);
  if (!meta) throw missingMeta(runDir, 'a run');
  const runId = meta.text('run_id') ?? meta.text('run_uuid', true)!;
  if (runId !== dirName) throw bad(meta.path, `run_id ${JSON.stringify(runId)} differs from its directory name ${JSON.stringify(dirName)}; MLflow finds a run by its directory, so the store is damaged: ${META_FIX}`, { runId, dir: dirName });
  const uuid = meta.text('run_uuid');
  if (uuid !== null && uuid !== runId) throw bad(meta.path, `run_uuid ${JSON.stringify(uuid)} differs from run_id ${JSON.stringify(runId)}; ${META_FIX}`, { runId, runUuid: uuid });
  const experimentId = meta.text('experiment_id', true)!;
  if (experimentId !== experiment.id) throw bad(meta.path, `experiment_id ${JSON.stringify(experimentId)} differs from the experiment directory ${JSON.stringify(experiment.id)} it is in; ${META_FIX}`, { experimentId });
  const code = meta.int('status');
  const status = code === null ? 'RUNNING' : RUN_STATUS[code];
  if (!status) throw bad(meta.path, `status ${code} is not an MLflow RunStatus (1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED); ${META_FIX}`, { status: code });

  const params = await readValues(join(runDir, 'params'));
  const tags = await readValues(join(runDir, 'tags'));
  const metricsDir = join(runDir, 'metrics');
  const metrics: [string, MlflowMetricPoint[]][] = [];
  for (const name of await walk(metricsDir)) metrics.push([name, await readMetric(join(metricsDir, name))]);

  return {
    runId,
    experimentId,
    experimentName: experiment.name,
    // FileStore._get_run_from_info falls back to the mlflow.runName tag when run_name is empty.
    runName: meta.text('run_name') || tags['mlflow.runName'] || null,
    status,
    startTime: meta.int('start_time'),
    endTime: meta.int('end_time'),
    lifecycleStage: meta.text('lifecycle_stage') ?? 'active',
    user: meta.text('user_id'),
    artifactUri: meta.text('artifact_uri'),
    params,
    tags,
    metrics: Object.fromEntries(metrics),
    gitCommit: tags['mlflow.source.git.commit'] ?? null,
  };
}

async function readModels(root: string): Promise<MlflowStore['models']> {
  const dir = join(root, MODELS);
  const models: MlflowStore['models'] = [];
  for (const name of (await list(dir))?.dirs ?? []) {
    const modelDir = join(dir, name);
    const meta = await readMeta(modelDir);
    if (!meta) throw missingMeta(modelDir, 'a registered model');
    const metaName = meta.text('name', true);
    if (metaName !== name) throw bad(meta.path, `name ${JSON.stringify(metaName)} differs from its directory name ${JSON.stringify(name)}; ${META_FIX}`, { name: metaName });
    const versions: MlflowModelVersion[] = [];
    // Only version-<n> folders are versions; tags/ and aliases/ are not part of this shape.
    for (const sub of (await list(modelDir))!.dirs) {
      const m = /^version-(\d+)$/.exec(sub);
      if (!m) continue;
      const vDir = join(modelDir, sub);
      const v = await readMeta(vDir);
      if (!v) throw missingMeta(vDir, 'a model version');
      const version = v.int('version', true)!;
      if (version !== Number(m[1])) throw bad(v.path, `version ${version} differs from its directory name ${sub}; ${META_FIX}`, { version });
      const vName = v.text('name');
      if (vName !== null && vName !== name) throw bad(v.path, `name ${JSON.stringify(vName)} differs from the registered model ${JSON.stringify(name)} it is in; ${META_FIX}`, { name: vName });
      versions.push({
        name,
        version,
        runId: v.text('run_id'),
        source: v.text('source'),
        status: v.text('status'),
        stage: v.text('current_stage'),
        creationTime: v.int('creation_timestamp'),
      });
    }
    versions.sort((a, b) => a.version - b.version);
    models.push({ name, versions });
  }
  return models;
}

/** Experiment ids are decimal numbers of different lengths ("0", "417203983742091245"): order them as numbers. */
function byId(a: string, b: string): number {
  const num = /^\d+$/;
  if (num.test(a) && num.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return byName(a, b);
}

/**
 * Reads a whole MLflow file store: experiments (ordered by id), their runs (by start time, then
 * run id), and registered models with their versions. Throws NotFoundError('NOT_FOUND') if `dir`
 * does not exist, and one InputError('INPUT_INVALID') naming the file (and line, for a metric
 * file) for anything MLflow would not have written.
 */
export async function readMlruns(dir: string): Promise<MlflowStore> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new InputError('INPUT_INVALID', `${dir} is not a directory; give the mlruns directory of an MLflow file store`, { dir });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no directory ${dir}; give the mlruns directory of an MLflow file store`, { dir });
    if (e instanceof CognifyError) throw e;
    throw ioFailed(dir, e);
  }
  const top = (await list(dir))!.dirs.filter((d) => d !== TRASH && d !== MODELS);
  const metas: { id: string; dir: string; meta: Meta | null }[] = [];
  for (const d of top) metas.push({ id: d, dir: join(dir, d), meta: await readMeta(join(dir, d)) });
  if (!metas.some((m) => m.meta)) {
    throw new InputError('INPUT_INVALID', `${dir} is not an MLflow file store (mlruns): no experiment directory with a meta.yaml in it; give the directory the tracking URI file:... points to, the one holding 0/meta.yaml`, { dir });
  }

  const experiments: MlflowStore['experiments'] = [];
  const runs: MlflowRun[] = [];
  for (const { id, dir: expDir, meta } of metas.sort((a, b) => byId(a.id, b.id))) {
    if (!meta) throw missingMeta(expDir, 'an experiment');
    const metaId = meta.text('experiment_id', true)!;
    if (metaId !== id) throw bad(meta.path, `experiment_id ${JSON.stringify(metaId)} differs from its directory name ${JSON.stringify(id)}; ${META_FIX}`, { experimentId: metaId });
    const experiment = { id, name: meta.text('name', true)!, lifecycleStage: meta.text('lifecycle_stage', true)! };
    experiments.push(experiment);
    const expRuns: MlflowRun[] = [];
    for (const r of (await list(expDir))!.dirs) {
      if (!EXPERIMENT_FOLDERS.has(r)) expRuns.push(await readRun(join(expDir, r), r, experiment));
    }
    expRuns.sort((a, b) => (a.startTime ?? Infinity) - (b.startTime ?? Infinity) || byName(a.runId, b.runId));
    runs.push(...expRuns);
  }
  return { dir, experiments, runs, models: await readModels(dir) };
}
