// cognify run record | start | event | finish | show | list: training runs as signed manifests.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import type { Repo } from '../../src/api/repo.js';
import type { BaseModelInput, EnvironmentInput, RunDatasetInput, RunEvent, RunInputs, RunWriteResult, StoredRun } from '../../src/api/runs.js';
import type { Signer } from '../../src/chain/signer.js';
import type { ComputeInput } from '../../src/runs/compute.js';
import { figure, fromCborJson, type MetricPoint, type RunObject } from '../../src/runs/run-types.js';
import { intArg, need, str, bool, type FlagSpec, type Parsed } from '../args.js';
import type { Context } from '../context.js';
import { progressBar, size } from '../format.js';

export const runFlags: FlagSpec = {
  name: { type: 'string' },
  'hf-trainer': { type: 'string' },
  'base-model': { type: 'string' },
  'base-model-dir': { type: 'string' },
  'base-model-flops': { type: 'string' },
  dataset: { type: 'string', repeat: true },
  param: { type: 'string', repeat: true },
  params: { type: 'string' },
  tag: { type: 'string', repeat: true },
  code: { type: 'string' },
  python: { type: 'string' },
  requirements: { type: 'string' },
  gpu: { type: 'string' },
  gpus: { type: 'string' },
  flops: { type: 'string' },
  'gpu-hours': { type: 'string' },
  'gpu-watts': { type: 'string' },
  pue: { type: 'string' },
  'energy-kwh': { type: 'string' },
  output: { type: 'string' },
  status: { type: 'string' },
  store: { type: 'boolean' },
  source: { type: 'string' },
  message: { type: 'string', short: 'm' },
  metrics: { type: 'boolean' },
};

const list = (p: Parsed, name: string): string[] => {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
};

function num(p: Parsed, flag: string): number | undefined {
  const v = str(p, flag);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new InputError('USAGE', `--${flag} must be a non-negative number (such as 3.2 or 1.5e18), got ${JSON.stringify(v)}`, { flag });
  return x;
}

function baseModelOf(ctx: Context, p: Parsed): BaseModelInput | undefined {
  const spec = str(p, 'base-model');
  if (spec === undefined) {
    if (str(p, 'base-model-dir') !== undefined || str(p, 'base-model-flops') !== undefined) throw new InputError('USAGE', '--base-model-dir and --base-model-flops need --base-model <name>[@revision]', {});
    return undefined;
  }
  // Hugging Face names hold "/", never "@": the revision follows the last "@".
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  if (!name.trim() || (at > 0 && !spec.slice(at + 1))) throw new InputError('USAGE', `--base-model needs <name>[@revision], got ${JSON.stringify(spec)}`, {});
  const dir = str(p, 'base-model-dir');
  const flops = num(p, 'base-model-flops');
  return { name, revision: at > 0 ? spec.slice(at + 1) : null, ...(dir ? { dir: resolve(ctx.io.cwd, dir) } : {}), ...(flops !== undefined ? { trainingFlops: flops } : {}) };
}

function datasetsOf(p: Parsed): RunDatasetInput[] {
  return list(p, 'dataset').map((d) => {
    const eq = d.indexOf('=');
    if (eq <= 0 || eq === d.length - 1) throw new InputError('USAGE', `--dataset needs <role>=<dataset ref> (train=credit-decisions@2), got ${JSON.stringify(d)}`, {});
    return { role: d.slice(0, eq), ref: d.slice(eq + 1) };
  });
}

/** --param k=v (values read as JSON when they parse, else kept as text) over --params FILE.json. */
async function paramsOf(ctx: Context, p: Parsed): Promise<Record<string, unknown>> {
  let out: Record<string, unknown> = {};
  const file = str(p, 'params');
  if (file !== undefined) {
    const path = resolve(ctx.io.cwd, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new InputError('INPUT_INVALID', `--params ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(e as Error).message})`}; give a JSON object of hyperparameters`, { path });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('INPUT_INVALID', `--params ${file}: expected a JSON object of hyperparameters`, { path });
    out = parsed as Record<string, unknown>;
  }
  for (const kv of list(p, 'param')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new InputError('USAGE', `--param needs <name>=<value> (learning_rate=2e-4), got ${JSON.stringify(kv)}`, {});
    const raw = kv.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // text
    }
    out[kv.slice(0, eq)] = value;
  }
  return out;
}

function tagsOf(p: Parsed): Record<string, string> {
  return Object.fromEntries(
    list(p, 'tag').map((kv) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new InputError('USAGE', `--tag needs <name>=<value>, got ${JSON.stringify(kv)}`, {});
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}

function computeOf(p: Parsed): ComputeInput {
  const c: ComputeInput = {};
  const set = (k: keyof ComputeInput, flag: string) => {
    const v = num(p, flag);
    if (v !== undefined) (c as Record<string, unknown>)[k] = v;
  };
  set('flops', 'flops');
  set('gpuHours', 'gpu-hours');
  set('gpuPowerWatts', 'gpu-watts');
  set('pue', 'pue');
  set('energyKwh', 'energy-kwh');
  const gpu = str(p, 'gpu');
  if (gpu) c.gpuModel = gpu;
  const gpus = str(p, 'gpus');
  if (gpus !== undefined) c.gpuCount = intArg(gpus, '--gpus', 1);
  return c;
}

async function environmentOf(ctx: Context, p: Parsed, host: boolean): Promise<EnvironmentInput> {
  const req = str(p, 'requirements');
  let requirements: EnvironmentInput['requirements'];
  if (req !== undefined) {
    const path = resolve(ctx.io.cwd, req);
    try {
      requirements = { text: await readFile(path, 'utf8'), name: req };
    } catch (e) {
      throw new InputError('INPUT_INVALID', `--requirements ${req}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}; give pip freeze output or a requirements file`, { path });
    }
  }
  const gpus = str(p, 'gpus');
  return { python: str(p, 'python') ?? null, ...(requirements ? { requirements } : {}), gpu: str(p, 'gpu') ?? null, gpuCount: gpus === undefined ? null : intArg(gpus, '--gpus', 1), host };
}

/** What `record` and `start` take from the flags, checked before the repository opens. */
async function inputsOf(ctx: Context, p: Parsed, live: boolean): Promise<Omit<RunInputs, 'signer'>> {
  const baseModel = baseModelOf(ctx, p);
  const code = str(p, 'code');
  return {
    ...(baseModel ? { baseModel } : {}),
    datasets: datasetsOf(p),
    hyperparameters: await paramsOf(ctx, p),
    tags: tagsOf(p),
    compute: computeOf(p),
    environment: await environmentOf(ctx, p, live),
    ...(code !== undefined ? { code: resolve(ctx.io.cwd, code) } : {}),
    message: str(p, 'message') ?? '',
  };
}

/** Open the repository, unlock the signer, and run a write with a progress bar on a terminal. */
async function signed<T>(ctx: Context, label: string, fn: (repo: Repo, signer: Signer, progress: { onProgress?: (done: number, total: number) => void }) => Promise<T>): Promise<T> {
  const repo = await ctx.repo();
  const { signer } = await ctx.signer();
  const bar = progressBar(ctx.io.stderr, label);
  try {
    return await fn(repo, signer, bar.onProgress ? { onProgress: bar.onProgress } : {});
  } finally {
    bar.done();
  }
}

function written(r: RunWriteResult, what: string): string {
  return [`${what} ${r.name} version ${r.number} (${r.status})`, `  ${r.run}`, ...r.warnings.map((w) => `  warning: ${w}`), ...(r.checkpoints + r.outputs ? [`  ${[r.checkpoints && `${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}`, r.outputs && 'the final model'].filter(Boolean).join(' and ')}: ${r.files} files, ${size(r.bytes)} hashed`] : [])].join('\n');
}

const resultJson = (r: RunWriteResult) => ({ run: r.run, name: r.name, number: r.number, status: r.status, checkpoints: r.checkpoints, outputs: r.outputs, files: r.files, bytes: r.bytes, warnings: r.warnings });

async function readStdin(ctx: Context): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const piece of ctx.io.stdin) {
    n += (piece as Buffer).length;
    if (n > 16 << 20) throw new InputError('INPUT_INVALID', 'run event: the event on stdin is over 16 MiB; send one JSON event per call', {});
    parts.push(piece as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** A run version as JSON: figures recorded as bigints or decimal text (FLOPs) become numbers again. */
function runJson(v: RunObject): unknown {
  const j = fromCborJson(v) as Record<string, any>;
  if (v.compute) for (const k of ['flops', 'baseModelFlops'] as const) j.compute[k] = figure(v.compute[k]);
  if (v.baseModel) for (const k of ['parameters', 'trainingFlops'] as const) j.baseModel[k] = figure(v.baseModel[k]);
  return j;
}

/** stdin of `run event`: one JSON event, or JSON Lines of events (blank lines ignored). */
function eventsOf(text: string): unknown[] {
  const example = 'send e.g. {"type":"metrics","step":10,"values":{"loss":1.2}}, or one such event per line';
  if (!text.trim()) throw new InputError('INPUT_INVALID', `run event: nothing on stdin; ${example}`, {});
  try {
    return [JSON.parse(text)];
  } catch {
    // not one JSON value: JSON Lines, then
  }
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    try {
      out.push(JSON.parse(lines[i]!));
    } catch (e) {
      throw new InputError('INPUT_INVALID', `run event: stdin line ${i + 1} is not a JSON event (${(e as Error).message}); ${example}`, { line: i + 1 });
    }
  }
  return out;
}

function fmtValue(v: unknown): string {
  return typeof v === 'number' ? (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(Math.round(v * 1e6) / 1e6)) : String(v);
}

async function showText(repo: Repo, s: StoredRun, points: MetricPoint[]): Promise<string> {
  const v = s.version;
  const people = new Map((await repo.identities()).map((k) => [k.fingerprint, k.email]));
  const c = v.compute;
  const lines = [
    `run ${v.name} version ${v.number}  ${s.id}`,
    `  status ${v.status}; source ${v.source.kind}${v.source.ref ? ` (${v.source.ref})` : ''}; this version signed by ${people.get(v.signer) ?? v.signer} at ${v.time}`,
    ...(v.startedAt || v.endedAt ? [`  started ${v.startedAt ?? 'unknown'}, ended ${v.endedAt ?? (v.status === 'running' ? 'not yet' : 'unknown')}`] : []),
    `  base model: ${v.baseModel ? `${v.baseModel.name}${v.baseModel.revision ? `@${v.baseModel.revision}` : ''}${v.baseModel.root ? `, weights ${v.baseModel.root.slice(0, 23)}… (${v.baseModel.files.length} files)` : ', weights not hashed'}` : 'not recorded'}`,
    `  datasets: ${v.datasets.length ? v.datasets.map((d) => `${d.role}=${d.name}@${d.number}`).join(', ') : 'none recorded'}`,
    `  code: ${v.code ? `${v.code.commit?.slice(0, 12) ?? 'no commit'}${v.code.branch ? ` on ${v.code.branch}` : ''}${v.code.remote ? ` (${v.code.remote.url})` : ''}${v.code.clean === false ? `, DIRTY: ${v.code.dirty.length} file${v.code.dirty.length === 1 ? '' : 's'} (${v.code.dirty.slice(0, 3).map((d) => `${d.status} ${d.path}`).join(', ')}${v.code.dirty.length > 3 ? ', …' : ''})` : v.code.clean ? ', clean' : ''}` : 'not recorded'}`,
    `  hyperparameters: ${Object.keys(v.hyperparameters).length ? Object.entries(v.hyperparameters).slice(0, 12).map(([k, x]) => `${k}=${JSON.stringify(fromCborJson(x))}`).join(', ') + (Object.keys(v.hyperparameters).length > 12 ? `, … (${Object.keys(v.hyperparameters).length} in all)` : '') : 'none'}`,
    ...(v.environment ? [`  environment: ${[v.environment.python && `Python ${v.environment.python}`, v.environment.packages.length && `${v.environment.packages.length} packages`, v.environment.os, v.environment.gpu && `${v.environment.gpuCount ?? ''}${v.environment.gpuCount ? '× ' : ''}${v.environment.gpu}`].filter(Boolean).join(', ')}`] : []),
    `  compute: ${c ? [c.flops !== null && `${figure(c.flops)!.toExponential(2)} FLOPs (${c.flopsMethod})`, c.gpuHours !== null && `${c.gpuHours} GPU-hours`, c.energyKwh !== null && `${fmtValue(c.energyKwh)} kWh (${c.energyMethod})`, c.ratioToBase !== null && `${(c.ratioToBase * 100).toPrecision(2)}% of the base model's training compute${c.exceedsOneThird ? ' — OVER one third: the fine-tuner may be the provider of a new model' : ''}`].filter(Boolean).join('; ') || 'nothing known' : 'not recorded'}`,
  ];
  if (points.length) {
    const last = new Map<string, { step: number; value: unknown }>();
    for (const p of points) for (const [k, x] of Object.entries(p.values)) last.set(k, { step: p.step, value: x });
    lines.push(`  metrics: ${points.length} points; last: ${[...last].slice(0, 8).map(([k, x]) => `${k}=${fmtValue(fromCborJson(x.value))} (step ${x.step})`).join(', ')}`);
  }
  for (const cp of v.checkpoints) lines.push(`  checkpoint ${v.name}/${cp.name}${cp.step !== null ? ` (step ${cp.step})` : ''}  ${cp.root.slice(0, 23)}…`);
  for (const o of v.outputs) lines.push(`  output     ${v.name}/${o.name}  ${o.root.slice(0, 23)}…`);
  for (const id of v.evals) {
    const e = (await repo.store.get(id as `sha256:${string}`, 'eval')).value as unknown as { kind: string; source: { file: string }; summary: Record<string, unknown> };
    const sm = fromCborJson(e.summary) as Record<string, unknown>;
    if (e.kind === 'lm-eval') lines.push(`  eval lm-eval ${e.source.file}: ${sm.tasks} tasks; failed: ${(sm.failed as string[]).join(', ') || 'none'}; gaps: ${(sm.gaps as string[]).join(', ') || 'none'}`);
    else lines.push(`  eval bias ${e.source.file}: ${sm.rows} rows by ${(sm.groups as string[]).join(', ')}; demographic parity difference ${fmtValue(sm.demographicParityDifference)}, equalized odds difference ${fmtValue(sm.equalizedOddsDifference)}; four-fifths violations: ${(sm.fourFifthsViolations as string[]).join(', ') || 'none'}`);
  }
  if (v.message) lines.push(`  ${v.message}`);
  return lines.join('\n');
}

export async function run(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'record': {
      need(args, 0, 'cognify run record --hf-trainer <dir> --name <run> --base-model <name>[@rev] --dataset train=<ref> ...');
      const dir = str(args, 'hf-trainer');
      const name = str(args, 'name');
      if (!dir || !name) throw new InputError('USAGE', 'run record needs --hf-trainer <output_dir> and --name <run>; see cognify run --help', {});
      const inputs = await inputsOf(ctx, args, false);
      const r = await signed(ctx, 'hashing', (repo, signer, progress) => repo.runs.recordTrainer({ ...inputs, ...progress, dir: resolve(ctx.io.cwd, dir), name, store: bool(args, 'store'), signer }));
      ctx.out(resultJson(r), written(r, 'Recorded'));
      return;
    }
    case 'start': {
      need(args, 0, 'cognify run start --name <run> [--base-model <name>[@rev]] [--dataset role=<ref>] ...');
      const name = str(args, 'name');
      if (!name) throw new InputError('USAGE', 'run start needs --name <run>', {});
      const source = str(args, 'source') ?? 'cli';
      if (source !== 'cli' && source !== 'callback') throw new InputError('USAGE', '--source must be cli or callback', {});
      const inputs = await inputsOf(ctx, args, true);
      const r = await signed(ctx, 'hashing base model', (repo, signer, progress) => repo.runs.start({ ...inputs, ...progress, name, source, signer }));
      ctx.out(resultJson(r), written(r, 'Started'));
      return;
    }
    case 'event': {
      const [name] = need(args, 1, 'cognify run event <run>   (one JSON event, or several as JSON Lines, on stdin)');
      const events = eventsOf(await readStdin(ctx));
      for (const event of events) {
        if (event && typeof event === 'object' && (event as { type?: unknown }).type === 'checkpoint' && typeof (event as { dir?: unknown }).dir === 'string') {
          (event as { dir: string }).dir = resolve(ctx.io.cwd, (event as { dir: string }).dir);
        }
      }
      const r = await signed(ctx, 'hashing', (repo, signer, progress) => repo.runs.events(name!, events as RunEvent[], { ...progress, signer }));
      ctx.out(resultJson(r), written(r, `Recorded ${events.length === 1 ? 'an event' : `${events.length} events`}:`));
      return;
    }
    case 'finish': {
      const [name] = need(args, 1, 'cognify run finish <run> [--output <dir>] [--status finished|failed|killed] [compute flags]');
      const status = str(args, 'status') ?? 'finished';
      if (status !== 'finished' && status !== 'failed' && status !== 'killed') throw new InputError('USAGE', '--status must be finished, failed or killed', {});
      const output = str(args, 'output');
      const message = str(args, 'message');
      const compute = computeOf(args);
      const r = await signed(ctx, 'hashing', (repo, signer, progress) =>
        repo.runs.finish(name!, { ...progress, signer, status, store: bool(args, 'store'), compute, ...(output !== undefined ? { output: resolve(ctx.io.cwd, output) } : {}), ...(message ? { message } : {}) }),
      );
      ctx.out(resultJson(r), written(r, 'Finished'));
      return;
    }
    case 'show': {
      const [ref] = need(args, 1, 'cognify run show <run>[@N] [--metrics]');
      const repo = await ctx.repo();
      const s = await repo.runs.resolve(ref!);
      const points: MetricPoint[] = [];
      for await (const p of repo.runs.metrics(s.version)) points.push(p);
      if (ctx.json) {
        const evals = [];
        for (const id of s.version.evals) evals.push({ id, ...(fromCborJson((await repo.store.get(id as `sha256:${string}`, 'eval')).value) as object) });
        ctx.out({ id: s.id, ...(runJson(s.version) as object), metrics: bool(args, 'metrics') ? fromCborJson(points) : points.length, evals }, '');
        return;
      }
      let text = await showText(repo, s, points);
      if (bool(args, 'metrics')) text += '\n' + points.map((p) => `  step ${String(p.step).padStart(7)}  ${p.kind.padEnd(5)}  ${Object.entries(p.values).map(([k, x]) => `${k}=${fmtValue(fromCborJson(x))}`).join('  ')}`).join('\n');
      ctx.out(null, text);
      return;
    }
    case 'list': {
      need(args, 0, 'cognify run list');
      const all = await (await ctx.repo()).runs.list();
      ctx.out(
        all.map(({ id, version: v }) => ({ name: v.name, run: id, number: v.number, status: v.status, source: v.source, baseModel: v.baseModel?.name ?? null, checkpoints: v.checkpoints.length, evals: v.evals.length, time: v.time })),
        () => (all.length ? all.map(({ version: v }) => `${v.name.padEnd(28)} v${String(v.number).padEnd(4)} ${v.status.padEnd(9)} ${v.source.kind.padEnd(10)} ${String(v.checkpoints.length).padStart(3)} checkpoints ${String(v.evals.length).padStart(2)} evals  ${v.baseModel?.name ?? ''}`).join('\n') : 'No runs yet; record one with cognify run record or cognify run start'),
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown run command "${sub ?? ''}"; use run record, start, event, finish, show or list`, {});
  }
}
