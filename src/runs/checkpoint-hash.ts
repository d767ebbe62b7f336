// Checkpoint manifests (issue 4): every file of a checkpoint directory with its size, SHA-256,
// role and rank, and one root digest over the sorted entries, so that a set of weights can be
// named by one id and re-checked later. Files are streamed through SHA-256, never loaded whole;
// weights are hashed, not copied.
//
// Before any weight is hashed the directory must hang together: every safetensors header is valid
// (src/runs/safetensors.ts), every shard a `*.index.json` names is there, and every Hugging Face
// shard set is complete (src/runs/checkpoint-layout.ts). The first broken rule is one InputError
// naming the file, and no manifest is made: a manifest records a loadable checkpoint or nothing.
//
// Hashing is injected: by default files are hashed one after another on the calling thread with
// `crypto.createSha256()`; callers with Node worker threads pass src/node/hash-pool.ts hashFiles
// (src/runs does not import src/node). Either way a file whose size or mtime changes while it is
// read is refused.
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CryptoProvider } from '../core/crypto-provider.js';
import { toHex } from '../core/bytes.js';
import { encode } from '../core/cbor.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { checkShardSet, classifyCheckpointFile, crossCheckIndex, worldSizeOf } from './checkpoint-layout.js';
import { readSafetensorsHeader } from './safetensors.js';
import { readSmallFile } from './small-file.js';

export interface TensorSummary {
  /** Tensors in the header (`__metadata__` excluded). */
  count: number;
  /** Total elements over all tensors. */
  parameters: number;
  /** Dtypes present, sorted. */
  dtypes: string[];
}

export interface CheckpointFile {
  /** Path relative to the checkpoint directory, with "/" separators. */
  path: string;
  size: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  role: string;
  rank: number | null;
  /** Header summary of a `.safetensors` file; null for every other file. */
  tensors: TensorSummary | null;
}

/**
 * What the directory holds, from file names: 'hf-single' (model.safetensors / pytorch_model.bin),
 * 'hf-sharded' (model-00001-of-0000N.* and their index), 'peft-adapter' (adapter_model.*),
 * 'torch-dcp' (torch.distributed.checkpoint `.distcp` + `.metadata`), 'fsdp' (Accelerate's FSDP
 * names and directories), 'mixed' (more than one of these), 'other' (none: e.g. optimizer state only).
 */
export type CheckpointLayout = 'hf-single' | 'hf-sharded' | 'peft-adapter' | 'torch-dcp' | 'fsdp' | 'mixed' | 'other';

export interface CheckpointManifest {
  /** `sha256:` of the canonical CBOR of the entries [path, size, sha256] in path order. */
  root: string;
  files: CheckpointFile[];
  bytes: number;
  /** Distinct ranks named by the files (worldSizeOf), or null when none names a rank. */
  worldSize: number | null;
  layout: CheckpointLayout;
}

/** A parallel file hasher, such as src/node/hash-pool.ts hashFiles: results in job order. */
export type FileHasher = (
  jobs: { path: string; size: number }[],
  opts: { onProgress?: (doneBytes: number, totalBytes: number) => void; signal?: AbortSignal },
) => Promise<{ size: number; sha256: string }[]>;

export interface HashCheckpointOptions {
  /** The checkpoint's directory. */
  dir: string;
  crypto: CryptoProvider;
  /** Default: one file at a time on the calling thread with `crypto.createSha256()`. */
  hashFiles?: FileHasher;
  /**
   * Leave out the files whose relative path ("/" separators) it accepts, as if they were not
   * there (e.g. the checkpoint-N/ directories beside a final model); they are neither checked
   * nor hashed.
   */
  exclude?: (path: string) => boolean;
  /** Bytes hashed so far and the total, for a progress bar. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

const MiB = 1 << 20;
/** Read size of the default hasher; each read is a thread-pool round trip, so not tiny. */
const READ_BYTES = 1 * MiB;
/** The default hasher reports at least this often, besides after each file. */
const PROGRESS_BYTES = 64 * MiB;
/** A `*.index.json` larger than this is not a shard index (a 1T-parameter model's is ~10 MB). */
const MAX_INDEX_BYTES = 64 * MiB;

// ---- listing ------------------------------------------------------------------------------

/**
 * Every regular file under `dir` that `exclude` does not name, relative, sorted by UTF-8 bytes;
 * symbolic links are refused (a manifest names real bytes).
 */
async function listFiles(dir: string, exclude?: (path: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (!e.isDirectory() && exclude?.(relative(dir, full).split(sep).join('/'))) continue;
      if (e.isSymbolicLink()) throw new InputError('INPUT_INVALID', `${full} is a symbolic link; copy the file it points to into the checkpoint, or hash that directory`, { path: full });
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  }
  try {
    if (!(await lstat(dir)).isDirectory()) throw new InputError('INPUT_INVALID', `${dir} is not a directory; give the checkpoint's directory`, { dir });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no directory ${dir}`, { dir });
    throw e;
  }
  await walk(dir);
  return out.sort(_byUtf8);
}

function _byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

// ---- structure ----------------------------------------------------------------------------

const _INDEX = /\.(safetensors|bin)\.index\.json$/;

function _dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

/** Every `*.safetensors.index.json` / `*.bin.index.json` against the files beside and below it. */
async function _checkIndexes(dir: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (!_INDEX.test(p) || classifyCheckpointFile(p).role !== 'index') continue;
    const text = await readSmallFile(join(dir, p), {
      cap: MAX_INDEX_BYTES,
      what: 'shard index',
      limitFor: 'a shard index',
      hint: 're-export or re-download it',
      name: p,
      data: { path: p },
    });
    let index: unknown;
    try {
      index = JSON.parse(text);
    } catch (e) {
      throw new InputError('INPUT_INVALID', `${p} is not valid JSON; re-export or re-download it`, { path: p }, e);
    }
    const base = _dirOf(p);
    const beside = paths.filter((q) => q.startsWith(base)).map((q) => q.slice(base.length));
    let missing: string[];
    try {
      ({ missing } = crossCheckIndex(index, beside));
    } catch (e) {
      throw new InputError('INPUT_INVALID', `${p}: ${(e as Error).message}; re-export or re-download it`, { path: p }, e);
    }
    if (missing.length > 0) {
      const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
      throw new InputError(
        'INPUT_INVALID',
        `${p} names ${base}${missing[0]}${more}, which is not in the checkpoint; copy the missing shard in, or hash the complete checkpoint`,
        { path: p, missing: missing.map((m) => base + m) },
      );
    }
  }
}

/** Every Hugging Face shard set complete, with one shard count and no index out of range. */
function _checkShardSets(paths: readonly string[]): void {
  const report = checkShardSet(paths.map((relPath) => ({ relPath })));
  if (report.ok) return;
  for (const s of report.sets) {
    if (s.counts.length > 1) {
      throw new InputError('INPUT_INVALID', `the shards of ${s.name} disagree on the shard count (${s.counts.join(', ')}); remove the stale shards`, { path: s.name, counts: s.counts });
    }
    if (s.outOfRange.length > 0) {
      throw new InputError('INPUT_INVALID', `${s.outOfRange[0]} has a shard number outside its set; remove or rename it`, { path: s.outOfRange[0], outOfRange: s.outOfRange });
    }
    if (s.missing.length > 0) {
      const more = s.missing.length > 1 ? ` (and ${s.missing.length - 1} more)` : '';
      throw new InputError('INPUT_INVALID', `${s.missing[0]}${more} is missing from the shard set ${s.name}; copy it in, or hash the complete checkpoint`, { path: s.missing[0], missing: s.missing });
    }
  }
}

/** Header summaries of the `.safetensors` files (null for the others); a bad header throws, naming the file. */
async function _tensorSummaries(dir: string, paths: readonly string[], signal?: AbortSignal): Promise<(TensorSummary | null)[]> {
  const out: (TensorSummary | null)[] = [];
  for (const p of paths) {
    if (!p.endsWith('.safetensors')) {
      out.push(null);
      continue;
    }
    signal?.throwIfAborted();
    const info = await readSafetensorsHeader(join(dir, p));
    out.push({ count: info.tensors, parameters: info.parameters, dtypes: Object.keys(info.dtypes).sort() });
  }
  return out;
}

// Accelerate's FSDP names (see checkpoint-layout.ts): directories `pytorch_model_fsdp_{i}` /
// `optimizer_{i}` holding DCP files, and `pytorch_model_fsdp*.bin`, `optimizer_rank{r}.bin`.
const _FSDP_DIR = /^(pytorch_model_fsdp|optimizer)_(0|[1-9][0-9]*)$/;
const _FSDP_FILE = /^(pytorch_model_fsdp.*|optimizer_rank(0|[1-9][0-9]*))\.bin$/;
const _DCP_FILE = /^(__(0|[1-9][0-9]*)_(0|[1-9][0-9]*)\.distcp|\.metadata)$/;

/** The layout of a checkpoint from its relative paths (see CheckpointLayout). */
export function checkpointLayout(paths: readonly string[]): CheckpointLayout {
  const kinds = new Set<CheckpointLayout>();
  for (const p of paths) {
    const segs = p.split('/');
    const name = segs[segs.length - 1]!;
    const c = classifyCheckpointFile(p);
    if (segs.slice(0, -1).some((d) => _FSDP_DIR.test(d)) || _FSDP_FILE.test(name)) kinds.add('fsdp');
    else if (_DCP_FILE.test(name)) kinds.add('torch-dcp');
    else if (c.role === 'adapter') kinds.add('peft-adapter');
    else if (c.shard !== null || (c.role === 'index' && _INDEX.test(name))) kinds.add('hf-sharded');
    else if (name === 'model.safetensors' || name === 'pytorch_model.bin') kinds.add('hf-single');
  }
  if (kinds.size === 0) return 'other';
  return kinds.size === 1 ? [...kinds][0]! : 'mixed';
}

// ---- hashing ------------------------------------------------------------------------------

function _changed(path: string, expected: number, found: number | null): InputError {
  const what = found === null ? 'it was modified during the read' : `expected ${expected} bytes, found ${found}`;
  return new InputError('INPUT_INVALID', `${path} changed while it was hashed (${what}); hash it again once nothing is writing to it`, { path, expected, found });
}

/** The default FileHasher: one file after another, positional reads, `crypto.createSha256()`. */
function _sequentialHasher(crypto: CryptoProvider): FileHasher {
  return async (jobs, { onProgress, signal }) => {
    const total = jobs.reduce((n, j) => n + j.size, 0);
    const buf = Buffer.allocUnsafe(READ_BYTES);
    const out: { size: number; sha256: string }[] = [];
    let done = 0;
    let lastReport = 0;
    for (const { path, size } of jobs) {
      signal?.throwIfAborted();
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no file ${path}; it was removed or renamed before it was hashed`, { path }, e);
        throw e;
      }
      try {
        const before = await fh.stat({ bigint: true });
        if (before.size !== BigInt(size)) throw _changed(path, size, Number(before.size));
        const h = crypto.createSha256();
        let pos = 0;
        for (;;) {
          signal?.throwIfAborted();
          const { bytesRead: n } = await fh.read(buf, 0, buf.length, pos);
          if (n === 0) break;
          pos += n;
          if (pos > size) throw _changed(path, size, pos);
          h.update(buf.subarray(0, n));
          done += n;
          if (done - lastReport >= PROGRESS_BYTES) onProgress?.((lastReport = done), total);
        }
        if (pos !== size) throw _changed(path, size, pos);
        const after = await fh.stat({ bigint: true });
        if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) throw _changed(path, size, null);
        out.push({ size, sha256: toHex(h.digest()) });
      } finally {
        await fh.close();
      }
      onProgress?.((lastReport = done), total);
    }
    if (jobs.length === 0) onProgress?.(0, 0);
    return out;
  };
}

/** An injected hasher's answer must be one well-formed result per job, with the listed size. */
function _checkResults(jobs: readonly { path: string; size: number }[], results: unknown): { size: number; sha256: string }[] {
  if (!Array.isArray(results) || results.length !== jobs.length) {
    throw new InputError('INPUT_INVALID', `hashFiles returned ${Array.isArray(results) ? results.length : 'no'} results for ${jobs.length} files`, {});
  }
  results.forEach((r: { size?: unknown; sha256?: unknown } | null, i) => {
    const j = jobs[i]!;
    if (typeof r?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) {
      throw new InputError('INPUT_INVALID', `hashFiles returned no SHA-256 (64 lower-case hex digits) for ${j.path}`, { path: j.path });
    }
    if (r.size !== j.size) throw _changed(j.path, j.size, typeof r.size === 'number' ? r.size : null);
  });
  return results as { size: number; sha256: string }[];
}

/** The root digest of a manifest's entries (see CheckpointManifest.root). */
export function checkpointRoot(files: readonly Pick<CheckpointFile, 'path' | 'size' | 'sha256'>[], crypto: CryptoProvider): string {
  const sorted = [...files].sort((a, b) => _byUtf8(a.path, b.path));
  const bytes = encode(sorted.map((f) => [f.path, f.size, f.sha256]));
  return `sha256:${toHex(crypto.sha256(bytes))}`;
}

/**
 * Hashes every file of a checkpoint directory, after checking that its safetensors headers,
 * shard indexes and shard sets hold together. `onProgress` gets the bytes hashed so far and the
 * total, for a progress bar.
 */
export async function hashCheckpoint(opts: HashCheckpointOptions): Promise<CheckpointManifest> {
  if (typeof opts !== 'object' || opts === null || typeof opts.dir !== 'string' || opts.dir === '') {
    throw new InputError('INPUT_INVALID', 'hashCheckpoint: expected { dir, crypto, hashFiles?, exclude?, onProgress?, signal? }', {});
  }
  if (typeof opts.crypto?.createSha256 !== 'function') throw new InputError('INPUT_INVALID', 'hashCheckpoint: expected a crypto provider', {});
  if (opts.exclude !== undefined && typeof opts.exclude !== 'function') throw new InputError('INPUT_INVALID', 'hashCheckpoint: exclude must be a function of a relative path', {});
  const { dir, crypto, signal, exclude } = opts;
  signal?.throwIfAborted();

  const paths = await listFiles(dir, exclude);
  const sizes = await Promise.all(paths.map(async (p) => (await lstat(join(dir, p))).size));
  await _checkIndexes(dir, paths);
  _checkShardSets(paths);
  const tensors = await _tensorSummaries(dir, paths, signal);

  const jobs = paths.map((p, i) => ({ path: join(dir, p), size: sizes[i]! }));
  const hasher = opts.hashFiles ?? _sequentialHasher(crypto);
  const hashed = _checkResults(jobs, await hasher(jobs, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(signal ? { signal } : {}) }));

  const files: CheckpointFile[] = paths.map((path, i) => {
    const c = classifyCheckpointFile(path);
    return { path, size: hashed[i]!.size, sha256: hashed[i]!.sha256, role: c.role, rank: c.rank, tensors: tensors[i]! };
  });
  return {
    root: checkpointRoot(files, crypto),
    files,
    bytes: files.reduce((n, f) => n + f.size, 0),
    worldSize: worldSizeOf(paths.map((relPath) => ({ relPath }))),
    layout: checkpointLayout(paths),
  };
}

// ---- verify -------------------------------------------------------------------------------

export interface CheckpointComparison {
  ok: boolean;
  /** In the manifest, not on disk. */
  missing: string[];
  /** On disk, not in the manifest. */
  extra: string[];
  /** On both, with a different size or SHA-256. */
  changed: { path: string; expected: { size: number; sha256: string }; actual: { size: number; sha256: string } }[];
}

function _byPath<T extends { path: string }>(files: readonly T[], what: string): Map<string, T> {
  const m = new Map<string, T>();
  for (const f of files) {
    if (typeof f?.path !== 'string') throw new InputError('INPUT_INVALID', `compareCheckpoint: a ${what} entry has no path`, {});
    if (m.has(f.path)) throw new InputError('INPUT_INVALID', `compareCheckpoint: ${f.path} appears twice in the ${what} files`, { path: f.path });
    m.set(f.path, f);
  }
  return m;
}

/**
 * A recorded manifest's files against a fresh hash of the directory (for `cognify checkpoint
 * verify`). Every list is in path order; `ok` only when all three are empty.
 */
export function compareCheckpoint(
  manifestFiles: readonly { path: string; size: number; sha256: string }[],
  actual: readonly CheckpointFile[],
): CheckpointComparison {
  const want = _byPath(manifestFiles, 'manifest');
  const have = _byPath(actual, 'actual');
  const missing = [...want.keys()].filter((p) => !have.has(p)).sort(_byUtf8);
  const extra = [...have.keys()].filter((p) => !want.has(p)).sort(_byUtf8);
  const changed: CheckpointComparison['changed'] = [];
  for (const path of [...want.keys()].filter((p) => have.has(p)).sort(_byUtf8)) {
    const e = want.get(path)!;
    const a = have.get(path)!;
    if (e.size !== a.size || e.sha256.toLowerCase() !== a.sha256.toLowerCase()) {
      changed.push({ path, expected: { size: e.size, sha256: e.sha256 }, actual: { size: a.size, sha256: a.sha256 } });
    }
  }
  return { ok: missing.length === 0 && extra.length === 0 && changed.length === 0, missing, extra, changed };
}
