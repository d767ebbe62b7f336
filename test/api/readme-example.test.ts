// The README's library example, run as written (through the package's public entry point).
import { describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { initRepo, openRepo, createIdentity, seedSigner, nodeProvider, CognifyError, diffFiles, type RowChange } from '../../src/index.js';
import { tempDir } from '../_fixtures.js';

describe('README library example', () => {
  it('runs', async () => {
    const t = await tempDir();
    try {
      const seed = nodeProvider.randomBytes(32);
      const signer = seedSigner(nodeProvider, seed);
      const identity = createIdentity(nodeProvider, signer, { name: 'Ada', email: 'ada@example.org', created: new Date().toISOString() });
      const grace = seedSigner(nodeProvider, nodeProvider.randomBytes(32));
      const graceIdentity = createIdentity(nodeProvider, grace, { name: 'Grace', email: 'grace@example.org', created: new Date().toISOString() });

      const repo = await initRepo({ dir: `${t.dir}/record`, signer, identity, name: 'credit-scoring-llm' });
      await repo.addIdentity({ identity: graceIdentity, signer });
      const { grant } = await repo.grantRole({ who: 'grace@example.org', role: 'compliance', signer });
      // ml-engineer may commit datasets; the creator (admin) may too.
      const v1 = await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v1.csv'), key: 'applicant_id', signer });
      const fileStream = createReadStream(resolve('fixtures/datasets/credit-decisions.v2.csv'));
      await repo.datasets.commit({ name: 'credit', input: fileStream, message: 'November', signer });
      const modified: RowChange[] = [];
      for await (const change of repo.diff('credit@1', 'credit@2')) if (change.op === 'modified') modified.push(change);
      const stat = await repo.diffStat('credit@1', resolve('fixtures/datasets/credit-decisions.v2.csv'));
      const files = await (async () => {
        let n = 0;
        for await (const _ of diffFiles(resolve('fixtures/datasets/credit-decisions.v1.csv'), resolve('fixtures/datasets/credit-decisions.v2.csv'), nodeProvider, { key: 'applicant_id' })) n++;
        return n;
      })();
      const actions: string[] = [];
      for await (const e of repo.log()) actions.push(e.entry.action);
      const report = await repo.verify();
      await repo.close();

      expect(actions).toEqual(['repo.init', 'identity.add', 'role.grant', 'dataset.commit', 'dataset.commit']);
      expect(grant).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(v1).toMatchObject({ number: 1, rows: 300, created: true });
      expect(modified).toHaveLength(12); // the key recorded at v1 is used (fixtures/datasets/credit-decisions.v2.changes.json)
      expect(modified[0]).toMatchObject({ key: 'APP-100113', changes: expect.arrayContaining([{ path: '/decision', before: 'decline', after: 'refer' }]) });
      expect(stat).toMatchObject({ added: 9, removed: 7, modified: 12, moved: 0, unchanged: 281 });
      expect(files).toBe(1 + 9 + 7 + 12); // one schema change and the row changes
      expect(report).toMatchObject({ ok: true, logEntries: 5, problems: [] });
      const again = await openRepo({ dir: `${t.dir}/record` });
      await expect(again.grantRole({ who: 'grace@example.org', role: 'admin', signer: grace })).rejects.toBeInstanceOf(CognifyError);
      await again.close();
    } finally {
      await t.cleanup();
    }
  });

  it('documents, as the README shows them', async () => {
    const { buildRecord, alan } = await import('../cards/_record.js');
    const { readAnswers } = await import('../../src/index.js');
    const t = await tempDir();
    const repo = await buildRecord(`${t.dir}/record`, `${t.dir}/code`);
    try {
      const signer = alan.signer;
      const answers = await readAnswers('fixtures/cards/credit-lora.answers.yaml');
      const doc = await repo.cards.build('model-card', 'credit-lora', answers);
      const html = repo.cards.render(doc, 'html');
      const { document } = await repo.cards.commit({ kind: 'model-card', subject: 'credit-lora', answers, signer });
      expect(doc).toMatchObject({ kind: 'model-card', missing: [], subject: expect.stringMatching(/^sha256:/) });
      expect(html).toMatch(/^<!doctype html>/i);
      expect(await repo.cards.check(document)).toMatchObject({ identical: true });
    } finally {
      await repo.close();
      await t.cleanup();
    }
  }, 60_000);
});
