// The objects of the runs layer (issue 4): a training run's manifest, its metric history, the
// manifest of a checkpoint's files, and an evaluation attached to a run. Runs are versioned like
// datasets: a run that is still going is a chain of signed `run` versions under the ref
// `runs/<name>`, each a complete manifest that names its previous version in `parents`. Metric
// history is kept in `run-metrics` segments (unsigned, content-addressed, named by the signed run),
// so that recording one more log line does not copy the whole history into the next version.
import { z } from 'zod';
import { toHex } from '../core/bytes.js';

const zObjectId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');
const zFingerprint = z.string().regex(/^[0-9a-f]{64}$/);
const zTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time');
const zHex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');
const zSig = z.instanceof(Uint8Array).refine((b) => b.length === 64);
const signed = { time: zTime, signer: zFingerprint, sig: zSig };
const text = (max = 4000) => z.string().max(max);
/**
 * A count or figure that may exceed 2^53 (FLOPs): deterministic CBOR integers stop at 2^64 and
 * this encoder takes no floats with integral values past 2^53, so such figures are carried as
 * bigints up to 2^64 and beyond that as their decimal text ("1.62e+21"; see toCborJson).
 */
const zBig = z.union([z.number().finite(), z.bigint(), z.string().regex(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/, 'expected a number written in decimal')]);
const zCount = z.number().int().min(0);

export const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A JSON value (hyperparameters, tool output kept as it was written), at most 16 levels deep. */
export type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [k: string]: JsonValue };
const jsonValue = (depth: number): z.ZodType<JsonValue> =>
  depth === 0
    ? z.union([z.string().max(100_000), zBig, z.boolean(), z.null()])
    : z.lazy(() => z.union([z.string().max(100_000), zBig, z.boolean(), z.null(), z.array(jsonValue(depth - 1)).max(100_000), z.record(z.string().max(1000), jsonValue(depth - 1))]));
export const zJson = jsonValue(16);

const tensorsSchema = z.object({ count: zCount, parameters: zBig, dtypes: z.array(z.string().max(32)).max(64) }).strict();

export const checkpointFileSchema = z
  .object({
    path: z.string().min(1).max(4096),
    size: zCount,
    sha256: zHex64,
    role: z.string().max(32),
    rank: zCount.nullable(),
    /** Header summary of a safetensors file (never the weights); null for other files. */
    tensors: tensorsSchema.nullable(),
    /** With --store: the recipe of the file's bytes in the chunk store; null when hashed only. */
    recipe: z.object({ root: z.instanceof(Uint8Array).refine((b) => b.length === 32), depth: z.number().int().min(1).max(32), chunks: z.number().int().min(1) }).strict().nullable(),
  })
  .strict();

export const checkpointManifestSchema = z
  .object({
    type: z.literal('checkpoint-manifest'),
    v: z.literal(1),
    repo: zObjectId,
    /** `sha256:` of the canonical CBOR of [path, size, sha256] in path order (see checkpoint-hash.ts). */
    root: zObjectId,
    layout: z.string().max(32),
    worldSize: zCount.nullable(),
    /**
     * Top-level directories left out, as name patterns where `*` is any text without "/" (the
     * final model of a Trainer output_dir leaves out `checkpoint-*`); verify leaves them out too.
     */
    exclude: z.array(z.string().min(1).max(200).regex(/^[^/]+$/, 'expected a directory name pattern')).max(16),
    files: z.array(checkpointFileSchema).max(1_000_000),
    bytes: zCount,
    ...signed,
  })
  .strict();
export type CheckpointManifestObject = z.infer<typeof checkpointManifestSchema>;

const metricPointSchema = z
  .object({ step: zCount, epoch: z.number().finite().nullable(), time: zTime.nullable(), kind: z.enum(['train', 'eval', 'test', 'other']), values: z.record(z.string().max(1000), z.union([zBig, z.enum(['NaN', 'Infinity', '-Infinity'])])) })
  .strict();
export type MetricPoint = z.infer<typeof metricPointSchema>;

export const runMetricsSchema = z.object({ type: z.literal('run-metrics'), v: z.literal(1), points: z.array(metricPointSchema).min(1).max(1_000_000) }).strict();
export type RunMetrics = z.infer<typeof runMetricsSchema>;

const fileHashSchema = z.object({ path: z.string().min(1).max(4096), size: zCount, sha256: zHex64 }).strict();

export const baseModelSchema = z
  .object({
    name: text(1000).min(1),
    revision: text(200).nullable(),
    /** The weight files' hashes when a directory was given (root as in checkpoint manifests). */
    root: zObjectId.nullable(),
    files: z.array(fileHashSchema).max(100_000),
    parameters: zBig.nullable(),
    /** Training compute of the base model, when its provider published it (FLOPs). */
    trainingFlops: zBig.nullable(),
  })
  .strict();

export const codeSchema = z
  .object({
    commit: z.string().regex(/^[0-9a-f]{40,64}$/).nullable(),
    branch: text(1000).nullable(),
    remote: z.object({ name: text(200), url: text(4000) }).strict().nullable(),
    /** null when the source (an MLflow tag) does not say whether the tree was clean. */
    clean: z.boolean().nullable(),
    dirty: z.array(z.object({ path: text(4096), status: z.enum(['modified', 'added', 'deleted', 'untracked']), sha256: zHex64.nullable(), size: zCount.nullable() }).strict()).max(10_000),
  })
  .strict();

export const environmentSchema = z
  .object({
    python: text(100).nullable(),
    packages: z.array(z.object({ name: text(300), version: text(300).nullable(), source: text(4000).optional() }).strict()).max(100_000),
    os: text(1000).nullable(),
    cpu: text(1000).nullable(),
    gpu: text(1000).nullable(),
    gpuCount: zCount.nullable(),
  })
  .strict();

export const computeSchema = z
  .object({
    flops: zBig.nullable(),
    flopsMethod: z.enum(['reported', '6ND-estimate']).nullable(),
    gpuHours: z.number().finite().min(0).nullable(),
    gpuCount: zCount.nullable(),
    gpuModel: text(300).nullable(),
    energyKwh: z.number().finite().min(0).nullable(),
    energyMethod: text(1000).nullable(),
    baseModelFlops: zBig.nullable(),
    ratioToBase: z.number().finite().min(0).nullable(),
    exceedsOneThird: z.boolean().nullable(),
  })
  .strict();

const artefactSchema = z.object({ name: text(1000).min(1), step: zCount.nullable(), manifest: zObjectId, root: zObjectId }).strict();

export const RUN_STATUSES = ['running', 'finished', 'failed', 'killed'] as const;

export const runSchema = z
  .object({
    type: z.literal('run'),
    v: z.literal(1),
    repo: zObjectId,
    name: z.string().regex(RUN_NAME),
    /** 1 for the first version of this run, then 2, 3 ... */
    number: z.number().int().min(1),
    parents: z.array(zObjectId).max(1),
    status: z.enum(RUN_STATUSES),
    /** Where the record came from: the CLI or the Python callback live, or an importer after the fact. */
    source: z.object({ kind: z.enum(['cli', 'callback', 'hf-trainer', 'mlflow']), ref: text(4000).nullable() }).strict(),
    startedAt: zTime.nullable(),
    endedAt: zTime.nullable(),
    baseModel: baseModelSchema.nullable(),
    datasets: z.array(z.object({ role: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), version: zObjectId, name: text(200), number: z.number().int().min(1), sha256: zHex64 }).strict()).max(1000),
    hyperparameters: z.record(z.string().max(1000), zJson),
    /** Free-form labels: MLflow tags, registered model versions, the user's own. */
    tags: z.record(z.string().max(1000), z.string().max(10_000)),
    code: codeSchema.nullable(),
    environment: environmentSchema.nullable(),
    compute: computeSchema.nullable(),
    metrics: z.array(zObjectId).max(1_000_000),
    checkpoints: z.array(artefactSchema).max(100_000),
    outputs: z.array(artefactSchema).max(1000),
    evals: z.array(zObjectId).max(100_000),
    message: z.string().max(10_000),
    ...signed,
  })
  .strict();
export type RunObject = z.infer<typeof runSchema>;

export const evalSchema = z
  .object({
    type: z.literal('eval'),
    v: z.literal(1),
    repo: zObjectId,
    /** The run's name and the version the eval was attached to. */
    run: z.string().regex(RUN_NAME),
    kind: z.enum(['lm-eval', 'bias']),
    /** The file the figures were read from: its name as given and its SHA-256. */
    source: z.object({ file: text(4096), sha256: zHex64, bytes: zCount }).strict(),
    /** Headline figures (kind-specific; see src/api/runs.ts), checked here as JSON. */
    summary: z.record(z.string().max(200), zJson),
    /** The full result as read or computed. */
    detail: z.record(z.string().max(200), zJson),
    ...signed,
  })
  .strict();
export type EvalObject = z.infer<typeof evalSchema>;

/** Whether `path` (relative, "/"-separated) lies in a top-level directory matching one of `patterns`. */
export function excludedBy(patterns: readonly string[]): ((path: string) => boolean) | undefined {
  if (!patterns.length) return undefined;
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}/`));
  return (path) => res.some((r) => r.test(path));
}

export const runSchemas = {
  'checkpoint-manifest': checkpointManifestSchema,
  'run-metrics': runMetricsSchema,
  run: runSchema,
  eval: evalSchema,
};

const TWO_64 = 2 ** 64;

/**
 * Turn a JSON-like value into one CBOR can carry deterministically: integral numbers past 2^53
 * become bigints, and past 2^64 their decimal text; undefined members are dropped.
 */
export function toCborJson(v: unknown): JsonValue {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || Number.isSafeInteger(v)) return v;
    return Math.abs(v) < TWO_64 ? BigInt(v) : String(v);
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (Array.isArray(v)) return v.map(toCborJson);
  if (typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toCborJson(x);
    return out;
  }
  throw new TypeError(`cannot record a ${typeof v} as JSON`);
}

/** A figure recorded by toCborJson (number, bigint or decimal text) as a number. */
export function figure(x: number | bigint | string | null | undefined): number | null {
  return x === null || x === undefined ? null : Number(x);
}

/** The reverse, for --json output: bigints become numbers (JSON has one number type). */
export function fromCborJson(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(fromCborJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCborJson(x)]));
  return v;
}

/** The fields of a run version that carry over from one version to the next. */
export type RunFields = Omit<RunObject, 'type' | 'v' | 'repo' | 'name' | 'number' | 'parents' | 'time' | 'signer' | 'sig'>;

export function fieldsOf(v: RunObject): RunFields {
  const { type: _t, v: _v, repo: _r, name: _n, number: _num, parents: _p, time: _time, signer: _s, sig: _sig, ...rest } = v as RunObject & { signer: string; sig: Uint8Array };
  return rest;
}

/** One metric point. A non-finite value (a loss that went NaN) is evidence too: it is kept, as the string "NaN", "Infinity" or "-Infinity". */
export function metricPoint(p: { step: number; epoch?: number | null; time?: string | null; kind: MetricPoint['kind']; values: Record<string, number> }): MetricPoint {
  const values: MetricPoint['values'] = {};
  for (const [k, v] of Object.entries(p.values)) values[k] = Number.isFinite(v) ? (toCborJson(v) as number) : (String(v) as 'NaN');
  return { step: p.step, epoch: p.epoch ?? null, time: p.time ? new Date(p.time).toISOString() : null, kind: p.kind, values };
}

