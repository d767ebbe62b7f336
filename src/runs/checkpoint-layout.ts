// What each file of a checkpoint directory is, from its relative path alone (no I/O).
//
// The names are the ones the writers actually produce; each rule cites its source:
// - transformers: WEIGHTS_NAME / SAFE_WEIGHTS_NAME and their `.index.json`, Trainer's
//   `optimizer.pt`, `scheduler.pt`, `scaler.pt`, `trainer_state.json`, `training_args.bin`, and
//   `rng_state.pth` (world size 1) or `rng_state_{process_index}.pth` (Trainer._save_rng_state).
// - huggingface_hub split_*_state_dict_into_shards: `model-{i:05d}-of-{n:05d}.safetensors`,
//   `pytorch_model-{i:05d}-of-{n:05d}.bin`, 1-based i, n = number of shards (not ranks).
// - PEFT: `adapter_model.safetensors` / `adapter_model.bin`, `adapter_config.json`.
// - torch.distributed.checkpoint FileSystemWriter: `.metadata` plus `__{rank}_{k}.distcp`, where
//   the prefix `__{rank}_` comes from prepare_global_plan (enumerate(plans), one plan per rank) and
//   k is a per-rank file counter from 0 (one file per writer thread, or per item when
//   single_file_per_rank=False). k therefore says nothing about the world size.
// - Accelerate (fsdp_utils, save_state): SHARDED_STATE_DICT writes DCP files into
//   `pytorch_model_fsdp_{model_index}/` and `optimizer_{optimizer_index}/`; LOCAL_STATE_DICT writes
//   `pytorch_model_fsdp[_{model_index}]_rank{process_index}.bin`; FULL_STATE_DICT writes
//   `pytorch_model_fsdp[_{model_index}].bin` and `optimizer[_{i}].bin`; the XLA path writes
//   `optimizer_rank{process_index}.bin`; save_state writes `random_states_{process_index}.pkl`
//   and `scheduler.bin`. The `_{index}` in these names counts models/optimizers, never ranks.
//
// `scaler.pt` (torch.amp GradScaler: loss scale and growth tracker) is classified 'other': it is
// not a learning-rate schedule, and a manifest reader should not mistake one for the other.
//
// No listed scheme writes the world size into a single name, so `worldSize` is null for every
// recognised file today; the field is there for schemes that do (e.g. `mp_rank_XX` layouts).
// `worldSizeOf` gives the number of distinct ranks seen over a whole listing instead.

import { z } from 'zod';
import { InputError } from '../core/errors.js';

export type Role =
  | 'model-shard'
  | 'adapter'
  | 'optimizer'
  | 'scheduler'
  | 'rng-state'
  | 'trainer-state'
  | 'config'
  | 'tokenizer'
  | 'index'
  | 'training-args'
  | 'other';

export interface CheckpointFileClass {
  role: Role;
  /** Process rank the file belongs to, when its name says so. */
  rank: number | null;
  /** World size, when the name says so (no recognised scheme does; see the file header). */
  worldSize: number | null;
  /** Position in a Hugging Face shard set: 1-based index of `of` shards. */
  shard: { index: number; of: number } | null;
}

const _EXACT: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['model.safetensors', 'model-shard'],
  ['pytorch_model.bin', 'model-shard'],
  ['model.safetensors.index.json', 'index'],
  ['pytorch_model.bin.index.json', 'index'],
  ['config.json', 'config'],
  ['generation_config.json', 'config'],
  ['adapter_config.json', 'config'],
  ['adapter_model.safetensors', 'adapter'],
  ['adapter_model.bin', 'adapter'],
  ['tokenizer.json', 'tokenizer'],
  ['tokenizer_config.json', 'tokenizer'],
  ['special_tokens_map.json', 'tokenizer'],
  ['tokenizer.model', 'tokenizer'],
  ['vocab.json', 'tokenizer'],
  ['merges.txt', 'tokenizer'],
  ['added_tokens.json', 'tokenizer'],
  ['vocab.txt', 'tokenizer'],
  ['spiece.model', 'tokenizer'],
  ['trainer_state.json', 'trainer-state'],
  ['training_args.bin', 'training-args'],
  ['optimizer.pt', 'optimizer'],
  ['optimizer.bin', 'optimizer'],
  ['scheduler.pt', 'scheduler'],
  ['scheduler.bin', 'scheduler'],
  ['rng_state.pth', 'rng-state'],
  ['scaler.pt', 'other'],
]);

// Python's f"{i}" never pads, so a rank is "0" or has no leading zero.
const _N = '(0|[1-9][0-9]*)';
const _HF_SHARD = /^(model|pytorch_model)-([0-9]{5})-of-([0-9]{5})\.(safetensors|bin)$/;
const _DISTCP = new RegExp(`^__${_N}_${_N}\\.distcp$`);
const _RANKED: ReadonlyArray<readonly [RegExp, Role]> = [
  [new RegExp(`^rng_state_${_N}\\.pth$`), 'rng-state'],
  [new RegExp(`^random_states_${_N}\\.pkl$`), 'rng-state'],
  [new RegExp(`^pytorch_model_fsdp_(?:${_N}_)?rank${_N}\\.bin$`), 'model-shard'],
  [new RegExp(`^optimizer_rank${_N}\\.bin$`), 'optimizer'],
];
const _UNRANKED: ReadonlyArray<readonly [RegExp, Role]> = [
  [new RegExp(`^pytorch_model_fsdp(?:_${_N})?\\.bin$`), 'model-shard'],
  [new RegExp(`^optimizer_${_N}\\.bin$`), 'optimizer'],
];
const _FSDP_DIRS: ReadonlyArray<readonly [RegExp, Role]> = [
  [new RegExp(`^pytorch_model_fsdp_${_N}$`), 'model-shard'],
  [new RegExp(`^optimizer_${_N}$`), 'optimizer'],
];

function _result(
  role: Role,
  rank: number | null = null,
  shard: CheckpointFileClass['shard'] = null,
): CheckpointFileClass {
  return { role, rank, worldSize: null, shard };
}

/** A decimal string as a number, or null past 2^53 (such a name is not a real rank). */
function _int(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function _segments(relPath: unknown): string[] {
  if (typeof relPath !== 'string' || relPath === '') {
    throw new InputError('INPUT_INVALID', 'expected a non-empty relative path', { relPath });
  }
  const segs = relPath.split('/');
  if (relPath.startsWith('/') || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new InputError(
      'INPUT_INVALID',
      `expected a relative "/"-separated path without empty, "." or ".." parts, got ${JSON.stringify(relPath)}`,
      { relPath },
    );
  }
  return segs;
}

/** The role of the nearest enclosing Accelerate sharded-state directory, if any. */
function _enclosingRole(dirs: readonly string[]): Role | null {
  for (let i = dirs.length - 1; i >= 0; i--) {
    for (const [re, role] of _FSDP_DIRS) if (re.test(dirs[i]!)) return role;
  }
  return null;
}

/** Classify one file of a checkpoint directory by its relative path ("/" separators). */
export function classifyCheckpointFile(relPath: string): CheckpointFileClass {
  const segs = _segments(relPath);
  const name = segs[segs.length - 1]!;
  const enclosing = _enclosingRole(segs.slice(0, -1));

  // DCP's `.metadata` indexes the .distcp files beside it, whichever directory it sits in.
  if (name === '.metadata') return _result('index');
  const dcp = _DISTCP.exec(name);
  if (dcp) {
    const rank = _int(dcp[1]);
    if (rank === null || _int(dcp[2]) === null) return _result('other');
    return _result(enclosing ?? 'model-shard', rank);
  }
  // Accelerate's sharded directories hold only that state; anything inside takes their role.
  if (enclosing !== null) return _result(enclosing);

  const exact = _EXACT.get(name);
  if (exact !== undefined) return _result(exact);

  const hf = _HF_SHARD.exec(name);
  // Pairs as transformers names them: model*.safetensors, pytorch_model*.bin.
  if (hf && (hf[1] === 'model') === (hf[4] === 'safetensors')) {
    return _result('model-shard', null, { index: Number(hf[2]), of: Number(hf[3]) });
  }
  for (const [re, role] of _RANKED) {
    const m = re.exec(name);
    if (m) {
      const rank = _int(m[m.length - 1]);
      return rank === null ? _result('other') : _result(role, rank);
    }
  }
  for (const [re, role] of _UNRANKED) if (re.test(name)) return _result(role);
  return _result('other');
}

export interface ShardSet {
  /** Directory plus the unsharded name, e.g. "checkpoint-500/model.safetensors". */
  name: string;
  /** Distinct "of" counts seen, ascending; more than one means the set is inconsistent. */
  counts: number[];
  /** Shard files expected from each "of" count but absent, as relative paths, sorted. */
  missing: string[];
  /** Shards whose index is 0 or above their "of" count. */
  outOfRange: string[];
}

export interface ShardSetReport {
  ok: boolean;
  sets: ShardSet[];
}

/**
 * Check every Hugging Face shard set in a listing: one "of" count per set, every index from 1 to
 * it present, none out of range. A set is one directory and one base name (model / pytorch_model).
 */
export function checkShardSet(files: ReadonlyArray<{ readonly relPath: string }>): ShardSetReport {
  interface Group {
    dir: string;
    stem: string;
    ext: string;
    byOf: Map<number, Set<number>>;
    outOfRange: string[];
  }
  const groups = new Map<string, Group>();
  for (const { relPath } of files) {
    const segs = _segments(relPath);
    const m = _HF_SHARD.exec(segs[segs.length - 1]!);
    if (!m || (m[1] === 'model') !== (m[4] === 'safetensors')) continue;
    const dir = segs.slice(0, -1).map((s) => `${s}/`).join('');
    const stem = m[1]!;
    const ext = m[4]!;
    const key = `${dir}${stem}.${ext}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { dir, stem, ext, byOf: new Map(), outOfRange: [] }));
    const index = Number(m[2]);
    const of = Number(m[3]);
    if (index < 1 || index > of) {
      g.outOfRange.push(relPath);
      continue;
    }
    let seen = g.byOf.get(of);
    if (!seen) g.byOf.set(of, (seen = new Set()));
    seen.add(index);
  }

  const sets: ShardSet[] = [];
  for (const [name, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const counts = [...g.byOf.keys()].sort((a, b) => a - b);
    const missing: string[] = [];
    const pad = (n: number) => String(n).padStart(5, '0');
    // "of" has five digits, so this enumerates at most 99 999 names per count.
    for (const of of counts) {
      const seen = g.byOf.get(of)!;
      for (let i = 1; i <= of; i++) {
        if (!seen.has(i)) missing.push(`${g.dir}${g.stem}-${pad(i)}-of-${pad(of)}.${g.ext}`);
      }
    }
    sets.push({ name, counts, missing, outOfRange: [...new Set(g.outOfRange)].sort() });
  }
  const ok = sets.every(
    (s) => s.counts.length <= 1 && s.missing.length === 0 && s.outOfRange.length === 0,
  );
  return { ok, sets };
}

/**
 * The number of distinct ranks named by the files, or null when none names a rank. Ranks are not
 * assumed contiguous: files from ranks 0 and 3 give 2.
 */
export function worldSizeOf(files: ReadonlyArray<{ readonly relPath: string }>): number | null {
  const ranks = new Set<number>();
  for (const { relPath } of files) {
    const { rank } = classifyCheckpointFile(relPath);
    if (rank !== null) ranks.add(rank);
  }
  return ranks.size === 0 ? null : ranks.size;
}

// transformers' sharded index: { "metadata": {...}, "weight_map": { tensor name: shard file } }.
const _IndexSchema = z.looseObject({
  weight_map: z.record(z.string(), z.string().min(1, 'expected a non-empty shard file name')),
});

function _ext(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 || dot < path.lastIndexOf('/') ? '' : path.slice(dot);
}

/**
 * Cross-check a parsed `*.index.json` against the files beside it (paths relative to the index's
 * directory, as its weight_map values are). `missing`: shard files the index names that are not
 * there. `unreferenced`: model-weight files of the index's own format (same extension as the
 * files it names) that it does not name, so a `.bin` set beside a safetensors index is left alone.
 * Throws InputError('INPUT_INVALID') if `index` has no string-to-string `weight_map`.
 */
export function crossCheckIndex(
  index: unknown,
  files: readonly string[],
): { missing: string[]; unreferenced: string[] } {
  const r = _IndexSchema.safeParse(index);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length === 0 ? 'index' : issue.path.map(String).join('.');
    throw new InputError('INPUT_INVALID', `invalid shard index: ${where}: ${issue.message}`, {
      path: issue.path.map(String),
    });
  }
  const referenced = new Set(Object.values(r.data.weight_map));
  const present = new Set(files);
  const exts = new Set([...referenced].map(_ext));
  const missing = [...referenced].filter((f) => !present.has(f)).sort();
  const unreferenced = [...present]
    .filter((f) => !referenced.has(f) && exts.has(_ext(f)))
    .filter((f) => classifyCheckpointFile(f).role === 'model-shard')
    .sort();
  return { missing, unreferenced };
}
