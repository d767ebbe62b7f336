// Checkpoint file classification (src/runs/checkpoint-layout.ts): a table of the names that
// transformers, huggingface_hub, PEFT, torch.distributed.checkpoint and Accelerate write, plus
// near-misses; shard-set checks; and the sharded-index cross-check.

import { describe, expect, it } from 'vitest';
import {
  checkShardSet,
  classifyCheckpointFile,
  crossCheckIndex,
  worldSizeOf,
  type Role,
} from '../../src/runs/checkpoint-layout.js';
import { InputError } from '../../src/core/errors.js';

type Row = [path: string, role: Role, rank?: number | null, shard?: [number, number] | null];

const TABLE: Row[] = [
  // Hugging Face weights
  ['model.safetensors', 'model-shard'],
  ['pytorch_model.bin', 'model-shard'],
  ['checkpoint-500/model.safetensors', 'model-shard'],
  ['model-00001-of-00003.safetensors', 'model-shard', null, [1, 3]],
  ['out/checkpoint-500/model-00003-of-00003.safetensors', 'model-shard', null, [3, 3]],
  ['pytorch_model-00002-of-00002.bin', 'model-shard', null, [2, 2]],
  ['model.safetensors.index.json', 'index'],
  ['pytorch_model.bin.index.json', 'index'],
  ['config.json', 'config'],
  ['generation_config.json', 'config'],
  // tokenizer
  ['tokenizer.json', 'tokenizer'],
  ['tokenizer_config.json', 'tokenizer'],
  ['special_tokens_map.json', 'tokenizer'],
  ['tokenizer.model', 'tokenizer'],
  ['vocab.json', 'tokenizer'],
  ['merges.txt', 'tokenizer'],
  ['added_tokens.json', 'tokenizer'],
  ['vocab.txt', 'tokenizer'],
  ['checkpoint-10/spiece.model', 'tokenizer'],
  // Trainer state
  ['trainer_state.json', 'trainer-state'],
  ['training_args.bin', 'training-args'],
  ['optimizer.pt', 'optimizer'],
  ['optimizer.bin', 'optimizer'],
  ['scheduler.pt', 'scheduler'],
  ['scheduler.bin', 'scheduler'],
  ['rng_state.pth', 'rng-state'],
  ['rng_state_0.pth', 'rng-state', 0],
  ['checkpoint-500/rng_state_7.pth', 'rng-state', 7],
  ['random_states_3.pkl', 'rng-state', 3],
  ['scaler.pt', 'other'],
  // PEFT
  ['adapter_model.safetensors', 'adapter'],
  ['adapter_model.bin', 'adapter'],
  ['checkpoint-500/adapter_config.json', 'config'],
  // torch.distributed.checkpoint
  ['.metadata', 'index'],
  ['__0_0.distcp', 'model-shard', 0],
  ['dcp/__12_3.distcp', 'model-shard', 12],
  // Accelerate FSDP
  ['pytorch_model_fsdp_0/__1_0.distcp', 'model-shard', 1],
  ['pytorch_model_fsdp_0/.metadata', 'index'],
  ['checkpoint-500/pytorch_model_fsdp_1/__0_0.distcp', 'model-shard', 0],
  ['optimizer_0/__3_0.distcp', 'optimizer', 3],
  ['optimizer_0/.metadata', 'index'],
  ['optimizer_0/extra.bin', 'optimizer'],
  ['pytorch_model_fsdp_0/extra.bin', 'model-shard'],
  ['pytorch_model_fsdp_rank2.bin', 'model-shard', 2],
  ['pytorch_model_fsdp_1_rank4.bin', 'model-shard', 4],
  ['pytorch_model_fsdp.bin', 'model-shard'],
  ['pytorch_model_fsdp_1.bin', 'model-shard'],
  ['optimizer_rank5.bin', 'optimizer', 5],
  ['optimizer_1.bin', 'optimizer'],
  // near-misses
  ['model-1-of-3.safetensors', 'other'],
  ['model-000001-of-000003.safetensors', 'other'],
  ['model-00001-of-00003.bin', 'other'],
  ['pytorch_model-00001-of-00002.safetensors', 'other'],
  ['model-00001-of-00003.safetensors.tmp', 'other'],
  ['rng_state_x.pth', 'other'],
  ['rng_state_01.pth', 'other'],
  ['rng_state_99999999999999999999.pth', 'other'],
  ['rng_state_.pth', 'other'],
  ['__0.distcp', 'other'],
  ['_0_0.distcp', 'other'],
  ['__a_0.distcp', 'other'],
  ['optimizer_rank.bin', 'other'],
  ['pytorch_model_fsdp_x/__0_0.distcp', 'model-shard', 0],
  ['pytorch_model_fsdp_x/extra.bin', 'other'],
  ['Config.json', 'other'],
  ['config.json/README.md', 'other'],
  ['model.safetensors.bak', 'other'],
  ['README.md', 'other'],
];

describe('classifyCheckpointFile', () => {
  it.each(TABLE)('%s → %s', (path, role, rank = null, shard = null) => {
    expect(classifyCheckpointFile(path)).toEqual({
      role,
      rank,
      worldSize: null,
      shard: shard === null ? null : { index: shard[0], of: shard[1] },
    });
  });

  it.each(['', '/abs/model.safetensors', 'a//b.bin', './model.safetensors', '../model.safetensors', 'dir/'])(
    'refuses the path %j with INPUT_INVALID',
    (path) => {
      let err: unknown;
      try {
        classifyCheckpointFile(path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('INPUT_INVALID');
    },
  );
});

describe('checkShardSet', () => {
  const files = (...paths: string[]) => paths.map((relPath) => ({ relPath }));

  it('accepts a complete set and ignores unsharded files', () => {
    const r = checkShardSet(
      files('c/model-00001-of-00002.safetensors', 'c/model-00002-of-00002.safetensors', 'c/config.json', 'model.safetensors'),
    );
    expect(r).toEqual({
      ok: true,
      sets: [{ name: 'c/model.safetensors', counts: [2], missing: [], outOfRange: [] }],
    });
  });

  it('reports a missing shard', () => {
    const r = checkShardSet(files('model-00001-of-00003.safetensors', 'model-00003-of-00003.safetensors'));
    expect(r.ok).toBe(false);
    expect(r.sets).toEqual([
      { name: 'model.safetensors', counts: [3], missing: ['model-00002-of-00003.safetensors'], outOfRange: [] },
    ]);
  });

  it('reports inconsistent "of" counts and what each count lacks', () => {
    const r = checkShardSet(
      files('pytorch_model-00001-of-00002.bin', 'pytorch_model-00002-of-00002.bin', 'pytorch_model-00003-of-00003.bin'),
    );
    expect(r.ok).toBe(false);
    expect(r.sets[0]!.counts).toEqual([2, 3]);
    expect(r.sets[0]!.missing).toEqual(['pytorch_model-00001-of-00003.bin', 'pytorch_model-00002-of-00003.bin']);
  });

  it('reports out-of-range indices', () => {
    const r = checkShardSet(files('model-00000-of-00001.safetensors', 'model-00002-of-00001.safetensors'));
    expect(r.ok).toBe(false);
    expect(r.sets[0]!.outOfRange).toEqual(['model-00000-of-00001.safetensors', 'model-00002-of-00001.safetensors']);
    expect(r.sets[0]!.missing).toEqual([]);
  });

  it('keeps sets in different directories and formats apart', () => {
    const r = checkShardSet(
      files(
        'a/model-00001-of-00001.safetensors',
        'b/model-00001-of-00002.safetensors',
        'a/pytorch_model-00001-of-00001.bin',
      ),
    );
    expect(r.sets.map((s) => [s.name, s.missing])).toEqual([
      ['a/model.safetensors', []],
      ['a/pytorch_model.bin', []],
      ['b/model.safetensors', ['b/model-00002-of-00002.safetensors']],
    ]);
    expect(r.ok).toBe(false);
  });

  it('is ok with no shard sets', () => {
    expect(checkShardSet([])).toEqual({ ok: true, sets: [] });
  });
});

describe('worldSizeOf', () => {
  const files = (...paths: string[]) => paths.map((relPath) => ({ relPath }));

  it('counts distinct ranks across naming schemes', () => {
    expect(
      worldSizeOf(
        files(
          'pytorch_model_fsdp_0/__0_0.distcp',
          'pytorch_model_fsdp_0/__1_0.distcp',
          'pytorch_model_fsdp_0/__1_1.distcp',
          'optimizer_0/__0_0.distcp',
          'rng_state_0.pth',
          'rng_state_1.pth',
          'rng_state_3.pth',
        ),
      ),
    ).toBe(3);
  });

  it('is null when no file names a rank', () => {
    expect(worldSizeOf(files('model.safetensors', 'rng_state.pth', 'model-00001-of-00002.safetensors'))).toBeNull();
    expect(worldSizeOf([])).toBeNull();
  });
});

describe('crossCheckIndex', () => {
  const index = {
    metadata: { total_size: 123 },
    weight_map: {
      'model.embed_tokens.weight': 'model-00001-of-00002.safetensors',
      'model.layers.0.mlp.up_proj.weight': 'model-00001-of-00002.safetensors',
      'lm_head.weight': 'model-00002-of-00002.safetensors',
    },
  };

  it('finds nothing wrong with a matching directory', () => {
    expect(
      crossCheckIndex(index, [
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
        'config.json',
        'model.safetensors.index.json',
      ]),
    ).toEqual({ missing: [], unreferenced: [] });
  });

  it('reports a named shard that is absent as missing', () => {
    expect(crossCheckIndex(index, ['model-00001-of-00002.safetensors'])).toEqual({
      missing: ['model-00002-of-00002.safetensors'],
      unreferenced: [],
    });
  });

  it('reports weight files of the same format that the index does not name', () => {
    const r = crossCheckIndex(index, [
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model-00003-of-00003.safetensors',
      'model.safetensors',
      'pytorch_model-00001-of-00001.bin',
      'adapter_model.safetensors',
    ]);
    expect(r).toEqual({ missing: [], unreferenced: ['model-00003-of-00003.safetensors', 'model.safetensors'] });
  });

  it.each([
    ['not an object', 'x'],
    ['null', null],
    ['no weight_map', { metadata: {} }],
    ['non-string shard', { weight_map: { a: 1 } }],
    ['empty shard name', { weight_map: { a: '' } }],
  ])('refuses an index with %s', (_label, bad) => {
    expect(() => crossCheckIndex(bad, [])).toThrow(InputError);
  });
});
