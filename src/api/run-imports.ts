// Runs recorded after the fact from what training tools already wrote: a Hugging Face Trainer
// output_dir (trainer_state.json, every checkpoint-N/, the final model, *_results.json) and an
// MLflow file store (mlruns/). Each becomes a finished run version signed by the importer, citing
// where it came from (`source`), so engineers change nothing in how they train.
import { InputError, tagCaller } from '../core/errors.js';
import type { Signer } from '../chain/signer.js';
import { readTrainerOutput, type TrainerOutput } from '../runs/hf-trainer.js';
import { readMlruns, type MlflowRun, type MlflowStore } from '../runs/mlflow.js';
import { metricPoint, RUN_NAME, toCborJson, type JsonValue, type MetricPoint, type RunObject } from '../runs/run-types.js';
import { prepareCheckpoint, progressOptions, type PreparedCheckpoint } from './checkpoints.js';
import type { RunInputs, RunWriteResult, Runs } from './runs.js';
import type { Repo } from './repo.js';

export interface RecordTrainerOptions extends RunInputs {
  /** The Trainer's output_dir. */
  dir: string;
  name: string;
  /** Keep the checkpoints' bytes too (sensible for small adapters). */
  store?: boolean;
}

/** log_history as metric points: entries with eval_* values are evaluations, the closing summary (train_runtime ...) is "other". */
export function trainerPoints(out: TrainerOutput): MetricPoint[] {
  return out.logHistory.map((e) => {
    const keys = Object.keys(e.values);
    const kind = keys.some((k) => k.startsWith('eval_')) ? 'eval' : keys.some((k) => k.startsWith('test_')) ? 'test' : keys.includes('train_runtime') ? 'other' : 'train';
    // A NaN loss is evidence (training diverged): kept, as metricPoint writes non-finite values.
    const nonFinite = Object.fromEntries(Object.entries(e.nonFinite ?? {}).map(([k, t]) => [k, Number(t)]));
    return metricPoint({ step: e.step, epoch: e.epoch, kind, values: { ...e.values, ...nonFinite } });
  });
}

/** `cognify run record --hf-trainer <dir>`: one finished run with every checkpoint and the final model. */
export async function recordTrainerRun(repo: Repo, runs: Runs, opts: RecordTrainerOptions): Promise<RunWriteResult> {
  try {
    if (!RUN_NAME.test(opts.name)) throw new InputError('INPUT_INVALID', `"${opts.name}" is not a valid run name; use letters, digits, ".", "_" or "-" (up to 128)`, { name: opts.name });
    if (await repo.store.getRef(`runs/${opts.name}`)) throw new InputError('INPUT_INVALID', `a run named "${opts.name}" exists already; choose another --name`, { name: opts.name });
    const out = await readTrainerOutput(opts.dir);
    const tags: Record<string, string> = {};
    if (out.baseModel) tags['hf.base_model_name_or_path'] = out.baseModel.revision ? `${out.baseModel.name}@${out.baseModel.revision}` : out.baseModel.name;
    if (out.bestCheckpoint) tags['hf.best_model_checkpoint'] = out.bestCheckpoint;
    const baseModel = opts.baseModel ?? (out.baseModel ? { name: out.baseModel.name, revision: out.baseModel.revision } : undefined);
    const fields = await runs.describe(
      { ...opts, ...(baseModel ? { baseModel } : {}), hyperparameters: { ...out.hyperparameters, ...(opts.hyperparameters ?? {}) }, tags: { ...tags, ...(opts.tags ?? {}) }, compute: { ...(out.totalFlos !== null ? { flops: out.totalFlos } : {}), ...(opts.compute ?? {}) } },
      { status: 'finished', source: { kind: 'hf-trainer', ref: out.dir }, startedAt: null },
    );
    // The cheap checks (datasets, code, names) come first; then every file is hashed before anything
    // is written, so a bad checkpoint refuses the whole record.
    const checkpoints: { name: string; step: number | null; prepared: PreparedCheckpoint; output: boolean }[] = [];
    for (const c of out.checkpoints) checkpoints.push({ name: c.name, step: c.step, prepared: await prepareCheckpoint(repo, { dir: c.dir, store: opts.store === true, ...progressOptions(opts) }), output: false });
    if (out.finalModel) {
      const prepared = await prepareCheckpoint(repo, { dir: out.dir, store: opts.store === true, exclude: ['checkpoint-*'], ...progressOptions(opts) });
      checkpoints.push({ name: 'final', step: out.globalStep, prepared, output: true });
    }
    const points = trainerPoints(out);
    for (const [file, values] of Object.entries(out.results)) {
      const numbers = Object.fromEntries(Object.entries(values).flatMap(([k, v]) => (typeof v === 'number' ? [[k, v]] : ['NaN', 'Infinity', '-Infinity'].includes(v) ? [[k, Number(v)]] : []))) as Record<string, number>;
      if (Object.keys(numbers).length) points.push(metricPoint({ step: out.globalStep, kind: file.startsWith('eval') ? 'eval' : file.startsWith('test') ? 'test' : 'other', values: numbers }));
    }
    // An adapter names the model it was trained on; a different --base-model is recorded as given, and said.
    const warnings =
      opts.baseModel && out.baseModel && opts.baseModel.name !== out.baseModel.name
        ? [`the adapter names its base model ${out.baseModel.name}; the run records ${opts.baseModel.name} as given (the adapter's is kept in the tag hf.base_model_name_or_path)`]
        : [];
    return await runs.write({ name: opts.name, action: 'run.record', signer: opts.signer, fields, metrics: points, checkpoints, warnings });
  } catch (e) {
    throw tagCaller(e, 'runs.recordTrainer');
  }
}

/** Params that name the base model in MLflow runs, in order of preference (HF autolog, common scripts). */
const BASE_MODEL_PARAMS = ['base_model_name_or_path', 'base_model', 'model_name_or_path', 'model_name'];

const MLFLOW_STATUS: Record<MlflowRun['status'], RunObject['status']> = { RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

/** MLflow metrics as points: one point per (step, metric name prefix kind), times in UTC. */
function mlflowPoints(run: MlflowRun): MetricPoint[] {
  const byStep = new Map<string, { step: number; time: number; kind: MetricPoint['kind']; values: Record<string, number> }>();
  for (const [name, points] of Object.entries(run.metrics)) {
    const kind: MetricPoint['kind'] = /^(eval|val)/.test(name) ? 'eval' : /^test/.test(name) ? 'test' : 'train';
    for (const p of points) {
      const key = `${p.step}\u0000${kind}`;
      const at = byStep.get(key) ?? { step: p.step, time: p.timestamp, kind, values: {} };
      at.values[name] = p.value; // a metric logged twice at one step: the later value, as MLflow's UI shows
      at.time = Math.max(at.time, p.timestamp);
      byStep.set(key, at);
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step || a.time - b.time).map((p) => metricPoint({ step: p.step, time: new Date(p.time).toISOString(), kind: p.kind, values: p.values }));
}

function runNameFor(run: MlflowRun, taken: Set<string>): string {
  const base = (run.runName ?? `mlflow-${run.runId.slice(0, 8)}`).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || `mlflow-${run.runId.slice(0, 8)}`;
  const name = taken.has(base) ? `${base}-${run.runId.slice(0, 8)}` : base;
  taken.add(name);
  return name;
}

export interface MlflowImportResult {
  runs: { mlflowRunId: string; run: string; name: string; created: boolean }[];
}

/** `cognify import mlflow <mlruns>`: each MLflow run (not deleted) becomes a run that cites its run id; importing again adds only runs not yet imported. */
export async function importMlflow(repo: Repo, runs: Runs, opts: { dir: string; signer: Signer }): Promise<MlflowImportResult> {
  try {
    const store: MlflowStore = await readMlruns(opts.dir);
    const imported = new Map<string, { id: string; name: string }>();
    const taken = new Set<string>();
    for (const r of await runs.list()) {
      taken.add(r.version.name);
      if (r.version.source.kind === 'mlflow' && r.version.source.ref) imported.set(r.version.source.ref, { id: r.id, name: r.version.name });
    }
    const registered = new Map<string, string[]>();
    for (const m of store.models) for (const v of m.versions) if (v.runId) registered.set(v.runId, [...(registered.get(v.runId) ?? []), `${m.name} version ${v.version}${v.stage && v.stage !== 'None' ? ` (${v.stage})` : ''}`]);
    const out: MlflowImportResult['runs'] = [];
    for (const run of store.runs) {
      if (run.lifecycleStage === 'deleted') continue;
      const done = imported.get(run.runId);
      if (done) {
        out.push({ mlflowRunId: run.runId, run: done.id, name: done.name, created: false });
        continue;
      }
      const name = runNameFor(run, taken);
      const tags: Record<string, string> = { ...run.tags, 'mlflow.experiment': `${run.experimentName} (${run.experimentId})` };
      const models = registered.get(run.runId);
      if (models) tags['mlflow.registeredModels'] = models.join('; ');
      const commit = run.gitCommit && /^[0-9a-f]{40,64}$/.test(run.gitCommit) ? run.gitCommit : null;
      // MLflow has no base-model field; the params that name one by the usual names are taken.
      const baseKey = BASE_MODEL_PARAMS.find((k) => run.params[k]?.trim());
      const baseModel = baseKey ? { name: run.params[baseKey]!.trim(), revision: run.params.base_model_revision ?? run.params.model_revision ?? null } : undefined;
      if (baseKey) tags['cognify.baseModelFrom'] = `MLflow param ${baseKey}`;
      const fields = await runs.describe(
        { signer: opts.signer, hyperparameters: run.params as Record<string, JsonValue>, tags, ...(baseModel ? { baseModel } : {}) },
        {
          status: MLFLOW_STATUS[run.status],
          source: { kind: 'mlflow', ref: run.runId },
          startedAt: run.startTime === null ? null : new Date(run.startTime).toISOString(),
          endedAt: run.endTime === null ? null : new Date(run.endTime).toISOString(),
          code: commit ? { commit, branch: run.tags['mlflow.source.git.branch'] ?? null, remote: run.tags['mlflow.source.git.repoURL'] ? { name: 'origin', url: run.tags['mlflow.source.git.repoURL'] } : null, clean: null, dirty: [] } : null,
          message: run.tags['mlflow.note.content'] ?? '',
        },
      );
      fields.hyperparameters = toCborJson(run.params) as Record<string, JsonValue>;
      const r = await runs.write({ name, action: 'run.record', signer: opts.signer, fields, metrics: mlflowPoints(run) });
      out.push({ mlflowRunId: run.runId, run: r.run, name, created: true });
    }
    return { runs: out };
  } catch (e) {
    throw tagCaller(e, 'runs.importMlflow');
  }
}
