// Checkpoint manifests over real temp directories: sizes and SHA-256 of every file, roles and
// ranks from the layout, safetensors header summaries, world size and layout, a root digest that
// names the set (order-independent, byte-sensitive), structure checks that refuse a checkpoint
// that would not load, files changing mid-hash, compareCheckpoint, and the CLI contract of
// `cognify checkpoint hash --json`. The worker-pool case runs the compiled worker (npm test
// builds dist/ first).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFiles } from '../../src/node/hash-pool.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { checkpointLayout, checkpointRoot, compareCheckpoint, hashCheckpoint, type CheckpointFile, type FileHasher } from '../../src/runs/checkpoint-hash.js';
import { writeTinySafetensors } from '../../src/runs/safetensors.js';
import { tempDir } from '../_fixtures.js';
import { expectError, okJson, run } from '../cli/_run.js';

const workerUrl = new URL('../../dist/src/node/hash-worker.js', import.meta.url);
const pooled: FileHasher = (jobs, o) => hashFiles(jobs, { ...o, workerUrl, workers: 2 });
const crypto = nodeProvider;
const MiB = 1 << 20;

let root: string;
let cleanup: () => Promise<void>;
const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const bytesOf = (s: string | Uint8Array) => (typeof s === 'string' ? Buffer.byteLength(s) : s.length);

const ADAPTER = writeTinySafetensors([
  { name: 'base_model.model.q_proj.lora_A.weight', dtype: 'F32', shape: [16, 64] },
  { name: 'base_model.model.q_proj.lora_B.weight', dtype: 'BF16', shape: [64, 16] },
]);

/** A LoRA run's checkpoint: adapter weights and config, trainer state, optimizer, two ranks' RNG state. */
const FILES: Record<string, string | Uint8Array> = {
  'checkpoint-500/adapter_model.safetensors': ADAPTER,
  'checkpoint-500/adapter_config.json': '{"r":16,"lora_alpha":32}',
  'checkpoint-500/trainer_state.json': '{"global_step":500}',
  'checkpoint-500/optimizer.pt': 'optimizer state',
  'checkpoint-500/rng_state_0.pth': 'rng 0',
  'checkpoint-500/rng_state_1.pth': 'rng 1',
};

/** A sharded Hugging Face model: two safetensors shards and their index. */
function sharded(): Record<string, string | Uint8Array> {
  const s1 = writeTinySafetensors([{ name: 'embed.weight', dtype: 'F16', shape: [32, 8] }]);
  const s2 = writeTinySafetensors([
    { name: 'lm_head.weight', dtype: 'F16', shape: [32, 8] },
    { name: 'norm.weight', dtype: 'F32', shape: [8] },
  ]);
  const index = {
    metadata: { total_size: s1.length + s2.length },
    weight_map: { 'embed.weight': 'model-00001-of-00002.safetensors', 'lm_head.weight': 'model-00002-of-00002.safetensors', 'norm.weight': 'model-00002-of-00002.safetensors' },
  };
  return {
    'config.json': '{"model_type":"llama"}',
    'model-00001-of-00002.safetensors': s1,
    'model-00002-of-00002.safetensors': s2,
    'model.safetensors.index.json': JSON.stringify(index),
  };
}

function make(dir: string, files: Record<string, string | Uint8Array>, order = Object.keys(files)): string {
  for (const rel of order) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), files[rel]!);
  }
  return dir;
}

beforeAll(async () => {
  const t = await tempDir();
  root = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

describe('hashCheckpoint', () => {
  it('lists every file, sorted, with its size, SHA-256, role, rank and safetensors summary', async () => {
    const m = await hashCheckpoint({ dir: make(join(root, 'a'), FILES), crypto });
    expect(m.files.map((f) => f.path)).toEqual(Object.keys(FILES).sort());
    for (const f of m.files) {
      expect(f.size).toBe(bytesOf(FILES[f.path]!));
      expect(f.sha256).toBe(sha(FILES[f.path]!));
    }
    const by = Object.fromEntries(m.files.map((f) => [f.path.split('/').pop(), [f.role, f.rank]]));
    expect(by).toEqual({
      'adapter_model.safetensors': ['adapter', null],
      'adapter_config.json': ['config', null],
      'trainer_state.json': ['trainer-state', null],
      'optimizer.pt': ['optimizer', null],
      'rng_state_0.pth': ['rng-state', 0],
      'rng_state_1.pth': ['rng-state', 1],
    });
    const adapter = m.files.find((f) => f.path.endsWith('.safetensors'))!;
    expect(adapter.tensors).toEqual({ count: 2, parameters: 2 * 16 * 64, dtypes: ['BF16', 'F32'] });
    expect(m.files.filter((f) => f !== adapter).every((f) => f.tensors === null)).toBe(true);
    expect(m.bytes).toBe(Object.values(FILES).reduce((n, s) => n + bytesOf(s), 0));
    expect(m.root).toBe(checkpointRoot(m.files, crypto));
    expect(m.worldSize).toBe(2);
    expect(m.layout).toBe('peft-adapter');
    expect(Object.keys(m)).toEqual(['root', 'files', 'bytes', 'worldSize', 'layout']);
    expect(Object.keys(m.files[0]!)).toEqual(['path', 'size', 'sha256', 'role', 'rank', 'tensors']);
  });

  it('names the set by its root: the same files in any creation order give the same root; one changed byte does not', async () => {
    const a = await hashCheckpoint({ dir: make(join(root, 'b1'), FILES), crypto });
    const b = await hashCheckpoint({ dir: make(join(root, 'b2'), FILES, Object.keys(FILES).reverse()), crypto });
    expect(b.root).toBe(a.root);
    const changed = { ...FILES, 'checkpoint-500/rng_state_1.pth': 'rng 2' };
    expect((await hashCheckpoint({ dir: make(join(root, 'b3'), changed), crypto })).root).not.toBe(a.root);
    const renamed = { ...FILES };
    renamed['checkpoint-500/rng_state_2.pth'] = renamed['checkpoint-500/rng_state_1.pth']!;
    delete renamed['checkpoint-500/rng_state_1.pth'];
    expect((await hashCheckpoint({ dir: make(join(root, 'b4'), renamed), crypto })).root).not.toBe(a.root);
  });

  it('refuses a missing directory, a file, a symbolic link inside, and the old positional call', async () => {
    await expect(hashCheckpoint({ dir: join(root, 'nope'), crypto })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(root, 'plain.bin'), 'x');
    await expect(hashCheckpoint({ dir: join(root, 'plain.bin'), crypto })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('is not a directory') });
    const dir = make(join(root, 'c'), { 'model.safetensors': writeTinySafetensors([]) });
    symlinkSync(join(dir, 'model.safetensors'), join(dir, 'link.safetensors'));
    await expect(hashCheckpoint({ dir, crypto })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('is a symbolic link') });
    // exclude: the link and anything it names are as if absent
    const m = await hashCheckpoint({ dir, crypto, exclude: (p) => p === 'link.safetensors' });
    expect(m.files.map((f) => f.path)).toEqual(['model.safetensors']);
    expect(m.layout).toBe('hf-single');
    await expect((hashCheckpoint as (...a: unknown[]) => Promise<unknown>)(dir, crypto)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('gives the same manifest with the worker pool as on the calling thread, and progress reaches the total', async () => {
    const files = {
      ...sharded(),
      'empty.txt': '',
      'one.txt': 'x',
      'optimizer.pt': randomBytes(20 * MiB + 3),
      'training_args.bin': randomBytes(3 * MiB),
      'scheduler.pt': randomBytes(13 * MiB),
    };
    const dir = make(join(root, 'pool'), files);
    const total = Object.values(files).reduce((n, s) => n + bytesOf(s), 0);
    const calls: Record<string, [number, number][]> = { inline: [], pool: [] };
    const inline = await hashCheckpoint({ dir, crypto, onProgress: (d, t) => calls.inline!.push([d, t]) });
    const pool = await hashCheckpoint({ dir, crypto, hashFiles: pooled, onProgress: (d, t) => calls.pool!.push([d, t]) });
    expect(pool).toEqual(inline);
    for (const f of inline.files) expect(f.sha256).toBe(sha(readFileSync(join(dir, f.path))));
    expect(inline.layout).toBe('hf-sharded');
    expect(inline.worldSize).toBeNull();
    expect(inline.files.find((f) => f.path === 'model-00002-of-00002.safetensors')!.tensors).toEqual({ count: 2, parameters: 264, dtypes: ['F16', 'F32'] });
    for (const c of Object.values(calls)) {
      expect(c.at(-1)).toEqual([total, total]);
      expect(c.every(([d], i) => i === 0 || d >= c[i - 1]![0])).toBe(true);
    }
  });

  it('refuses a file that changes while it is hashed, with either hasher', async () => {
    for (const [name, hasher] of [['inline', undefined], ['pool', pooled]] as const) {
      const dir = make(join(root, `moving-${name}`), { 'config.json': '{}' });
      const big = join(dir, 'optimizer.pt');
      writeFileSync(big, '');
      truncateSync(big, 200 * MiB); // a hole: zeros without disk
      let touched = false;
      const onProgress = (done: number) => {
        if (!touched && done > 0 && done < 200 * MiB) {
          touched = true;
          truncateSync(big, MiB);
        }
      };
      const small: FileHasher | undefined = hasher && ((jobs, o) => hashFiles(jobs, { ...o, workerUrl, workers: 1, bufferBytes: 64 * 1024 }));
      await expect(hashCheckpoint({ dir, crypto, onProgress, ...(small ? { hashFiles: small } : {}) })).rejects.toMatchObject({
        code: 'INPUT_INVALID',
        message: expect.stringContaining(`${big} changed while it was hashed`),
      });
      expect(touched).toBe(true);
    }
  });

  it('refuses an index naming a missing shard, an incomplete shard set, and a lying safetensors header', async () => {
    const files = sharded();
    const dir = make(join(root, 'shards'), files);
    expect((await hashCheckpoint({ dir, crypto })).files).toHaveLength(4);

    unlinkSync(join(dir, 'model-00002-of-00002.safetensors'));
    await expect(hashCheckpoint({ dir, crypto })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/^model\.safetensors\.index\.json names model-00002-of-00002\.safetensors, which is not in the checkpoint/),
      data: { path: 'model.safetensors.index.json', missing: ['model-00002-of-00002.safetensors'] },
    });
    unlinkSync(join(dir, 'model.safetensors.index.json'));
    await expect(hashCheckpoint({ dir, crypto })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining('model-00002-of-00002.safetensors is missing from the shard set model.safetensors'),
    });

    const bad = make(join(root, 'bad-index'), { ...sharded(), 'model.safetensors.index.json': '{"weight_map": {"a": 7}}' });
    await expect(hashCheckpoint({ dir: bad, crypto })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('model.safetensors.index.json: invalid shard index') });

    // A header that promises more bytes than the file holds: the shard was cut short.
    const cut = sharded();
    const s2 = cut['model-00002-of-00002.safetensors'] as Uint8Array;
    cut['model-00002-of-00002.safetensors'] = s2.subarray(0, s2.length - 4);
    const lying = make(join(root, 'lying'), cut);
    let hashed = 0;
    await expect(hashCheckpoint({ dir: lying, crypto, hashFiles: async (jobs) => ((hashed += jobs.length), []) })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringContaining(`${join(lying, 'model-00002-of-00002.safetensors')}: `),
    });
    expect(hashed).toBe(0); // refused before any weight was hashed
  });

  it('checks what an injected hasher returns', async () => {
    const dir = make(join(root, 'injected'), { 'a.txt': 'abc' });
    await expect(hashCheckpoint({ dir, crypto, hashFiles: async () => [] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashCheckpoint({ dir, crypto, hashFiles: async () => [{ size: 3, sha256: 'xyz' }] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashCheckpoint({ dir, crypto, hashFiles: async () => [{ size: 4, sha256: sha('abcd') }] })).rejects.toMatchObject({ message: expect.stringContaining('changed while it was hashed') });
  });
});

describe('checkpointLayout', () => {
  it('names the layout from the paths', () => {
    expect(checkpointLayout(['config.json', 'model.safetensors', 'pytorch_model.bin'])).toBe('hf-single');
    expect(checkpointLayout(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json'])).toBe('hf-sharded');
    expect(checkpointLayout(['checkpoint-500/adapter_model.safetensors', 'checkpoint-500/adapter_config.json'])).toBe('peft-adapter');
    expect(checkpointLayout(['.metadata', '__0_0.distcp', '__1_0.distcp'])).toBe('torch-dcp');
    expect(checkpointLayout(['pytorch_model_fsdp_0/.metadata', 'pytorch_model_fsdp_0/__0_0.distcp', 'optimizer_0/__0_0.distcp'])).toBe('fsdp');
    expect(checkpointLayout(['pytorch_model_fsdp_rank0.bin', 'pytorch_model_fsdp_rank1.bin', 'optimizer_rank0.bin'])).toBe('fsdp');
    expect(checkpointLayout(['model.safetensors', 'checkpoint-500/adapter_model.safetensors'])).toBe('mixed');
    expect(checkpointLayout(['optimizer.pt', 'trainer_state.json'])).toBe('other');
    expect(checkpointLayout([])).toBe('other');
  });
});

describe('compareCheckpoint', () => {
  it('finds one changed byte, one deleted file and one added file', async () => {
    const dir = make(join(root, 'cmp'), FILES);
    const recorded = (await hashCheckpoint({ dir, crypto })).files.map(({ path, size, sha256 }) => ({ path, size, sha256 }));
    const same = compareCheckpoint(recorded, (await hashCheckpoint({ dir, crypto })).files);
    expect(same).toEqual({ ok: true, missing: [], extra: [], changed: [] });

    writeFileSync(join(dir, 'checkpoint-500/optimizer.pt'), 'optimizer statf');
    const one = (await hashCheckpoint({ dir, crypto })).files;
    const r1 = compareCheckpoint(recorded, one);
    const old = recorded.find((f) => f.path === 'checkpoint-500/optimizer.pt')!;
    expect(r1).toEqual({
      ok: false,
      missing: [],
      extra: [],
      changed: [{ path: old.path, expected: { size: old.size, sha256: old.sha256 }, actual: { size: old.size, sha256: sha('optimizer statf') } }],
    });

    unlinkSync(join(dir, 'checkpoint-500/rng_state_1.pth'));
    writeFileSync(join(dir, 'checkpoint-500/scaler.pt'), 'scale');
    const r2 = compareCheckpoint(recorded, (await hashCheckpoint({ dir, crypto })).files);
    expect(r2.ok).toBe(false);
    expect(r2.missing).toEqual(['checkpoint-500/rng_state_1.pth']);
    expect(r2.extra).toEqual(['checkpoint-500/scaler.pt']);
    expect(r2.changed.map((c) => c.path)).toEqual(['checkpoint-500/optimizer.pt']);

    const twice = [...recorded, recorded[0]!];
    expect(() => compareCheckpoint(twice, one as CheckpointFile[])).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});

describe('cognify checkpoint hash', () => {
  it('--json gives {root, layout, worldSize, bytes, files: [{path, size, sha256, role, rank, tensors?}]}; a bad directory is one error line', async () => {
    const dir = make(join(root, 'cli'), FILES);
    const env = { COGNIFY_HOME: join(root, 'no-keys') };
    const j = okJson<{ root: string; layout: string; worldSize: number | null; files: Record<string, unknown>[] }>(await run(['checkpoint', 'hash', dir, '--json'], { cwd: root, env }));
    const m = await hashCheckpoint({ dir, crypto });
    expect(j.root).toBe(m.root);
    expect(j.layout).toBe('peft-adapter');
    expect(j.worldSize).toBe(2);
    expect(j.files).toHaveLength(Object.keys(FILES).length);
    for (const f of j.files) {
      const keys = ['path', 'rank', 'role', 'sha256', 'size', ...(String(f.path).endsWith('.safetensors') ? ['tensors'] : [])];
      expect(Object.keys(f).sort()).toEqual(keys.sort());
    }
    expectError(await run(['checkpoint', 'hash', join(root, 'nope')], { cwd: root, env }), 'NOT_FOUND', 3);
  });
});
