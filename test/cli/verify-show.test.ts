// cognify verify | show <id|prefix> | cat <id|prefix>
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/core/cbor.js';
import type { KeyInfo } from '../../src/node/keystore.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, snapshot, withRepo } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const HEAD = /(\d+) objects?, (\d+) signatures?, (\d+) log entr(?:y|ies), (\d+) checkpoints?/;

describe('cognify verify / show / cat on an intact repository', () => {
  let home: string;
  let dir: string;
  let repoId: string;
  let ada: KeyInfo;
  let bob: KeyInfo;
  let objects: string[]; // every object named by the log
  const cli = (args: string[]) => run(args, { cwd: dir, env: envFor(home) });

  beforeAll(async () => {
    const root = await sb.dir('cognify-vs-');
    home = await sb.dir('cognify-vs-home-');
    ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
    ({ dir, id: repoId } = await initRepo(root, home, ada, 'show me'));
    await addPeople(dir, ada, [{ key: bob, roles: ['ml-engineer'] }]);
    objects = await withRepo(dir, async (repo) => {
      const ids: string[] = [];
      for await (const e of repo.log()) ids.push(...e.entry.subjects);
      return ids;
    });
    expect(objects).toHaveLength(5); // repo, identity, grant; identity; grant
  });

  it('verify prints ok and the counts, exit 0', async () => {
    const r = expectOk(await cli(['verify']));
    const m = new RegExp(`^verify: ok — ${HEAD.source}\\n$`).exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBe(5);
    expect(Number(m![3])).toBe(3);
  });

  it('verify --json: {ok, objects, signatures, logEntries, problems}', async () => {
    const j = okJson(await cli(['verify', '--json']));
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['ok', 'objects', 'signatures', 'logEntries', 'problems']));
    expect(j).toMatchObject({ ok: true, objects: 5, logEntries: 3, problems: [] });
    // each entry's signature plus each signed subject's: 1+3, 1+1, 1+1
    expect(j.signatures).toBeGreaterThanOrEqual(8);
  });

  it('show <full id> prints the object readably; --json gives {id, size, object}', async () => {
    const h = expectOk(await cli(['show', repoId]));
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^repo ${repoId} \\(\\d+ bytes\\)$`));
    expect(lines).toContain('  name: "show me"');
    expect(lines).toContain('  type: "repo"');
    expect(lines).toContain(`  signer: "${ada.fingerprint}"`);
    expect(lines.some((l) => /^ {2}nonce: <16 bytes> [0-9a-f]{32}$/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}sig: <64 bytes> [0-9a-f]{128}$/.test(l))).toBe(true);

    const j = okJson(await cli(['show', repoId, '--json']));
    expect(Object.keys(j).sort()).toEqual(['id', 'object', 'size']);
    expect(j.id).toBe(repoId);
    expect(j.object).toMatchObject({ type: 'repo', v: 1, name: 'show me', signer: ada.fingerprint });
    expect(j.object.nonce).toMatch(/^[0-9a-f]{32}$/); // bytes as hex in JSON
  });

  it('show resolves a unique 7-hex-digit prefix, with or without sha256:, in any case', async () => {
    const identity = objects[3]!; // Bob's identity
    const hex = identity.slice('sha256:'.length);
    for (const p of [hex.slice(0, 7), `sha256:${hex.slice(0, 9)}`, hex.slice(0, 12).toUpperCase()]) {
      const j = okJson(await cli(['show', p, '--json']));
      expect(j.id, p).toBe(identity);
      expect(j.object).toMatchObject({ type: 'identity', email: 'bob@example.org' });
    }
  });

  it('cat writes the canonical bytes: their SHA-256 is the id, and they decode to what show shows', async () => {
    for (const id of objects) {
      const r = await cli(['cat', id.slice(7, 7 + 10)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(`sha256:${createHash('sha256').update(r.raw).digest('hex')}`).toBe(id);
      expect((decode(new Uint8Array(r.raw)) as { type: string }).type).toMatch(/^(repo|identity|role-grant)$/);
    }
    const s = okJson(await cli(['show', objects[2]!, '--json']));
    const c = await cli(['cat', objects[2]!]);
    expect(c.raw.length).toBe(s.size);
    expect(decode(new Uint8Array(c.raw))).toMatchObject({ type: 'role-grant', role: 'admin', subject: ada.fingerprint });
  });

  it('a too-short or non-hex prefix is exit 2, an unknown id exit 3; nothing changes', async () => {
    const before = await snapshot(dir);
    const hex = repoId.slice(7);
    expect(expectError(await cli(['show', hex.slice(0, 6)]), 'INPUT_INVALID', 2)).toMatch(/at least 7 hex digits/);
    expectError(await cli(['cat', 'zzzzzzzz']), 'INPUT_INVALID', 2);
    const absent = ['0000000', '1111111', 'fffffff'].find((p) => !objects.some((o) => o.startsWith(`sha256:${p}`)))!;
    expectError(await cli(['show', absent]), 'NOT_FOUND', 3);
    expectError(await cli(['cat', `sha256:${absent}${hex.slice(7)}`]), 'NOT_FOUND', 3);
    expectError(await cli(['show', absent, '--json']), 'NOT_FOUND', 3, { json: true });
    expectError(await cli(['show']), 'USAGE', 2);
    expectError(await cli(['cat', repoId, repoId]), 'USAGE', 2);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('--help for verify, show and cat', async () => {
    for (const [cmd, usage] of [
      ['verify', 'cognify verify'],
      ['show', 'cognify show <id|prefix>'],
      ['cat', 'cognify cat <id|prefix>'],
    ]) {
      const r = expectOk(await cli([cmd!, '--help']));
      expect(r.stdout).toContain(`cognify ${cmd}: `);
      expect(r.stdout).toContain(usage);
    }
  });
});

describe('cognify verify on a damaged repository', () => {
  it('exit 1 and the problems, exactly when not ok; show refuses the altered object', async () => {
    const root = await sb.dir('cognify-vs-bad-');
    const home = await sb.dir('cognify-vs-bad-home-');
    const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    const { dir } = await initRepo(root, home, ada, 'to be damaged');
    const cli = (args: string[]) => run(args, { cwd: dir, env: envFor(home) });

    // Alter one byte of the stored identity object behind the store's back (a disk edit).
    const identity = await withRepo(dir, async (repo) => {
      const e = await repo.logEntry(0);
      const id = e.entry.subjects[1]!;
      const key = id.slice('sha256:'.length);
      const bytes = (await repo.store.getRaw(id))!.slice();
      const at = Buffer.from(bytes).indexOf('Ada Lovelace');
      bytes[at] = 'E'.charCodeAt(0); // "Eda Lovelace": same length, still canonical CBOR
      await repo.store.db.batch([{ type: 'put', sublevel: repo.store.sub.objects, key, value: bytes }]);
      return id;
    });

    const h = await cli(['verify']);
    expect(h.code, h.stdout + h.stderr).toBe(1);
    expect(h.stderr).toBe('');
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^verify: FAILED — \\d+ problems? \\(${HEAD.source}\\)$`));
    expect(lines.slice(1).length).toBeGreaterThan(0);
    expect(lines.slice(1).some((l) => l.includes('[HASH_MISMATCH]'))).toBe(true);

    const j = await cli(['verify', '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.length).toBe(lines.length - 1);
    for (const p of report.problems) {
      expect(typeof p.where).toBe('string');
      expect(typeof p.what).toBe('string');
    }
    expect(report.problems.some((p: any) => p.code === 'HASH_MISMATCH' && p.what.includes(identity))).toBe(true);

    expectError(await cli(['show', identity]), 'HASH_MISMATCH', 4);
  });
});
