// The README's "Moving the record" example, run as written through the package's public entry
// point: a bundle to an air-gapped directory, and a folder remote pushed, cloned and pulled.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { addRemote, clone, createBundle, createIdentity, importBundle, initRepo, nodeProvider, openRepo, pull, push, seedSigner } from '../../src/index.js';
import { tempDir } from '../_fixtures.js';

describe('README sync example', () => {
  it('runs', async () => {
    const t = await tempDir();
    try {
      const signer = seedSigner(nodeProvider, nodeProvider.randomBytes(32));
      const identity = createIdentity(nodeProvider, signer, { name: 'Ada', email: 'ada@example.org', created: new Date().toISOString() });
      const repo = await initRepo({ dir: join(t.dir, 'record'), signer, identity, name: 'credit-scoring-llm' });
      await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v1.csv'), signer });

      const made = await createBundle(repo, { file: join(t.dir, 'record.bundle'), signer });
      const imported = await importBundle(join(t.dir, 'record.bundle'), join(t.dir, 'airgap', 'record'));
      await addRemote(repo, 'shared', join(t.dir, 'mnt', 'shared', 'record'));
      const pushed = await push(repo, 'shared', { signer, auth: { token: process.env.COGNIFY_GIT_TOKEN } });
      const cloned = await clone(join(t.dir, 'mnt', 'shared', 'record'), join(t.dir, 'review'));
      await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v2.csv'), signer });
      await push(repo, 'shared', { signer });
      const review = await openRepo({ dir: join(t.dir, 'review') });
      const pulled = await pull(review, 'origin');
      const ok = (await review.verify()).ok;
      await review.close();
      await repo.close();

      expect(made).toMatchObject({ objects: expect.any(Number), bytes: expect.any(Number), refs: ['datasets/credit'], size: 2, since: 0 });
      expect(imported).toMatchObject({ created: true, imported: made.objects });
      expect(pushed).toMatchObject({ imported: made.objects, size: 2 });
      expect(cloned).toMatchObject({ remote: 'origin', size: 2 });
      expect(pulled).toMatchObject({ size: 3, refs: [{ name: 'datasets/credit', from: expect.any(String), to: expect.any(String) }] });
      expect(ok).toBe(true);
    } finally {
      await t.cleanup();
    }
  });
});
