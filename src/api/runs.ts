// repo.runs: training runs as signed, versioned manifests. `start` writes version 1 of
// `runs/<name>`; `event` (metrics, a checkpoint, parameters, a failure) and `finish` each add a
// version that names the previous one; importers (`record` for a Hugging Face Trainer output_dir,
// `importMlflow`) write a finished run in one step. Every version is a complete manifest, so the
// latest one answers a reviewer's questions without replaying the chain; metric history is kept
// in segments the versions share (see src/runs/run-types.ts).
import { z } from 'zod';
import type { CborValue } from '../core/cbor.js';
import { InputError, tagCaller } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Transaction } from '../store/store.js';
import { signObject, type Signed } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { computeRecord, type ComputeInput, type ComputeRecord } from '../runs/compute.js';
import { readCodeProvenance } from '../runs/code-provenance.js';
import { describeHost, parseRequirements } from '../runs/environment.js';
import { fieldsOf, figure, metricPoint, RUN_NAME, toCborJson, type JsonValue, type MetricPoint, type RunFields, type RunObject } from '../runs/run-types.js';
import { importMlflow, recordTrainerRun, type MlflowImportResult, type RecordTrainerOptions } from './run-imports.js';
import { evalBias, importLmEval, type BiasEvalResult, type LmEvalImportResult } from './evals.js';
import type { PredictionColumns } from '../runs/predictions.js';
import { hashDir, prepareCheckpoint, progressOptions, stageCheckpoint, type PreparedCheckpoint } from './checkpoints.js';
import type { Repo } from './repo.js';
import { latestVersions, resolveVersion, versionChain, type ChainKind } from './version-chain.js';

const RUNS: ChainKind = { prefix: 'runs/', type: 'run', noun: 'run', listHint: 'cognify run list', versionsHint: (name) => `cognify run show ${name}` };

export type StoredRun = { id: ObjectId; version: Signed<RunObject> };

export interface RunDatasetInput {
  /** train, eval, test, or another lower-case word. */
  role: string;
  /** A dataset ref: `name`, `name@N`, `name@<id prefix>` or a version id. */
  ref: string;
}

export interface BaseModelInput {
  name: string;
  revision?: string | null;
  /** A directory of the base model's weights: every file is hashed (not copied). */
  dir?: string;
  /** The base model's training compute in FLOPs, when its provider published it. */
  trainingFlops?: number | null;
}

export interface EnvironmentInput {
  python?: string | null;
  /** `pip freeze` output or a requirements file: its text and a name for errors. */
  requirements?: { text: string; name: string };
  gpu?: string | null;
  gpuCount?: number | null;
  /** Record this machine's OS and CPU (true for live runs: the CLI runs where training runs). */
  host?: boolean;
}

export interface RunInputs {
  signer: Signer;
  baseModel?: BaseModelInput;
  datasets?: RunDatasetInput[];
  hyperparameters?: Record<string, unknown>;
  tags?: Record<string, string>;
  /** A directory inside the training code's git working tree. */
  code?: string;
  environment?: EnvironmentInput;
  compute?: ComputeInput;
  message?: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface RunWriteResult {
  run: ObjectId;
  name: string;
  number: number;
  status: RunObject['status'];
  /** Checkpoint manifests recorded by this action (checkpoint-N directories). */
  checkpoints: number;
  /** Output manifests recorded by this action (the final model). */
  outputs: number;
  /** Files and bytes hashed over all of them. */
  files: number;
  bytes: number;
  /** What a reviewer would want pointed out, recorded anyway (one dataset version in two roles, a base model other than the adapter's). */
  warnings: string[];
}

/** One dataset version used in two roles (train and eval): the evaluation is not independent. */
function overlapWarnings(datasets: RunFields['datasets']): string[] {
  const roles = new Map<string, string[]>();
  for (const d of datasets) roles.set(d.version, [...(roles.get(d.version) ?? []), d.role]);
  const out: string[] = [];
  for (const d of datasets) {
    const r = roles.get(d.version)!;
    if (r.length > 1 && r[0] === d.role) out.push(`${d.name}@${d.number} is used as ${r.join(' and ')}: the evaluation is not on held-out data`);
  }
  return out;
}

/** Events per `run event` call (one version); a training loop flushes its buffer well below this. */
export const MAX_EVENTS = 10_000;
const zStep = z.number().int().min(0);
/** A metric value; a loss that went NaN is evidence, so non-finite values are taken too (JSON carries them as "NaN", "Infinity", "-Infinity"). */
const zMetricValue = z.union([z.number(), z.nan(), z.literal(Number.POSITIVE_INFINITY), z.literal(Number.NEGATIVE_INFINITY), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
/** One event of `cognify run event` (a JSON object on stdin) or repo.runs.event. */
export const runEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('metrics'), step: zStep, epoch: z.number().finite().nullable().optional(), time: z.string().datetime().optional(), split: z.enum(['train', 'eval', 'test', 'other']).optional(), values: z.record(z.string().max(1000), zMetricValue) }).strict(),
  z.object({ type: z.literal('checkpoint'), dir: z.string().min(1), name: z.string().min(1).max(1000).optional(), step: zStep.nullable().optional(), store: z.boolean().optional() }).strict(),
  z.object({ type: z.literal('params'), values: z.record(z.string().max(1000), z.unknown()) }).strict(),
  z.object({ type: z.literal('status'), status: z.enum(['failed', 'killed']), message: z.string().max(10_000).optional() }).strict(),
]);
export type RunEvent = z.infer<typeof runEventSchema>;

function checkName(name: string): void {
  if (!RUN_NAME.test(name)) throw new InputError('INPUT_INVALID', `"${name}" is not a valid run name; use letters, digits, ".", "_" or "-" (up to 128)`, { name });
}

/** ComputeRecord back to the inputs it came from, so that a later version can add to it. */
function computeInputOf(r: RunObject['compute'] | null | undefined): ComputeInput {
  if (!r) return {};
  return {
    flops: r.flopsMethod === 'reported' ? figure(r.flops) : null,
    gpuHours: r.gpuHours,
    gpuCount: r.gpuCount,
    gpuModel: r.gpuModel,
    energyKwh: r.energyMethod?.startsWith('measured') ? r.energyKwh : null,
    baseModelFlops: figure(r.baseModelFlops),
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

function computeOf(input: ComputeInput): ComputeRecord | null {
  const r = computeRecord(input);
  return Object.values(r).every((v) => v === null) ? null : (toCborJson(r) as unknown as ComputeRecord);
}

export class Runs {
  constructor(private readonly repo: Repo) {}

  private get store() {
    return this.repo.store;
  }

  // ---- reading ------------------------------------------------------------------------

  /** Every run with its latest version. */
  list(): Promise<StoredRun[]> {
    return latestVersions(this.store, RUNS);
  }

  /** Versions of `name`, newest first. */
  versions(name: string): AsyncIterable<StoredRun> {
    return versionChain(this.store, RUNS, name);
  }

  /** `name` (latest), `name@N`, `name@<id prefix>`, or a version id (prefix). */
  resolve(ref: string): Promise<StoredRun> {
    return resolveVersion(this.store, RUNS, ref);
  }

  /** The run's metric history, oldest first. */
  async *metrics(run: RunObject): AsyncIterable<MetricPoint> {
    for (const id of run.metrics) yield* ((await this.store.get(id as ObjectId, 'run-metrics')).value as unknown as { points: MetricPoint[] }).points;
  }

  // ---- importers and evidence ---------------------------------------------------------

  /** Record a finished Hugging Face Trainer output_dir as a run (see src/api/run-imports.ts). */
  recordTrainer(opts: RecordTrainerOptions): Promise<RunWriteResult> {
    return recordTrainerRun(this.repo, this, opts);
  }

  /** Import every MLflow run of an mlruns/ file store not imported before. */
  importMlflow(opts: { dir: string; signer: Signer }): Promise<MlflowImportResult> {
    return importMlflow(this.repo, this, opts);
  }

  /** Attach lm-evaluation-harness results to a run, assessed against the objectives mapping. */
  importLmEval(opts: { file: string; run: string; signer: Signer; mapping?: string }): Promise<LmEvalImportResult> {
    return importLmEval(this.repo, this, opts);
  }

  /** Compute fairness metrics from a predictions file and attach them to a run. */
  evalBias(opts: { file: string; run: string; signer: Signer; columns: PredictionColumns }): Promise<BiasEvalResult> {
    return evalBias(this.repo, this, opts);
  }

  // ---- writing ------------------------------------------------------------------------

  /** Begin a run: version 1, status running. */
  async start(opts: RunInputs & { name: string; source?: 'cli' | 'callback'; startedAt?: string }): Promise<RunWriteResult> {
    try {
      checkName(opts.name);
      if (await this.store.getRef(`runs/${opts.name}`)) throw new InputError('INPUT_INVALID', `a run named "${opts.name}" exists already; choose another --name, or add to it with cognify run event`, { name: opts.name });
      const fields = await this.describe(opts, { status: 'running', source: { kind: opts.source ?? 'cli', ref: null }, startedAt: opts.startedAt ?? this.repo.now() });
      return await this.write({ name: opts.name, action: 'run.start', signer: opts.signer, fields });
    } catch (e) {
      throw tagCaller(e, 'runs.start');
    }
  }

  /** Add one event to a running run. */
  event(name: string, event: RunEvent, opts: { signer: Signer; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<RunWriteResult> {
    return this.events(name, [event], opts);
  }

  /**
   * Add events to a running run as one version, in order: metric points (one segment), parameters,
   * checkpoints (each hashed before anything is written), a failure. A training loop that batches
   * its log lines pays for one signed version per batch, not per line.
   */
  async events(name: string, events: readonly RunEvent[], opts: { signer: Signer; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<RunWriteResult> {
    try {
      if (!Array.isArray(events) || events.length === 0) throw new InputError('INPUT_INVALID', 'run event: no event given; send one JSON event, or several as JSON Lines', {});
      if (events.length > MAX_EVENTS) throw new InputError('INPUT_INVALID', `run event: ${events.length} events in one call; send at most ${MAX_EVENTS}`, {});
      const parsed = events.map((event, n) => {
        const r = runEventSchema.safeParse(event);
        if (r.success) return r.data;
        const i = r.error.issues[0]!;
        const where = events.length > 1 ? `event ${n + 1}: ` : '';
        throw new InputError('INPUT_INVALID', `run event: ${where}${i.path.join('.') || '(root)'}: ${i.message}; see cognify run --help for the event shapes`, { event: n + 1 });
      });
      const prev = await this.running(name);
      const f = { ...fieldsOf(prev.version) };
      const points: MetricPoint[] = [];
      const checkpoints: NonNullable<Parameters<Runs['write']>[0]['checkpoints']> = [];
      for (const ev of parsed) {
        if (f.status !== 'running') throw new InputError('INPUT_INVALID', `run event: a "${ev.type}" event after the run was marked ${f.status}; put the status event last`, {});
        if (ev.type === 'metrics') points.push(metricPoint({ ...ev, kind: ev.split ?? (Object.keys(ev.values).some((k) => k.startsWith('eval_')) ? 'eval' : 'train') }));
        else if (ev.type === 'params') f.hyperparameters = { ...f.hyperparameters, ...(toCborJson(ev.values) as Record<string, JsonValue>) };
        else if (ev.type === 'status') {
          f.status = ev.status;
          f.endedAt = this.repo.now();
          if (ev.message) f.message = ev.message;
        } else {
          const cpName = ev.name ?? ev.dir.split(/[\\/]/).filter(Boolean).pop()!;
          if (f.checkpoints.some((c) => c.name === cpName) || checkpoints.some((c) => c.name === cpName)) {
            throw new InputError('INPUT_INVALID', `run ${name} already records a checkpoint "${cpName}"; give the event another "name"`, { name: cpName });
          }
          const numbered = /-(\d+)$/.exec(cpName); // checkpoint-500: the Trainer's naming
          const step = ev.step ?? (numbered ? Number(numbered[1]) : null);
          checkpoints.push({ name: cpName, step, prepared: await prepareCheckpoint(this.repo, { dir: ev.dir, store: ev.store === true, ...progressOptions(opts) }), output: false });
        }
      }
      return await this.write({ name, action: 'run.event', signer: opts.signer, fields: f, previous: prev, metrics: points, checkpoints });
    } catch (e) {
      throw tagCaller(e, 'runs.event');
    }
  }

  /** End a run: status finished (or failed/killed), the final model's manifest, the compute used. */
  async finish(name: string, opts: { signer: Signer; status?: 'finished' | 'failed' | 'killed'; output?: string; store?: boolean; compute?: ComputeInput; message?: string; onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): Promise<RunWriteResult> {
    try {
      const prev = await this.running(name);
      const f = { ...fieldsOf(prev.version), status: opts.status ?? 'finished', endedAt: this.repo.now() };
      if (opts.message) f.message = opts.message;
      if (opts.compute) f.compute = computeOf({ ...computeInputOf(f.compute), ...definedOnly(opts.compute) });
      const write: Parameters<Runs['write']>[0] = { name, action: 'run.finish', signer: opts.signer, fields: f, previous: prev };
      if (opts.output) write.checkpoints = [{ name: 'final', step: null, prepared: await prepareCheckpoint(this.repo, { dir: opts.output, store: opts.store === true, ...progressOptions(opts) }), output: true }];
      return await this.write(write);
    } catch (e) {
      throw tagCaller(e, 'runs.finish');
    }
  }

  private async running(name: string): Promise<StoredRun> {
    checkName(name);
    const prev = await this.resolve(name);
    if (prev.version.status !== 'running') {
      throw new InputError('INPUT_INVALID', `run ${name} is ${prev.version.status} (version ${prev.version.number}); a recorded run is not changed, start a new one with cognify run start`, { name });
    }
    return prev;
  }

  /** @internal The manifest fields every kind of run records from the caller's inputs. */
  async describe(opts: RunInputs, base: Pick<RunFields, 'status' | 'source' | 'startedAt'> & Partial<RunFields>): Promise<RunFields> {
    const datasets = [];
    for (const d of opts.datasets ?? []) {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(d.role)) throw new InputError('INPUT_INVALID', `dataset role "${d.role}" must be a lower-case word such as train, eval or test`, { role: d.role });
      const { id, version } = await this.repo.datasets.resolve(d.ref);
      datasets.push({ role: d.role, version: id, name: version.name, number: version.number, sha256: version.sha256 });
    }
    let baseModel: RunFields['baseModel'] = null;
    if (opts.baseModel) {
      const m = opts.baseModel.dir ? await hashDir(this.repo, { dir: opts.baseModel.dir, ...progressOptions(opts) }) : undefined;
      let parameters: number | bigint | null = null;
      for (const f of m?.files ?? []) if (f.tensors && f.role === 'model-shard') parameters = Number(parameters ?? 0) + Number(f.tensors.parameters);
      baseModel = {
        name: opts.baseModel.name,
        revision: opts.baseModel.revision ?? null,
        root: (m?.root as ObjectId | undefined) ?? null,
        files: (m?.files ?? []).map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
        parameters: parameters === null ? null : (toCborJson(parameters) as number),
        trainingFlops: opts.baseModel.trainingFlops == null ? null : (toCborJson(opts.baseModel.trainingFlops) as number),
      };
    }
    let code: RunFields['code'] = null;
    if (opts.code !== undefined) {
      const c = await readCodeProvenance({ dir: opts.code });
      code = { commit: c.commit, branch: c.branch, remote: c.remote, clean: c.clean, dirty: c.dirty };
    }
    const env = opts.environment;
    let environment: RunFields['environment'] = null;
    if (env && (env.python || env.requirements || env.gpu || env.gpuCount != null || env.host)) {
      const host = env.host ? describeHost() : undefined;
      environment = {
        python: env.python ?? null,
        packages: env.requirements ? parseRequirements(env.requirements.text, env.requirements.name).map((p) => ({ name: p.name, version: p.version, ...(p.source ? { source: p.source } : {}) })) : [],
        os: host?.os ?? null,
        cpu: host?.cpu ?? null,
        gpu: env.gpu ?? null,
        gpuCount: env.gpuCount ?? null,
      };
    }
    const compute = computeOf({ ...definedOnly(opts.compute ?? {}), ...(opts.baseModel?.trainingFlops != null ? { baseModelFlops: opts.baseModel.trainingFlops } : {}), ...(opts.environment?.gpuCount != null ? { gpuCount: opts.environment.gpuCount } : {}) });
    return {
      endedAt: null,
      metrics: [],
      checkpoints: [],
      outputs: [],
      evals: [],
      ...base,
      baseModel,
      datasets,
      hyperparameters: toCborJson(opts.hyperparameters ?? {}) as Record<string, JsonValue>,
      tags: { ...(base.tags ?? {}), ...(opts.tags ?? {}) },
      code: opts.code !== undefined ? code : (base.code ?? null),
      environment: environment ?? base.environment ?? null,
      compute: base.compute ?? compute,
      message: opts.message ?? base.message ?? '',
    };
  }

  /**
   * @internal Write the next version of `name` in one logged action: new metric points as one
   * segment, new checkpoint manifests, an eval, then the run version itself; the ref moves by
   * compare-and-swap from `previous`.
   */
  async write(w: {
    name: string;
    action: string;
    signer: Signer;
    fields: RunFields;
    previous?: StoredRun;
    metrics?: MetricPoint[];
    checkpoints?: { name: string; step: number | null; prepared: PreparedCheckpoint; output: boolean }[];
    extra?: (tx: Transaction) => ObjectId;
    warnings?: string[];
  }): Promise<RunWriteResult> {
    const number = (w.previous?.version.number ?? 0) + 1;
    const r = await this.repo.act(w.signer, w.action, (tx) => {
      const f: RunFields = { ...w.fields, metrics: [...w.fields.metrics], checkpoints: [...w.fields.checkpoints], outputs: [...w.fields.outputs], evals: [...w.fields.evals] };
      const subjects: ObjectId[] = [];
      if (w.metrics?.length) f.metrics.push(tx.putObject({ type: 'run-metrics', v: 1, points: w.metrics } as unknown as CognifyObject).id);
      for (const c of w.checkpoints ?? []) {
        const id = stageCheckpoint(this.repo, tx, c.prepared, w.signer);
        subjects.push(id);
        (c.output ? f.outputs : f.checkpoints).push({ name: c.name, step: c.step, manifest: id, root: c.prepared.fields.root });
      }
      if (w.extra) {
        const id = w.extra(tx);
        subjects.push(id);
        f.evals.push(id);
      }
      const version = signObject(
        this.repo.crypto,
        { type: 'run', v: 1, repo: this.repo.id, name: w.name, number, parents: w.previous ? [w.previous.id] : [], ...f, time: this.repo.now() } as unknown as CognifyObject,
        w.signer,
      );
      const stored = tx.putObject(version);
      tx.setRef(`runs/${w.name}`, w.previous?.id, stored.id);
      subjects.push(stored.id);
      return { subjects, details: { name: w.name, number, status: f.status } as Record<string, CborValue> };
    });
    const cps = w.checkpoints ?? [];
    return {
      run: r.subjects[r.subjects.length - 1]!,
      name: w.name,
      number,
      status: w.fields.status,
      checkpoints: cps.filter((c) => !c.output).length,
      outputs: cps.filter((c) => c.output).length,
      files: cps.reduce((n, c) => n + c.prepared.fields.files.length, 0),
      bytes: cps.reduce((n, c) => n + c.prepared.fields.bytes, 0),
      warnings: [...(w.warnings ?? []), ...(w.previous ? [] : overlapWarnings(w.fields.datasets))],
    };
  }
}
