// repo.runs through the library, in a real LevelDB: the README example, stored checkpoint bytes,
// the rules a run version must satisfy, and the chain of versions.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo, nodeProvider, CognifyError } from '../../src/index.js';
import type { Repo } from '../../src/api/repo.js';
import { storedFileBytes, resolveCheckpoint } from '../../src/api/checkpoints.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const LORA = resolve('fixtures/runs/credit-lora');
const ada = person('Ada');
const eve = person('Eve');
let t: { dir: string; cleanup: () => Promise<void> };
let repo: Repo;

beforeAll(async () => {
  t = await tempDir();
  repo = await newRepo(join(t.dir, 'record'), ada);
  await repo.addIdentity({ identity: eve.identity, signer: ada.signer }); // known, no role
  await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v2.csv'), key: 'applicant_id', signer: ada.signer });
});
afterAll(async () => {
  await repo.close();
  await t.cleanup();
});

describe('repo.runs', () => {
  it('runs the README example', async () => {
    const signer = ada.signer;
    const run = await repo.runs.recordTrainer({ dir: LORA, name: 'credit-lora', datasets: [{ role: 'train', ref: 'credit@1' }], signer });
    const ev = await repo.runs.importLmEval({ file: resolve('fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json'), run: 'credit-lora', signer });
    const { version } = await repo.runs.resolve('credit-lora');
    expect(run).toMatchObject({ name: 'credit-lora', number: 1, checkpoints: 2, outputs: 1, warnings: [] });
    expect(ev.gaps).toContain('privacy');
    expect(version.number).toBe(2);
    expect(version.evals).toEqual([ev.eval]);
    // Without --base-model the adapter's own base_model_name_or_path and revision are recorded.
    expect(version.baseModel).toMatchObject({ name: 'HuggingFaceTB/SmolLM2-135M', revision: '73b05320f8108bd153078a14331da460be9b0a6d', root: null });
    const versions = [];
    for await (const v of repo.runs.versions('credit-lora')) versions.push(v.version.number);
    expect(versions).toEqual([2, 1]);
    expect((await repo.runs.resolve('credit-lora@1')).version.evals).toEqual([]);
    expect((await repo.verify()).ok).toBe(true);
  });

  it('says when one dataset version is both train and eval, and when --base-model is not the adapter\'s', async () => {
    const r = await repo.runs.recordTrainer({
      dir: LORA,
      name: 'leaky',
      baseModel: { name: 'meta-llama/Llama-3.2-1B' },
      datasets: [{ role: 'train', ref: 'credit@1' }, { role: 'eval', ref: 'credit' }],
      signer: ada.signer,
    });
    expect(r.warnings).toEqual([
      'the adapter names its base model HuggingFaceTB/SmolLM2-135M; the run records meta-llama/Llama-3.2-1B as given (the adapter\'s is kept in the tag hf.base_model_name_or_path)',
      'credit@1 is used as train and eval: the evaluation is not on held-out data',
    ]);
    const { version } = await repo.runs.resolve('leaky');
    expect(version.baseModel!.name).toBe('meta-llama/Llama-3.2-1B');
    expect(version.tags['hf.base_model_name_or_path']).toBe('HuggingFaceTB/SmolLM2-135M@73b05320f8108bd153078a14331da460be9b0a6d');
  });

  it('with store, the checkpoint bytes come back exactly, checked against the manifest', async () => {
    await repo.runs.recordTrainer({ dir: LORA, name: 'stored', store: true, signer: ada.signer });
    const { manifest } = await resolveCheckpoint(repo, 'stored/checkpoint-80');
    for (const f of manifest.files) {
      const parts: Uint8Array[] = [];
      for await (const b of storedFileBytes(repo, manifest, f.path)) parts.push(b);
      expect(Buffer.concat(parts).equals(readFileSync(join(LORA, 'checkpoint-80', f.path))), f.path).toBe(true);
    }
    // Hashed only: the bytes are not there to give back.
    const hashed = (await resolveCheckpoint(repo, 'credit-lora/checkpoint-80')).manifest;
    await expect(async () => {
      for await (const _ of storedFileBytes(repo, hashed, 'adapter_model.safetensors')) void _;
    }).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await repo.verify()).ok).toBe(true);
  });

  it('refuses a signer without an engineering role, and a run that is not running, writing nothing', async () => {
    const before = await snapshot(repo);
    await expect(repo.runs.start({ name: 'eve-run', signer: eve.signer })).rejects.toMatchObject({ code: 'ROLE_MISSING' });
    await expect(repo.runs.event('credit-lora', { type: 'params', values: { a: 1 } }, { signer: ada.signer })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(repo.runs.finish('credit-lora', { signer: ada.signer })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(repo.runs.start({ name: 'bad name!', signer: ada.signer })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(repo.runs.start({ name: 'x', datasets: [{ role: 'Train', ref: 'credit' }], signer: ada.signer })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(await snapshot(repo)).toBe(before);
  });

  it('two writers racing on one run: one wins, the other gets REF_CONFLICT, and the chain stays whole', async () => {
    await repo.runs.start({ name: 'race', signer: ada.signer });
    const results = await Promise.allSettled([
      repo.runs.event('race', { type: 'metrics', step: 1, values: { loss: 1 } }, { signer: ada.signer }),
      repo.runs.event('race', { type: 'metrics', step: 2, values: { loss: 0.9 } }, { signer: ada.signer }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(CognifyError);
    expect(failed.reason.code).toBe('REF_CONFLICT');
    const numbers = [];
    for await (const v of repo.runs.versions('race')) numbers.push(v.version.number);
    expect(numbers).toEqual([2, 1]);
    expect((await repo.verify()).ok).toBe(true);
  });

  it('keeps a NaN loss as evidence and big FLOPs exactly enough, through a reopen', async () => {
    await repo.runs.start({ name: 'nan', baseModel: { name: 'm', trainingFlops: 3.8e25 }, signer: ada.signer });
    await repo.runs.event('nan', { type: 'metrics', step: 5, values: { loss: Number.NaN, grad_norm: Number.POSITIVE_INFINITY } }, { signer: ada.signer });
    await repo.runs.finish('nan', { status: 'failed', compute: { flops: 2e24 }, signer: ada.signer });
    const dir = repo.dir;
    await repo.close();
    repo = await openRepo({ dir, crypto: nodeProvider });
    const { version } = await repo.runs.resolve('nan');
    const points = [];
    for await (const p of repo.runs.metrics(version)) points.push(p);
    expect(points[0]!.values).toEqual({ loss: 'NaN', grad_norm: 'Infinity' });
    expect(Number(version.compute!.flops)).toBe(2e24);
    expect(Number(version.compute!.baseModelFlops)).toBe(3.8e25);
    expect(version.compute!.ratioToBase).toBeCloseTo(2e24 / 3.8e25, 12);
    expect(version.status).toBe('failed');
    expect((await repo.verify()).ok).toBe(true);
  });
});
