// Another repository's record inside this one: a review site with its own repository takes in the
// training site's record by bundle and by pull. The other log is verified on its own and only
// ever brought forward (a rewritten one is refused with nothing changed); its objects join the
// store, its refs appear under remotes/<name>/, and each import is an entry of this log, signed.
// --keep-both keeps a diverged copy of one's own record the same way.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { openRepo } from '../../src/api/open-repo.js';
import { createBundle, importBundle } from '../../src/api/bundles.js';
import { addRemote, clone, pull, push } from '../../src/api/remotes.js';
import { originDir } from '../../src/api/origins.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const grace = person('Grace');
let t: { dir: string; cleanup: () => Promise<void> };
let training: Repo;
let review: Repo;

async function exportBytes(r: Repo, ref: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of r.datasets.export(ref)) parts.push(p);
  return Buffer.concat(parts);
}

async function lastEntry(r: Repo) {
  let last;
  for await (const e of r.log()) last = e;
  return last!.entry;
}

beforeAll(async () => {
  t = await tempDir('cognify-origins-');
  training = await newRepo(join(t.dir, 'training'), ada);
  await training.datasets.commit({ name: 'credit', input: 'fixtures/datasets/credit-decisions.v1.csv', signer: ada.signer });
  review = await newRepo(join(t.dir, 'review'), grace);
  await review.datasets.commit({ name: 'holdout', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: grace.signer });
});
afterAll(async () => {
  await training?.close();
  await review?.close();
  await t?.cleanup();
});

describe("another repository's record", () => {
  it('comes in by bundle: verified apart, objects and refs here, the import logged and signed; again changes nothing', async () => {
    const file = join(t.dir, 'training.bundle');
    await createBundle(training, { file, signer: ada.signer });
    await review.close();
    await expect(importBundle(file, join(t.dir, 'review'))).rejects.toMatchObject({ code: 'REPO_EXISTS', message: expect.stringMatching(/logged here and signed: give a signer/) });
    const r = await importBundle(file, join(t.dir, 'review'), { signer: async () => grace.signer, name: 'training' });
    expect(r).toMatchObject({ name: 'training', repo: training.id, created: false });
    expect(r.imported).toBeGreaterThan(10);
    expect(r.refs).toEqual([{ name: 'remotes/training/datasets/credit', from: null, to: await training.store.getRef('datasets/credit') }]);
    review = await openRepo({ dir: join(t.dir, 'review') });
    expect(await review.verify()).toMatchObject({ ok: true });
    const e = await lastEntry(review);
    expect(e).toMatchObject({ action: 'sync.import', details: { origin: training.id, size: await training.logSize(), name: 'training' } });
    const rec = (await review.store.get(e.subjects[0]!)).value as unknown as Record<string, unknown>;
    expect(rec).toMatchObject({ type: 'import', origin: training.id, source: 'training.bundle', size: await training.logSize(), refs: { 'datasets/credit': await training.store.getRef('datasets/credit') } });
    // The other record's data, byte for byte, from this repository's store; its log whole in the replica.
    const v = (await review.store.getRef('remotes/training/datasets/credit'))!;
    expect((await exportBytes(review, v)).equals(await exportBytes(training, 'credit'))).toBe(true);
    const replica = await openRepo({ dir: originDir(review.dir, 'training') });
    expect([replica.id, await replica.logSize(), (await replica.verify()).ok]).toEqual([training.id, await training.logSize(), true]);
    await replica.close();
    // This repository's own refs and datasets are untouched.
    expect((await review.datasets.list()).map((d) => d.version.name)).toEqual(['holdout']);
    const before = await snapshot(review);
    await review.close();
    expect(await importBundle(file, join(t.dir, 'review'), { signer: async () => grace.signer, name: 'training' })).toMatchObject({ imported: 0, refs: [] });
    review = await openRepo({ dir: join(t.dir, 'review') });
    expect(await snapshot(review)).toBe(before);
  });

  it('moves on by incremental bundle; a rewritten log under the same name is refused with nothing changed', async () => {
    const since = await training.logSize();
    cpSync(join(t.dir, 'training'), join(t.dir, 'rewritten'), { recursive: true });
    await training.datasets.commit({ name: 'credit', input: 'fixtures/datasets/credit-decisions.v2.csv', signer: ada.signer });
    const inc = join(t.dir, 'training-inc.bundle');
    await createBundle(training, { file: inc, signer: ada.signer, since });
    await review.close();
    const r = await importBundle(inc, join(t.dir, 'review'), { signer: async () => grace.signer, name: 'training' });
    expect(r.refs).toEqual([{ name: 'remotes/training/datasets/credit', from: expect.stringMatching(/^sha256:/), to: await training.store.getRef('datasets/credit') }]);

    // The same repository with another history: its log no longer extends the one kept here.
    const other = await openRepo({ dir: join(t.dir, 'rewritten') });
    await other.datasets.commit({ name: 'other', input: 'fixtures/datasets/support-chat.v2.jsonl', message: 'a different entry', signer: ada.signer });
    const forged = join(t.dir, 'rewritten.bundle');
    await createBundle(other, { file: forged, signer: ada.signer });
    await other.close();
    review = await openRepo({ dir: join(t.dir, 'review') });
    const before = await snapshot(review);
    const replicaBefore = await openRepo({ dir: originDir(review.dir, 'training') }).then(async (x) => [await snapshot(x), await x.close()][0]);
    await review.close();
    await expect(importBundle(forged, join(t.dir, 'review'), { signer: async () => grace.signer, name: 'training' })).rejects.toMatchObject({
      code: 'SYNC_DIVERGED',
      message: expect.stringMatching(/log is not the one imported here as training before \(rewritten or forked\)/),
    });
    review = await openRepo({ dir: join(t.dir, 'review') });
    expect(await snapshot(review)).toBe(before);
    expect(await openRepo({ dir: originDir(review.dir, 'training') }).then(async (x) => [await snapshot(x), await x.close()][0])).toBe(replicaBefore);
  });

  it("travels on in this repository's own bundles: a third site verifies the import and holds the other record's objects", async () => {
    const file = join(t.dir, 'review.bundle');
    await createBundle(review, { file, signer: grace.signer });
    const third = join(t.dir, 'third');
    await importBundle(file, third);
    const r = await openRepo({ dir: third });
    try {
      expect(await r.verify()).toMatchObject({ ok: true });
      expect(await r.store.getRef('remotes/training/datasets/credit')).toBe(await training.store.getRef('datasets/credit'));
      expect((await exportBytes(r, (await r.store.getRef('remotes/training/datasets/credit'))!)).equals(await exportBytes(training, 'credit@2'))).toBe(true);
    } finally {
      await r.close();
    }
  });

  it('comes in by pull from a remote holding it, and --keep-both keeps a diverged copy of ours beside it', async () => {
    const disk = join(t.dir, 'disk');
    await addRemote(training, 'shared', disk);
    await push(training, 'shared', { signer: ada.signer });
    await addRemote(review, 'training-site', disk);
    await expect(pull(review, 'training-site')).rejects.toThrow(/logged here and signed: give a signer/);
    const p = await pull(review, 'training-site', { signer: async () => grace.signer });
    expect(p.refs).toEqual([{ name: 'remotes/training-site/datasets/credit', from: null, to: await training.store.getRef('datasets/credit') }]);
    expect(await review.verify()).toMatchObject({ ok: true });
    expect(await pull(review, 'training-site', { signer: async () => grace.signer })).toMatchObject({ imported: 0, refs: [] });

    // Two copies of the training record that each moved on.
    await clone(disk, join(t.dir, 'copy'));
    const copy = await openRepo({ dir: join(t.dir, 'copy') });
    try {
      await copy.datasets.commit({ name: 'mine', input: 'fixtures/datasets/support-chat.v2.jsonl', signer: ada.signer });
      await training.datasets.commit({ name: 'theirs', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer });
      await push(training, 'shared', { signer: ada.signer });
      await expect(pull(copy, 'origin')).rejects.toMatchObject({ code: 'SYNC_DIVERGED' });
      const size = await copy.logSize();
      const k = await pull(copy, 'origin', { keepBoth: true, signer: async () => ada.signer });
      expect(k.refs.map((r) => r.name)).toEqual(['remotes/origin/datasets/credit', 'remotes/origin/datasets/theirs']);
      expect(await copy.store.getRef('datasets/mine')).toBeDefined();
      expect(await copy.store.getRef('datasets/theirs')).toBeUndefined();
      expect(await copy.logSize()).toBe(size + 1);
      expect(await lastEntry(copy)).toMatchObject({ action: 'sync.import', details: { origin: copy.id, name: 'origin' } });
      expect(await copy.verify()).toMatchObject({ ok: true });
    } finally {
      await copy.close();
    }
  });
});
