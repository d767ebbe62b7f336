// Checkpoint manifests over real temp directories: sizes and SHA-256 of every file, roles and
// ranks from the layout, a root digest that names the set (order-independent, byte-sensitive),
// and the CLI contract of `cognify checkpoint hash --json`.
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { checkpointRoot, hashCheckpoint } from '../../src/runs/checkpoint-hash.js';
import { tempDir } from '../_fixtures.js';
import { expectError, okJson, run } from '../cli/_run.js';

let root: string;
let cleanup: () => Promise<void>;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A LoRA run's checkpoint: adapter weights and config, trainer state, optimizer, two ranks' RNG state. */
const FILES: Record<string, string> = {
  'checkpoint-500/adapter_model.safetensors': 'weights '.repeat(1000),
  'checkpoint-500/adapter_config.json': '{"r":16,"lora_alpha":32}',
  'checkpoint-500/trainer_state.json': '{"global_step":500}',
  'checkpoint-500/optimizer.pt': 'optimizer state',
  'checkpoint-500/rng_state_0.pth': 'rng 0',
  'checkpoint-500/rng_state_1.pth': 'rng 1',
};

function make(dir: string, files: Record<string, string>, order = Object.keys(files)): string {
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
  it('lists every file, sorted, with its size, SHA-256, role and rank', async () => {
    const m = await hashCheckpoint(make(join(root, 'a'), FILES), nodeProvider);
    expect(m.files.map((f) => f.path)).toEqual(Object.keys(FILES).sort());
    for (const f of m.files) {
      expect(f.size).toBe(Buffer.byteLength(FILES[f.path]!));
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
    expect(m.bytes).toBe(Object.values(FILES).reduce((n, s) => n + Buffer.byteLength(s), 0));
    expect(m.root).toBe(checkpointRoot(m.files, nodeProvider));
  });

  it('names the set by its root: the same files in any creation order give the same root; one changed byte does not', async () => {
    const a = await hashCheckpoint(make(join(root, 'b1'), FILES), nodeProvider);
    const b = await hashCheckpoint(make(join(root, 'b2'), FILES, Object.keys(FILES).reverse()), nodeProvider);
    expect(b.root).toBe(a.root);
    const changed = { ...FILES, 'checkpoint-500/rng_state_1.pth': 'rng 2' };
    expect((await hashCheckpoint(make(join(root, 'b3'), changed), nodeProvider)).root).not.toBe(a.root);
    const renamed = { ...FILES };
    renamed['checkpoint-500/rng_state_2.pth'] = renamed['checkpoint-500/rng_state_1.pth']!;
    delete renamed['checkpoint-500/rng_state_1.pth'];
    expect((await hashCheckpoint(make(join(root, 'b4'), renamed), nodeProvider)).root).not.toBe(a.root);
  });

  it('refuses a missing directory, a file, and a symbolic link inside', async () => {
    await expect(hashCheckpoint(join(root, 'nope'), nodeProvider)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(root, 'plain.bin'), 'x');
    await expect(hashCheckpoint(join(root, 'plain.bin'), nodeProvider)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('is not a directory') });
    const dir = make(join(root, 'c'), { 'model.safetensors': 'w' });
    symlinkSync(join(dir, 'model.safetensors'), join(dir, 'link.safetensors'));
    await expect(hashCheckpoint(dir, nodeProvider)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('is a symbolic link') });
  });
});

describe('cognify checkpoint hash', () => {
  it('--json gives {root, files: [{path, size, sha256, role, rank}]}; a bad directory is one error line', async () => {
    const dir = make(join(root, 'cli'), FILES);
    const env = { COGNIFY_HOME: join(root, 'no-keys') };
    const j = okJson<{ root: string; files: Record<string, unknown>[] }>(await run(['checkpoint', 'hash', dir, '--json'], { cwd: root, env }));
    expect(j.root).toBe((await hashCheckpoint(dir, nodeProvider)).root);
    expect(j.files).toHaveLength(Object.keys(FILES).length);
    for (const f of j.files) expect(Object.keys(f).sort()).toEqual(['path', 'rank', 'role', 'sha256', 'size']);
    expectError(await run(['checkpoint', 'hash', join(root, 'nope')], { cwd: root, env }), 'NOT_FOUND', 3);
  });
});
