#!/usr/bin/env node
// Writes the training-run fixtures under fixtures/runs/: three directories laid out as the Hugging
// Face tools lay them out, with synthetic contents (see fixtures/runs/README.md for what is real
// and what is a stand-in):
//
//   credit-lora/           a transformers Trainer output_dir of a PEFT LoRA fine-tune
//   sharded-full/          a full fine-tune's final model, saved in two safetensors shards
//   fsdp-two-ranks/        one Trainer checkpoint of an FSDP SHARDED_STATE_DICT run on two ranks
//
//   npm run build && node scripts/make-run-fixtures.js [DIR]     (default fixtures/runs)
//
// Only those three directories are removed and rewritten; anything else in DIR (other fixtures,
// the hand-written README) is left alone. Deterministic: no clock, no Math.random; weights come
// from mulberry32 with fixed seeds, so rerunning gives the same bytes. test/runs/hf-trainer.test.ts
// imports runFixtureFiles and checks it against the checked-in files byte for byte.
//
// JSON is written the way the Python writers write it, since a reader must cope with exactly that:
// json.dumps(obj, indent=N, sort_keys=True) with Python's float repr ("2.0", "2e-05",
// "104417344880640.0"), with or without a final newline as each writer does (cited per file).
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTinySafetensors } from '../dist/src/runs/safetensors.js';

export const FIXTURE_DIRS = ['credit-lora', 'sharded-full', 'fsdp-two-ranks'];

// ---------------------------------------------------------------------------------------------
// Python-style JSON

/** A number Python holds as a float, so it is written "2.0", not "2". */
class PyFloat {
  constructor(value) {
    this.value = value;
  }
}
const float = (v) => new PyFloat(v);

/** Python's repr(float): shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
function pyFloatRepr(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** json.dumps(value, indent=indent, sort_keys=True) with ensure_ascii=True. */
function pyDumps(value, indent) {
  const pad = (level) => '\n' + ' '.repeat(indent * level);
  const str = (s) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const walk = (v, level) => {
    if (v === null) return 'null';
    if (v instanceof PyFloat) return pyFloatRepr(v.value);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) return pyFloatRepr(v);
      return String(v);
    }
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[${v.map((x) => pad(level + 1) + walk(x, level + 1)).join(',')}${pad(level)}]`;
    }
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '{}';
    return `{${keys.map((k) => `${pad(level + 1)}${str(k)}: ${walk(v[k], level + 1)}`).join(',')}${pad(level)}}`;
  };
  return walk(value, 0);
}

const utf8 = (s) => new TextEncoder().encode(s);
/** transformers' writers (trainer_state, config, index, tokenizer files) end with "\n". */
const jsonNl = (v) => utf8(pyDumps(v, 2) + '\n');
/** PEFT's adapter_config.json: indent 2, no final newline (PeftConfigMixin.to_json_file). */
const jsonPeft = (v) => utf8(pyDumps(v, 2));
/** Trainer.save_metrics: json.dump(metrics, f, indent=4, sort_keys=True), no final newline. */
const jsonMetrics = (v) => utf8(pyDumps(v, 4));

// ---------------------------------------------------------------------------------------------
// Deterministic numbers

/** mulberry32: a 32-bit seeded generator, uniform in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Python's round(x, n) for the values used here (none lies on a .5 tie). */
const round = (x, n) => Math.round(x * 10 ** n) / 10 ** n;
/** A float32 widened to a Python float, as torch's .item() gives: e.g. 0.8734512329101562. */
const f32 = (x) => float(Math.fround(x));

const _f32 = new Float32Array(1);
const _u32 = new Uint32Array(_f32.buffer);
/** float → bfloat16 bits, round to nearest even (as torch's .to(torch.bfloat16)). */
function bf16Bits(x) {
  _f32[0] = x;
  const u = _u32[0];
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * A safetensors file of BF16 tensors whose values are `values(name, i)`; names are written in
 * sorted order, as the reference serializer orders tensors of one dtype. PyTorch writers set
 * __metadata__ {"format": "pt"}.
 */
function safetensorsBf16(tensors, values) {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bytes = writeTinySafetensors(
    sorted.map((t) => ({ name: t.name, dtype: 'BF16', shape: t.shape })),
    { format: 'pt' },
  );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8 + Number(view.getBigUint64(0, true));
  for (const t of sorted) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const v = values(t);
    for (let i = 0; i < n; i++, at += 2) view.setUint16(at, bf16Bits(v()), true);
  }
  if (at !== bytes.length) throw new Error('safetensorsBf16: data size mismatch');
  return bytes;
}

/**
 * A stand-in for a torch.save / pickle file: Python pickle protocol 2 of one str, exactly what
 * pickle.dumps(label, protocol=2) gives (PROTO 2, BINUNICODE, BINPUT 0, STOP). Unpickling it
 * yields the label, which says what the real file would hold; nothing here pretends to be torch.
 */
function pickleStandIn(label) {
  const text = utf8(`cognify fixture stand-in, not torch.save output: ${label}. See fixtures/runs/README.md.`);
  const out = new Uint8Array(2 + 1 + 4 + text.length + 2 + 1);
  out.set([0x80, 0x02, 0x58], 0);
  new DataView(out.buffer).setUint32(3, text.length, true);
  out.set(text, 7);
  out.set([0x71, 0x00, 0x2e], 7 + text.length);
  return out;
}

const sha1 = (s) => createHash('sha1').update(s).digest('hex');

// ---------------------------------------------------------------------------------------------
// credit-lora: PEFT LoRA on HuggingFaceTB/SmolLM2-135M, Trainer output_dir "runs/credit-lora"

const BASE_MODEL = 'HuggingFaceTB/SmolLM2-135M';
/** Invented, not a real commit of the Hub repository: sha1 of a fixed string. */
export const BASE_REVISION = sha1('cognify fixture: HuggingFaceTB/SmolLM2-135M base revision');
const HIDDEN = 576; // SmolLM2-135M hidden_size
const KV_OUT = 192; // 3 key/value heads x head_dim 64
const LORA_R = 4;
const LORA_ALPHA = 8;
const LORA_LAYERS = [0, 1];
const TRAIN_SAMPLES = 320;
const EVAL_SAMPLES = 64;
const BATCH = 8;
const SEQ_LEN = 256; // padded to max_length, so every step sees BATCH * SEQ_LEN tokens
const EPOCHS = 2;
const STEPS_PER_EPOCH = TRAIN_SAMPLES / BATCH; // 40
const MAX_STEPS = STEPS_PER_EPOCH * EPOCHS; // 80
const LOGGING_STEPS = 10;
const EVAL_STEPS = 40;
const SAVE_STEPS = 40;
const LEARNING_RATE = 2e-4;
/** SmolLM2-135M without its (tied) embedding: 30 layers x 3,540,096 + final norm 576. */
const BASE_NON_EMBEDDING_PARAMS = 106_203_456;
const LORA_PARAMS = LORA_LAYERS.length * (LORA_R * HIDDEN + HIDDEN * LORA_R + LORA_R * HIDDEN + KV_OUT * LORA_R); // 15,360
/**
 * transformers ModuleUtilsMixin.floating_point_ops: 6 x tokens x num_parameters(exclude_embeddings
 * =True), the LoRA weights included since they are parameters of the wrapped model.
 */
const FLOS_PER_STEP = 6 * BATCH * SEQ_LEN * (BASE_NON_EMBEDDING_PARAMS + LORA_PARAMS);
const OUTPUT_DIR = 'runs/credit-lora';

function loraTensors() {
  const out = [];
  for (const layer of LORA_LAYERS) {
    for (const [proj, outDim] of [['q_proj', HIDDEN], ['v_proj', KV_OUT]]) {
      const p = `base_model.model.model.layers.${layer}.self_attn.${proj}`;
      out.push({ name: `${p}.lora_A.weight`, shape: [LORA_R, HIDDEN], kind: 'A' });
      out.push({ name: `${p}.lora_B.weight`, shape: [outDim, LORA_R], kind: 'B' });
    }
  }
  return out;
}

/**
 * Adapter weights after `step` steps: A starts Kaiming-uniform (|a| < 1/sqrt(576)) and drifts; B
 * starts at zero (PEFT's init) and grows with the step. Same seed per tensor, so step 80 is step 40
 * moved on, not unrelated noise.
 */
function adapterFile(step) {
  return safetensorsBf16(loraTensors(), (t) => {
    const seed = Number.parseInt(sha1(t.name).slice(0, 8), 16);
    const init = mulberry32(seed);
    const drift = mulberry32(seed ^ 0x5bd1e995);
    const scale = step / MAX_STEPS;
    const bound = 1 / Math.sqrt(HIDDEN);
    return t.kind === 'A'
      ? () => (init() * 2 - 1) * bound + (drift() * 2 - 1) * 0.004 * scale
      : () => (drift() * 2 - 1) * 0.02 * scale;
  });
}

function adapterConfig() {
  // PEFT 0.15 LoraConfig fields, as save_pretrained writes them (inference_mode set to true).
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: BASE_MODEL,
    bias: 'none',
    corda_config: null,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: LORA_LAYERS,
    loftq_config: {},
    lora_alpha: LORA_ALPHA,
    lora_bias: false,
    lora_dropout: float(0.05),
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: LORA_R,
    rank_pattern: {},
    revision: BASE_REVISION,
    target_modules: ['q_proj', 'v_proj'],
    task_type: 'CAUSAL_LM',
    trainable_token_indices: null,
    use_dora: false,
    use_rslora: false,
  };
}

/** The whole run's log, computed once; trainer states take prefixes of it. */
function creditRun() {
  const rnd = mulberry32(20260101);
  const train = [];
  for (let step = LOGGING_STEPS; step <= MAX_STEPS; step += LOGGING_STEPS) {
    // Trainer logs the mean loss since the last log, rounded to 4 places; grad_norm is a float32
    // .item(); the learning rate is the linear schedule (no warm-up) after this step's update.
    const loss = round(1.25 + 1.6 * Math.exp(-step / 22) + (rnd() - 0.5) * 0.008, 4);
    const gradNorm = 0.35 + 1.1 * Math.exp(-step / 30) + rnd() * 0.08;
    const lr = LEARNING_RATE * ((MAX_STEPS - step) / Math.max(1, MAX_STEPS));
    train.push({ step, loss, gradNorm, lr });
  }
  for (let i = 1; i < train.length; i++) {
    if (!(train[i].loss < train[i - 1].loss)) throw new Error('creditRun: loss must decrease');
  }
  const evals = new Map();
  for (let step = EVAL_STEPS; step <= MAX_STEPS; step += EVAL_STEPS) {
    const loss = 1.25 + 1.6 * Math.exp(-step / 22) + 0.07 + rnd() * 0.01;
    const runtime = round(6.1 + rnd() * 0.4, 4); // forward only: about a third of a training step per sample
    evals.set(step, { loss: Math.fround(loss), runtime });
  }
  const trainRuntime = round(183 + rnd() * 5, 4);
  return { train, evals, trainRuntime };
}

const epochAt = (step) => float(step / STEPS_PER_EPOCH);

function evalMetrics(e, step) {
  return {
    epoch: epochAt(step),
    eval_loss: float(e.loss),
    eval_runtime: float(e.runtime),
    eval_samples_per_second: float(round(EVAL_SAMPLES / e.runtime, 3)),
    eval_steps_per_second: float(round(EVAL_SAMPLES / BATCH / e.runtime, 3)),
  };
}

function trainSummary(run) {
  // Trainer.train(): train_loss = total loss / global_step, i.e. the mean of the logged means.
  const trainLoss = run.train.reduce((a, t) => a + t.loss, 0) / run.train.length;
  return {
    epoch: epochAt(MAX_STEPS),
    total_flos: float(FLOS_PER_STEP * MAX_STEPS),
    train_loss: float(trainLoss),
    train_runtime: float(run.trainRuntime),
    train_samples_per_second: float(round((TRAIN_SAMPLES * EPOCHS) / run.trainRuntime, 3)),
    train_steps_per_second: float(round(MAX_STEPS / run.trainRuntime, 3)),
  };
}

/** TrainerState at `step` (as saved in checkpoint-`step`), or after train() when `final`. */
function creditState(run, step, final) {
  const log = [];
  for (const t of run.train.filter((t) => t.step <= step)) {
    log.push({ epoch: epochAt(t.step), grad_norm: f32(t.gradNorm), learning_rate: float(t.lr), loss: float(t.loss), step: t.step });
    const e = run.evals.get(t.step);
    if (e) log.push({ ...evalMetrics(e, t.step), step: t.step });
  }
  if (final) log.push({ ...trainSummary(run), step: MAX_STEPS });
  // load_best_model_at_end with metric_for_best_model "loss": the lowest eval_loss so far.
  let best = null;
  for (const [s, e] of run.evals) if (s <= step && (best === null || e.loss < best.loss)) best = { step: s, loss: e.loss };
  return {
    best_global_step: best.step,
    best_metric: float(best.loss),
    best_model_checkpoint: `${OUTPUT_DIR}/checkpoint-${best.step}`,
    epoch: epochAt(step),
    eval_steps: EVAL_STEPS,
    global_step: step,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: log,
    logging_steps: LOGGING_STEPS,
    max_steps: MAX_STEPS,
    num_input_tokens_seen: 0,
    num_train_epochs: EPOCHS,
    save_steps: SAVE_STEPS,
    stateful_callbacks: {
      TrainerControl: {
        args: {
          should_epoch_stop: false,
          should_evaluate: false,
          should_log: false,
          should_save: !final,
          should_training_stop: step === MAX_STEPS,
        },
        attributes: {},
      },
    },
    total_flos: float(FLOS_PER_STEP * step),
    train_batch_size: BATCH,
    trial_name: null,
    trial_params: null,
  };
}

const SMOL_SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

function smolTokenizerConfig() {
  // Abridged from SmolLM2-135M's tokenizer_config.json: its first three added tokens only.
  const decoder = {};
  SMOL_SPECIAL.forEach((content, i) => {
    decoder[String(i)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  return {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: SMOL_SPECIAL.slice(1),
    bos_token: '<|endoftext|>',
    clean_up_tokenization_spaces: false,
    eos_token: '<|endoftext|>',
    extra_special_tokens: {},
    model_max_length: 8192,
    pad_token: '<|endoftext|>',
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: '<|endoftext|>',
    vocab_size: 49152,
  };
}

function smolSpecialTokensMap() {
  const tok = (content) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false });
  return {
    additional_special_tokens: SMOL_SPECIAL.slice(1),
    bos_token: tok('<|endoftext|>'),
    eos_token: tok('<|endoftext|>'),
    pad_token: '<|endoftext|>',
    unk_token: tok('<|endoftext|>'),
  };
}

const MODEL_CARD = `---
base_model: ${BASE_MODEL}
library_name: peft
pipeline_tag: text-generation
tags:
- base_model:adapter:${BASE_MODEL}
- lora
- transformers
---

# Model Card for Model ID

<!-- Provide a quick summary of what the model is/does. -->

LoRA adapter explaining credit decisions (cognify fixture: synthetic, trained on nothing).

## Model Details

### Model Description

- **Developed by:** [More Information Needed]
- **Model type:** [More Information Needed]
- **License:** [More Information Needed]
- **Finetuned from model [optional]:** ${BASE_MODEL}

## Training Details

### Training Data

Synthetic credit-decision explanations (${TRAIN_SAMPLES} train, ${EVAL_SAMPLES} eval).

### Framework versions

- PEFT 0.15.2
`;

function creditLora(files) {
  const run = creditRun();
  const put = (rel, bytes) => files.set(`credit-lora/${rel}`, bytes);
  for (const step of [SAVE_STEPS, 2 * SAVE_STEPS]) {
    const c = `checkpoint-${step}`;
    put(`${c}/adapter_model.safetensors`, adapterFile(step));
    put(`${c}/adapter_config.json`, jsonPeft(adapterConfig()));
    put(`${c}/trainer_state.json`, jsonNl(creditState(run, step, false)));
    put(`${c}/optimizer.pt`, pickleStandIn(`credit-lora/${c}/optimizer.pt would hold torch.save(AdamW.state_dict()) at global step ${step}`));
    put(`${c}/scheduler.pt`, pickleStandIn(`credit-lora/${c}/scheduler.pt would hold torch.save(LambdaLR.state_dict()) at global step ${step}`));
    put(`${c}/rng_state.pth`, pickleStandIn(`credit-lora/${c}/rng_state.pth would hold torch.save of the python, numpy, cpu and cuda RNG states at global step ${step}`));
    put(`${c}/training_args.bin`, pickleStandIn(`credit-lora/${c}/training_args.bin would hold torch.save(TrainingArguments)`));
  }
  // Top level: trainer.save_model() (best = last checkpoint, so the same adapter bytes), then
  // save_metrics("train"), save_state(), evaluate(), save_metrics("eval"), as run_clm.py does.
  put('adapter_model.safetensors', adapterFile(MAX_STEPS));
  put('adapter_config.json', jsonPeft(adapterConfig()));
  put('training_args.bin', pickleStandIn('credit-lora/training_args.bin would hold torch.save(TrainingArguments)'));
  put('README.md', utf8(MODEL_CARD));
  put('tokenizer_config.json', jsonNl(smolTokenizerConfig()));
  put('special_tokens_map.json', jsonNl(smolSpecialTokensMap()));
  put('trainer_state.json', jsonNl(creditState(run, MAX_STEPS, true)));
  const trainResults = { ...trainSummary(run), train_samples: TRAIN_SAMPLES };
  // The final evaluate() reloads the best checkpoint (step 80) and sees the same eval_loss; only
  // its wall-clock time differs. run_clm.py adds perplexity = exp(eval_loss).
  const last = run.evals.get(MAX_STEPS);
  const evalResults = {
    ...evalMetrics({ loss: last.loss, runtime: round(last.runtime + 0.0421, 4) }, MAX_STEPS),
    eval_samples: EVAL_SAMPLES,
    perplexity: float(Math.exp(last.loss)),
  };
  put('train_results.json', jsonMetrics(trainResults));
  put('eval_results.json', jsonMetrics(evalResults));
  put('all_results.json', jsonMetrics({ ...trainResults, ...evalResults }));
}

// ---------------------------------------------------------------------------------------------
// sharded-full: a 2-layer Llama-architecture model, 26,784 parameters, saved in two shards

const TINY = {
  vocab: 256,
  hidden: 32,
  intermediate: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  headDim: 8,
};
/** save_pretrained(max_shard_size="40KB"): transformers reads "KB" as 10^3 bytes. */
const MAX_SHARD_BYTES = 40_000;

/** Parameters in named_parameters() order, lm_head omitted (tie_word_embeddings). */
function tinyLlamaTensors() {
  const { vocab, hidden, intermediate, layers, kvHeads, headDim } = TINY;
  const kv = kvHeads * headDim;
  const out = [{ name: 'model.embed_tokens.weight', shape: [vocab, hidden] }];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      { name: `${p}.self_attn.q_proj.weight`, shape: [hidden, hidden] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, hidden] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, hidden] },
      { name: `${p}.self_attn.o_proj.weight`, shape: [hidden, hidden] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [intermediate, hidden] },
      { name: `${p}.mlp.up_proj.weight`, shape: [intermediate, hidden] },
      { name: `${p}.mlp.down_proj.weight`, shape: [hidden, intermediate] },
      { name: `${p}.input_layernorm.weight`, shape: [hidden] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [hidden] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [hidden] });
  return out;
}

const bf16Size = (t) => 2 * t.shape.reduce((a, b) => a * b, 1);

/**
 * huggingface_hub split_torch_state_dict_into_shards: walk the state dict in order, start a new
 * shard when the next tensor would push the current one past max_shard_size.
 */
function splitShards(tensors, max) {
  const shards = [];
  let current = [];
  let size = 0;
  for (const t of tensors) {
    const s = bf16Size(t);
    if (current.length > 0 && size + s > max) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += s;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

function tinyWeights(t) {
  // RMSNorm weights are 1 plus a little; matrices are small uniform values.
  const rnd = mulberry32(Number.parseInt(sha1(`sharded-full ${t.name}`).slice(0, 8), 16));
  return t.shape.length === 1 ? () => 1 + (rnd() - 0.5) * 0.02 : () => (rnd() * 2 - 1) * 0.05;
}

function shardedFull(files) {
  const put = (rel, bytes) => files.set(`sharded-full/${rel}`, bytes);
  const tensors = tinyLlamaTensors();
  const shards = splitShards(tensors, MAX_SHARD_BYTES);
  const n = String(shards.length).padStart(5, '0');
  const weightMap = {};
  let total = 0;
  shards.forEach((shard, i) => {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${n}.safetensors`;
    put(file, safetensorsBf16(shard, tinyWeights));
    for (const t of shard) {
      weightMap[t.name] = file;
      total += bf16Size(t);
    }
  });
  put('model.safetensors.index.json', jsonNl({ metadata: { total_size: total }, weight_map: weightMap }));
  const { vocab, hidden, intermediate, layers, heads, kvHeads, headDim } = TINY;
  put(
    'config.json',
    jsonNl({
      _name_or_path: 'cognify-fixtures/tiny-llama-2l',
      architectures: ['LlamaForCausalLM'],
      attention_bias: false,
      attention_dropout: float(0),
      bos_token_id: 1,
      eos_token_id: 2,
      head_dim: headDim,
      hidden_act: 'silu',
      hidden_size: hidden,
      initializer_range: float(0.02),
      intermediate_size: intermediate,
      max_position_embeddings: 512,
      mlp_bias: false,
      model_type: 'llama',
      num_attention_heads: heads,
      num_hidden_layers: layers,
      num_key_value_heads: kvHeads,
      pretraining_tp: 1,
      rms_norm_eps: float(1e-5),
      rope_scaling: null,
      rope_theta: float(10000),
      tie_word_embeddings: true,
      torch_dtype: 'bfloat16',
      transformers_version: '4.52.4',
      use_cache: true,
      vocab_size: vocab,
    }),
  );
  put(
    'generation_config.json',
    jsonNl({ _from_model_config: true, bos_token_id: 1, eos_token_id: 2, transformers_version: '4.52.4' }),
  );
  const special = ['<unk>', '<s>', '</s>'];
  const decoder = {};
  special.forEach((content, i) => {
    decoder[String(i)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  put(
    'tokenizer_config.json',
    jsonNl({
      add_bos_token: true,
      add_eos_token: false,
      added_tokens_decoder: decoder,
      bos_token: '<s>',
      clean_up_tokenization_spaces: false,
      eos_token: '</s>',
      extra_special_tokens: {},
      legacy: false,
      model_max_length: 512,
      pad_token: null,
      tokenizer_class: 'LlamaTokenizer',
      unk_token: '<unk>',
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// fsdp-two-ranks: Trainer + Accelerate FSDP, SHARDED_STATE_DICT, world size 2, checkpoint-10

function fsdpTwoRanks(files) {
  const c = 'fsdp-two-ranks/checkpoint-10';
  const put = (rel, bytes) => files.set(`${c}/${rel}`, bytes);
  for (const dir of ['pytorch_model_fsdp_0', 'optimizer_0']) {
    const what = dir === 'optimizer_0' ? 'the optimizer state' : 'the model state dict';
    put(`${dir}/.metadata`, pickleStandIn(`${c}/${dir}/.metadata would hold the pickled torch.distributed.checkpoint Metadata indexing ${what}`));
    for (const rank of [0, 1]) {
      put(`${dir}/__${rank}_0.distcp`, pickleStandIn(`${c}/${dir}/__${rank}_0.distcp would hold rank ${rank}'s shards of ${what}, written by FileSystemWriter`));
    }
  }
  for (const rank of [0, 1]) {
    put(`rng_state_${rank}.pth`, pickleStandIn(`${c}/rng_state_${rank}.pth would hold torch.save of process ${rank}'s RNG states`));
  }
  put('scheduler.pt', pickleStandIn(`${c}/scheduler.pt would hold torch.save(LambdaLR.state_dict()) at global step 10`));
  // Per device batch 4 on 2 ranks, 128 tokens each: total_flos sums both ranks (Trainer.store_flos).
  // The FSDP-wrapped tiny model: 26,784 parameters, 18,592 without the embedding.
  const flosPerStep = 6 * 2 * 4 * 128 * 18_592;
  const losses = [5.5213, 5.4127];
  put(
    'trainer_state.json',
    jsonNl({
      best_global_step: null,
      best_metric: null,
      best_model_checkpoint: null,
      epoch: float(0.5),
      eval_steps: 500,
      global_step: 10,
      is_hyper_param_search: false,
      is_local_process_zero: true,
      is_world_process_zero: true,
      log_history: losses.map((loss, i) => ({
        epoch: float((5 * (i + 1)) / 20),
        grad_norm: f32(2.4 - i * 0.35),
        learning_rate: float(5e-5 * ((20 - 5 * (i + 1)) / 20)),
        loss: float(loss),
        step: 5 * (i + 1),
      })),
      logging_steps: 5,
      max_steps: 20,
      num_input_tokens_seen: 0,
      num_train_epochs: 1,
      save_steps: 10,
      stateful_callbacks: {
        TrainerControl: {
          args: { should_epoch_stop: false, should_evaluate: false, should_log: false, should_save: true, should_training_stop: false },
          attributes: {},
        },
      },
      total_flos: float(flosPerStep * 10),
      train_batch_size: 4,
      trial_name: null,
      trial_params: null,
    }),
  );
}

// ---------------------------------------------------------------------------------------------

/** Every fixture file, relative path (under fixtures/runs) → bytes, sorted by path. */
export function runFixtureFiles() {
  const files = new Map();
  creditLora(files);
  shardedFull(files);
  fsdpTwoRanks(files);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Remove and rewrite the three fixture directories under `dir`; returns the files written. */
export function writeRunFixtures(dir) {
  const files = runFixtureFiles();
  for (const d of FIXTURE_DIRS) rmSync(join(dir, d), { recursive: true, force: true });
  for (const [rel, bytes] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return files;
}

function main() {
  const dir = process.argv[2] ?? 'fixtures/runs';
  const files = writeRunFixtures(dir);
  let bytes = 0;
  for (const b of files.values()) bytes += b.length;
  console.log(`wrote ${files.size} files, ${bytes} bytes, under ${dir}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
