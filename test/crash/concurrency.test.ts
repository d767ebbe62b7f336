// Concurrency (issue 9, point 3): many real CLI processes at once against one repository, and two
// repositories pushing to one folder remote at once. Everything succeeds in some order (the
// repository's lock is waited for), no update of a ref is lost, and the log stays one chain.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listKeys } from '../../src/node/keystore.js';
import { addPeople, envFor, expectOk, initRepo, makeKey, run, Sandbox, show } from '../cli/_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const V1 = resolve('fixtures/datasets/credit-decisions.v1.csv');
const V2 = resolve('fixtures/datasets/credit-decisions.v2.csv');

describe('many writers at once', () => {
  it('commits, approvals, pulls and pushes from eleven processes all land, in one chain, nothing lost', async () => {
    const root = await sb.dir('cognify-concurrency-');
    const home = join(root, 'keystore');
    const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    await makeKey(home, 'Grace Hopper', 'grace@example.org');
    await makeKey(home, 'Alan Turing', 'alan@example.org');
    const keys = await listKeys({ home });
    for (const d of ['a', 'b']) await mkdir(join(root, d));
    const { dir: a } = await initRepo(join(root, 'a'), home, ada, 'first');
    const { dir: b } = await initRepo(join(root, 'b'), home, ada, 'second');
    await addPeople(a, ada, [
      { key: keys.find((k) => k.email === 'grace@example.org')!, roles: ['compliance'] },
      { key: keys.find((k) => k.email === 'alan@example.org')!, roles: ['model-risk'] },
    ]);
    // Waiting for the lock is the expected way to take turns: give it room on a busy machine.
    const env = envFor(home, { COGNIFY_LOCK_TIMEOUT_MS: '120000' });
    const cli = (args: string[], as = 'ada@example.org') => run(['--as', as, ...args], { cwd: root, env });
    const shared = join(root, 'shared');
    expectOk(await cli(['-C', a, 'dataset', 'commit', 'credit', V1, '--key', 'applicant_id']));
    for (const r of [a, b]) expectOk(await cli(['-C', r, 'remote', 'add', 'shared', shared]));
    expectOk(await cli(['-C', a, 'push', 'shared']));
    const sizeOf = async (r: string) => (JSON.parse(expectOk(await cli(['-C', r, 'log', '--json'])).stdout) as unknown[]).length;
    const before = await sizeOf(a);
    const files: string[] = [];
    for (let i = 0; i < 4; i++) {
      const f = join(root, `d${i}.csv`);
      await writeFile(f, `id,value\n${Array.from({ length: 2000 }, (_, k) => `${k},${k * (i + 3)}`).join('\n')}\n`);
      files.push(f);
    }
    const other = join(root, 'credit-third.csv');
    await writeFile(other, `${(await readFile(V2, 'utf8')).trimEnd()}\nAPP-99999,2025-11-30,40,female,White,CF,50000,10000,24,700,approve,A01,Added late,cdm-2.3.1\n`);

    const results = await Promise.all([
      ...files.map((f, i) => cli(['-C', a, 'dataset', 'commit', `d${i}`, f, '--key', 'id'])),
      // Two new versions of one dataset at once: both must be kept, one after the other.
      cli(['-C', a, 'dataset', 'commit', 'credit', V2]),
      cli(['-C', a, 'dataset', 'commit', 'credit', other, '--format', 'csv']),
      cli(['-C', a, 'approve', 'credit@1', '--meaning', 'approved', '--comment', 'ok'], 'grace@example.org'),
      cli(['-C', a, 'approve', 'credit@1', '--meaning', 'reviewed'], 'alan@example.org'),
      cli(['-C', a, 'pull', 'shared']),
      // Two repositories pushing to one folder at once (the second has nothing new since init).
      cli(['-C', b, 'push', 'shared']),
      cli(['-C', b, 'dataset', 'commit', 'credit', V1, '--key', 'applicant_id']),
    ]);
    for (const r of results) expect(r.code, show(r)).toBe(0);

    // One chain, every entry there, and nothing lost on the ref two processes moved.
    expectOk(await cli(['-C', a, 'verify']));
    expect(await sizeOf(a)).toBe(before + 8);
    const log = JSON.parse(expectOk(await cli(['-C', a, 'dataset', 'log', 'credit', '--json'])).stdout) as { number: number }[];
    expect(log.map((v) => v.number).sort()).toEqual([1, 2, 3]);
    const names = (JSON.parse(expectOk(await cli(['-C', a, 'dataset', 'list', '--json'])).stdout) as { name: string }[]).map((d) => d.name).sort();
    expect(names).toEqual(['credit', 'd0', 'd1', 'd2', 'd3']);
    const approvals = JSON.parse(expectOk(await cli(['-C', a, 'approvals', 'credit@1', '--json'])).stdout) as { meaning: string }[];
    expect(approvals.map((x) => x.meaning).sort()).toEqual(['approved', 'reviewed']);

    // Both pushes now, and at once again: each repository's chain on the folder clones and verifies.
    const again = await Promise.all([cli(['-C', a, 'push', 'shared']), cli(['-C', b, 'push', 'shared'])]);
    for (const r of again) expect(r.code, show(r)).toBe(0);
    const ids = await Promise.all([a, b].map(async (r) => (JSON.parse(expectOk(await cli(['-C', r, 'log', 'show', '0', '--json'])).stdout) as { entry: { repo: string } }).entry.repo));
    for (const [i, id] of ids.entries()) {
      const clone = join(root, `clone-${i}`);
      expectOk(await cli(['clone', shared, clone, '--repo', id]));
      expectOk(await cli(['-C', clone, 'verify']));
      expect(await sizeOf(clone)).toBe(await sizeOf([a, b][i]!));
    }
  }, 300_000);
});
