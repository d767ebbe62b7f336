// The README's library example, run as written (through the package's public entry point).
import { describe, expect, it } from 'vitest';
import { initRepo, openRepo, createIdentity, seedSigner, nodeProvider, CognifyError } from '../../src/index.js';
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
      const actions: string[] = [];
      for await (const e of repo.log()) actions.push(e.entry.action);
      const report = await repo.verify();
      await repo.close();

      expect(actions).toEqual(['repo.init', 'identity.add', 'role.grant']);
      expect(grant).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(report).toMatchObject({ ok: true, logEntries: 3, problems: [] });
      const again = await openRepo({ dir: `${t.dir}/record` });
      await expect(again.grantRole({ who: 'grace@example.org', role: 'admin', signer: grace })).rejects.toBeInstanceOf(CognifyError);
      await again.close();
    } finally {
      await t.cleanup();
    }
  });
});
