// Readers of a run's record shared by the EU AI Act documents (Annex XI, Annex XII, the training
// content summary) and the SR 11-7 record: the architecture and parameter count, the modality as
// the recorded task type implies it, the one-third compute rule, the model's files and hashes, who
// authored the run (as the policy counts it), and short summaries of evaluations. Each reader
// returns text with the ids it came from, or null when the record does not say.
import { figure, type JsonValue } from '../runs/run-types.js';
import { baseModelText, biasOf, bytes, checksOf, evalsOf, gapsOf, modelDigest, num, taskMetrics, type SectionBuilder } from './build.js';
import { datasetLabel } from './common.js';
import type { CardRecord, CheckpointEntry, Cite } from './types.js';

/** A statement read from the record and the ids it came from. */
export interface Stated {
  text: string;
  cite: Cite;
}

function run(r: CardRecord): NonNullable<CardRecord['run']> {
  if (!r.run) throw new Error('cards: this document is about a run');
  return r.run;
}

function hyper(r: CardRecord, key: string): JsonValue | undefined {
  return run(r).object.hyperparameters[key];
}

function listOf(v: JsonValue | undefined): string | null {
  if (Array.isArray(v)) return v.length ? v.map((x) => String(x)).join(', ') : null;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : null;
}

/** The run's final model (the checkpoint the authenticity hash is taken from). */
export function finalModel(r: CardRecord): CheckpointEntry | null {
  const d = modelDigest(r);
  return d ? (r.checkpoints.find((c) => c.id === d.manifest) ?? null) : null;
}

/** Architecture: the PEFT method and its settings over the base model, or the base model alone. */
export function architecture(r: CardRecord): Stated | null {
  const base = baseModelText(r);
  if (!base) return null;
  const type = hyper(r, 'peft.peft_type');
  const cite = [run(r).id];
  if (typeof type !== 'string' || !type) return { text: `Fine-tuned from ${base}; the fine-tuning method is not recorded.`, cite };
  const parts = [
    hyper(r, 'peft.r') != null ? `rank ${String(hyper(r, 'peft.r'))}` : null,
    hyper(r, 'peft.lora_alpha') != null ? `alpha ${String(hyper(r, 'peft.lora_alpha'))}` : null,
    listOf(hyper(r, 'peft.target_modules')) && `target modules ${listOf(hyper(r, 'peft.target_modules'))}`,
    listOf(hyper(r, 'peft.layers_to_transform')) && `applied to layers ${listOf(hyper(r, 'peft.layers_to_transform'))} only`,
  ].filter(Boolean);
  return { text: `${type} adapter (parameter-efficient fine-tuning${parts.length ? `: ${parts.join(', ')}` : ''}) on the base model ${base}. The base model's own architecture is not part of this record.`, cite };
}

/** Parameters: those in the final model's safetensors files, and the base model's when recorded. */
export function parameterCount(r: CardRecord): Stated | null {
  const c = finalModel(r);
  const b = run(r).object.baseModel;
  const parts: string[] = [];
  const cite: string[] = [];
  const files = c?.object.files.filter((f) => f.tensors) ?? [];
  if (c && files.length) {
    const total = files.reduce((n, f) => n + (figure(f.tensors!.parameters) ?? 0), 0);
    const dtypes = [...new Set(files.flatMap((f) => f.tensors!.dtypes))];
    parts.push(`${num(total)} ${c.object.layout === 'peft-adapter' ? 'adapter parameters (the trained weights)' : 'parameters'} in ${files.map((f) => f.path).join(', ')}${dtypes.length ? ` (${dtypes.join(', ')})` : ''}`);
    cite.push(c.id);
  }
  if (b?.parameters != null) {
    parts.push(`base model: ${num(b.parameters)} parameters`);
    cite.push(run(r).id);
  } else if (parts.length && b) parts.push('base model parameter count not recorded');
  return parts.length ? { text: `${parts.join('; ')}.`, cite } : null;
}

const TASK_MODALITY: Record<string, string> = {
  CAUSAL_LM: 'Text in, text out: a causal language model continues the input text',
  SEQ_2_SEQ_LM: 'Text in, text out: a sequence-to-sequence model',
  SEQ_CLS: 'Text in, a class label out',
  TOKEN_CLS: 'Text in, a label for each token out',
  QUESTION_ANS: 'Text (a question and its context) in, an answer span out',
  FEATURE_EXTRACTION: 'Text in, embedding vectors out',
};

/** Modality and format, derived from the recorded PEFT task type. */
export function modality(r: CardRecord): Stated | null {
  const task = hyper(r, 'peft.task_type');
  const m = typeof task === 'string' ? TASK_MODALITY[task] : undefined;
  if (!m) return null;
  const c = finalModel(r);
  const tok = c?.object.files.filter((f) => f.role === 'tokenizer').map((f) => f.path) ?? [];
  const fmt = tok.length ? ` Text is tokenised as configured by the tokenizer files shipped with the model (${tok.join(', ')}).` : '';
  return { text: `${m} (derived from the recorded hyperparameter peft.task_type = ${task}).${fmt}`, cite: [run(r).id, ...(tok.length ? [c!.id] : [])] };
}

const LENGTH_KEYS = ['max_position_embeddings', 'model.max_position_embeddings', 'model_max_length', 'tokenizer.model_max_length', 'max_seq_length', 'trainer.max_seq_length', 'max_length', 'trainer.max_length'];

/** The context window or training sequence length, when a hyperparameter records it. */
export function contextWindow(r: CardRecord): Stated | null {
  for (const k of LENGTH_KEYS) {
    const v = hyper(r, k);
    if (typeof v === 'number' || typeof v === 'bigint') return { text: `${num(v)} tokens (hyperparameter ${k})`, cite: [run(r).id] };
  }
  return null;
}

/** What training optimises, when the task type says it. */
export function objective(r: CardRecord): Stated | null {
  return hyper(r, 'peft.task_type') === 'CAUSAL_LM'
    ? { text: 'Next-token prediction: the causal language-modelling cross-entropy loss on the training data (derived from peft.task_type = CAUSAL_LM).', cite: [run(r).id] }
    : null;
}

/** The base model the fine-tune depends on: name, revision and the hashes of its weights if recorded. */
export function dependencies(r: CardRecord): Stated | null {
  const b = run(r).object.baseModel;
  if (!b) return null;
  const hashes = b.root ? `root digest of its weights ${b.root} over ${b.files.length} file(s)` : 'hashes of its weights not recorded';
  return { text: `Base model ${b.name}, revision ${b.revision ?? 'not recorded'}; ${hashes}.`, cite: [run(r).id] };
}

/** The authenticity hash of the final model, citing its manifest. */
export function authenticity(r: CardRecord): Stated | null {
  const d = modelDigest(r);
  return d ? { text: `${d.root} (root digest over the files of "${d.name}", as listed in its signed checkpoint manifest)`, cite: [d.manifest] } : null;
}

/**
 * Whether the fine-tuner becomes the provider of a new model under the Commission's guidelines on
 * general-purpose AI providers (July 2025): more than one third of the original model's training
 * compute. Null only when no figure is recorded at all.
 */
export function oneThirdRule(r: CardRecord): Stated | null {
  const o = run(r).object;
  const c = o.compute;
  const flops = figure(c?.flops ?? null);
  const base = figure(c?.baseModelFlops ?? o.baseModel?.trainingFlops ?? null);
  if (flops === null && base === null) return null;
  const used = flops === null ? "the fine-tuning's training compute is not recorded" : `the fine-tuning used ${num(flops)} FLOPs${c?.flopsMethod ? ` (${c.flopsMethod})` : ''}`;
  const of = base === null ? "the base model's training compute is not recorded" : `the base model's training compute is ${num(base)} FLOPs`;
  if (flops === null || base === null) return { text: `Unknown: ${used}, and ${of}.`, cite: [run(r).id] };
  const ratio = c?.ratioToBase ?? flops / base;
  const exceeds = c?.exceedsOneThird ?? flops * 3 > base;
  return {
    text: exceeds
      ? `Yes: ${used}, ${num(ratio)} times ${of.replace("the base model's training compute is ", "the base model's ")}, more than one third. By this criterion the fine-tuner is the provider of a new general-purpose AI model.`
      : `No: ${used}, ${num(ratio)} times ${of.replace("the base model's training compute is ", "the base model's ")}, not more than one third. By this criterion the fine-tuner is not the provider of a new general-purpose AI model.`,
    cite: [run(r).id],
  };
}

const RELEVANT_PACKAGES = ['torch', 'transformers', 'peft', 'accelerate', 'safetensors', 'tokenizers', 'trl', 'bitsandbytes', 'datasets'];

/** The recorded software environment: Python, OS and the packages that matter for using the model. */
export function environmentText(r: CardRecord): Stated | null {
  const e = run(r).object.environment;
  if (!e) return null;
  const pk = e.packages.filter((p) => RELEVANT_PACKAGES.includes(p.name.toLowerCase()));
  const parts = [e.python && `Python ${e.python}`, e.os && `OS ${e.os}`, pk.length ? pk.map((p) => `${p.name} ${p.version ?? '(version not recorded)'}`).join(', ') : null, e.packages.length ? `${e.packages.length} package(s) recorded in all` : null].filter(Boolean);
  return parts.length ? { text: `${parts.join('; ')}.`, cite: [run(r).id] } : null;
}

/** How the model is put to use: load the base model, apply the final model's files; the files with their hashes. */
export function integrationBlocks(s: SectionBuilder, r: CardRecord): void {
  const c = finalModel(r);
  const b = run(r).object.baseModel;
  if (!c) {
    s.missing('Model files', "Record the run's final model (its output directory) so that its files are listed and hashed: cognify run record ...");
    return;
  }
  const config = c.object.files.find((f) => f.role === 'config');
  if (c.object.layout === 'peft-adapter' && b) {
    s.text(`The model is a parameter-efficient adapter (layout peft-adapter). To use it, load the base model ${b.name}${b.revision ? ` at revision ${b.revision}` : ''} and apply the adapter files of "${c.name}" listed below${config ? `; ${config.path} holds the adapter's configuration` : ''}.`, [run(r).id, c.id]);
  } else s.text(`The model's files are those of "${c.name}" (layout ${c.object.layout}), listed below.`, [c.id]);
  s.table(['File', 'Role', 'Size', 'SHA-256'], c.object.files.map((f) => ({ cells: [f.path, f.role, bytes(f.size), f.sha256], cite: [c.id] })), 'The manifest lists no files.');
}

/** One sentence per bias eval: the attributes, the largest disparity and the four-fifths findings. */
export function biasSummary(r: CardRecord): Stated[] {
  return evalsOf(r, 'bias').map((e) => {
    const b = biasOf(e.object);
    const v = b.fourFifthsViolations;
    const found = v.length
      ? `selection rate below four-fifths of the highest group's (29 CFR 1607.4(D)) for ${v.map((x) => `${x.attribute}=${x.value} (${num(x.impactRatio, 3)})`).join('; ')}`
      : "no group's selection rate is below four-fifths of the highest (29 CFR 1607.4(D))";
    return { text: `Bias evaluation of ${num(Number(e.object.summary.rows ?? 0))} model predictions (${e.object.source.file}) by ${b.columns.groups.join(', ')}: largest demographic parity difference ${num(b.demographicParityDifference)}; ${found}.`, cite: [e.id] };
  });
}

/** A short account of the evaluations: objective checks against thresholds, coverage gaps, bias. */
export function evaluationSummary(s: SectionBuilder, r: CardRecord): void {
  const lm = evalsOf(r, 'lm-eval');
  if (!lm.length && !evalsOf(r, 'bias').length) s.text('No evaluation is recorded for this run.');
  for (const e of lm) {
    const checks = checksOf(e.object);
    const tasks = new Set(taskMetrics(e.object).map((m) => m.task)).size;
    const harness = typeof e.object.summary.harness === 'string' ? e.object.summary.harness : 'benchmark harness';
    s.text(`${harness} results (${e.object.source.file}): ${tasks} task(s)${checks.length ? `; ${checks.filter((c) => c.passed).length} of ${checks.length} objective checks passed` : '; no objective thresholds apply'}.`, [e.id]);
    if (checks.length) s.chart({ kind: 'thresholds', title: 'Results against their objectives', rows: checks.map((c) => ({ label: `${c.task} ${c.metric}`, value: c.value, threshold: c.threshold, direction: c.direction, passed: c.passed })) }, [e.id]);
    const gaps = gapsOf(e.object);
    if (gaps.length) s.text(`Objectives no evaluation covers: ${gaps.join(', ')}.`, [e.id]);
  }
  for (const b of biasSummary(r)) s.text(b.text, b.cite);
}

export interface Authorship {
  /** Signers of run versions that were not eval attachments, with what they did. */
  authors: Map<string, Stated>;
  /** Signers of run versions that only attached an eval. */
  attachers: Map<string, Stated>;
  /** Signers of the run's dataset versions. */
  inputs: Map<string, Stated>;
}

function add(m: Map<string, Stated>, key: string, what: string, id: string): void {
  const e = m.get(key);
  if (e) {
    e.text += `, ${what}`;
    e.cite.push(id);
  } else m.set(key, { text: what, cite: [id] });
}

/**
 * Who authored the run as the approval policy counts it: the signer of each version, except a
 * version the log shows was made by attaching an eval (eval.record), and who committed its data.
 */
export function runAuthorship(r: CardRecord): Authorship {
  const out: Authorship = { authors: new Map(), attachers: new Map(), inputs: new Map() };
  for (const v of run(r).versions) {
    const first = r.log.entries.filter((e) => e.subjects.includes(v.id)).sort((a, b) => a.seq - b.seq)[0];
    if (first?.action === 'eval.record') add(out.attachers, v.signer, `attached an eval as run version ${v.number}`, v.id);
    else add(out.authors, v.signer, `signed run version ${v.number}`, v.id);
  }
  for (const d of r.datasets) {
    const signer = r.objects[d.id]?.signer ?? d.object.signer;
    if (signer) add(out.inputs, signer, `committed ${datasetLabel(d)}`, d.id);
  }
  return out;
}
