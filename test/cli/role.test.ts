// cognify role grant | revoke | list, and choosing the signing key: --as email, --as
// fingerprint, COGNIFY_KEY. Ada, Bob and Carol share one keystore, so every signing command
// must say whose key to use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { addPeople, envFor, expectOk, initRepo, makeKey, okJson, run, Sandbox } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const fp16 = (k: { fingerprint: string }) => k.fingerprint.slice(0, 16);
const ID = /sha256:[0-9a-f]{64}/.source;

describe('cognify role', () => {
  let home: string;
  let dir: string;
  let ada: KeyInfo;
  let bob: KeyInfo;
  let carol: KeyInfo;
  let dave: KeyInfo;

  beforeAll(async () => {
    const root = await sb.dir('cognify-role-');
    home = await sb.dir('cognify-role-home-');
    ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
    carol = await makeKey(home, 'Carol Cole', 'carol@example.org');
    dave = await makeKey(home, 'Dave Dee', 'dave@example.org');
    ({ dir } = await initRepo(root, home, ada));
    await addPeople(dir, ada, [{ key: bob }, { key: carol }, { key: dave, roles: ['ml-engineer', 'compliance'] }]);
  });

  const last = async () => okJson<any[]>(await run(['log', '--json', '-n', '1'], { cwd: dir, env: envFor(home) }))[0];

  it('role grant <email> <role> --as <email> (human)', async () => {
    const r = expectOk(await run(['--as', 'ada@example.org', 'role', 'grant', 'bob@example.org', 'ml-engineer'], { cwd: dir, env: envFor(home) }));
    const m = new RegExp(`^Granted ml-engineer to Bob Byte <bob@example.org>\\n  grant (${ID}), log entry (\\d+)\\n$`).exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const e = await last();
    expect(e).toMatchObject({ seq: Number(m![2]), action: 'role.grant', actor: ada.fingerprint, subjects: [m![1]], details: { subject: bob.fingerprint, role: 'ml-engineer' } });
  });

  it('role grant --json with --as <fingerprint prefix> prints {grant, seq}', async () => {
    const j = okJson(await run(['role', 'grant', fp16(carol), 'data-steward', '--json', '--as', ada.fingerprint.slice(0, 8)], { cwd: dir, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['grant', 'seq']);
    const g = okJson(await run(['show', j.grant, '--json'], { cwd: dir, env: envFor(home) }));
    expect(g.object).toMatchObject({ type: 'role-grant', subject: carol.fingerprint, role: 'data-steward', signer: ada.fingerprint });
    expect((await last()).seq).toBe(j.seq);
  });

  it('COGNIFY_KEY chooses the key when --as is absent', async () => {
    const j = okJson(await run(['role', 'grant', 'carol@example.org', 'privacy-officer', '--json'], { cwd: dir, env: envFor(home, { COGNIFY_KEY: ada.fingerprint }) }));
    const e = await last();
    expect(e).toMatchObject({ seq: j.seq, actor: ada.fingerprint, details: { role: 'privacy-officer' } });
  });

  it('role revoke (human and --json)', async () => {
    const h = expectOk(await run(['--as', 'ada@example.org', 'role', 'revoke', 'dave@example.org', 'compliance'], { cwd: dir, env: envFor(home) }));
    expect(h.stdout).toMatch(new RegExp(`^Revoked compliance from Dave Dee <dave@example.org>\\n  revocation ${ID}, log entry \\d+\\n$`));
    const j = okJson(await run(['--as', 'ada@example.org', '--json', 'role', 'revoke', dave.fingerprint, 'ml-engineer'], { cwd: dir, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['revocation', 'seq']);
    const o = okJson(await run(['show', j.revocation, '--json'], { cwd: dir, env: envFor(home) }));
    expect(o.object).toMatchObject({ type: 'role-revoke', subject: dave.fingerprint, role: 'ml-engineer', signer: ada.fingerprint });
    const list = okJson<any[]>(await run(['role', 'list', '--json'], { cwd: dir, env: envFor(home) }));
    expect(list.find((k) => k.email === 'dave@example.org').roles).toEqual([]);
  });

  it('role list (human and --json) shows every identity with its roles', async () => {
    const h = expectOk(await run(['role', 'list'], { cwd: dir, env: envFor(home) }));
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^${fp16(ada)}  Ada Lovelace <ada@example.org> +admin$`));
    expect(lines[1]).toMatch(new RegExp(`^${fp16(bob)}  Bob Byte <bob@example.org> +\\S`));
    expect(lines[2]).toMatch(new RegExp(`^${fp16(carol)}  Carol Cole <carol@example.org> +\\S`));
    expect(lines[3]).toMatch(new RegExp(`^${fp16(dave)}  Dave Dee <dave@example.org> +\\S`));

    const j = okJson<any[]>(await run(['role', 'list', '--json'], { cwd: dir, env: envFor(home) }));
    expect(j.map((k) => k.email)).toEqual(['ada@example.org', 'bob@example.org', 'carol@example.org', 'dave@example.org']);
    for (const k of j) {
      expect(Object.keys(k).sort()).toEqual(expect.arrayContaining(['email', 'fingerprint', 'identity', 'name', 'revoked', 'roles']));
      expect(k.identity).toMatch(new RegExp(`^${ID}$`));
      expect(k.revoked).toBe(false);
    }
    expect(j[0].roles).toEqual(['admin']);
  });

  it('role --help lists grant, revoke and list', async () => {
    const r = expectOk(await run(['role', '--help'], { cwd: dir }));
    for (const u of ['role grant <who> <role>', 'role revoke <who> <role>', 'role list']) expect(r.stdout).toContain(`cognify ${u}`);
  });
});

describe('cognify role: handing admin over', () => {
  it('a second admin may revoke admin from the first, who then can no longer grant', async () => {
    const root = await sb.dir('cognify-role2-');
    const home = await sb.dir('cognify-role2-home-');
    const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    const bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
    const { dir } = await initRepo(root, home, ada);
    await addPeople(dir, ada, [{ key: bob }]);

    expectOk(await run(['--as', 'ada@example.org', 'role', 'grant', 'bob@example.org', 'admin'], { cwd: dir, env: envFor(home) }));
    expectOk(await run(['--as', 'bob@example.org', 'role', 'revoke', 'ada@example.org', 'admin'], { cwd: dir, env: envFor(home) }));
    const j = okJson<any[]>(await run(['role', 'list', '--json'], { cwd: dir, env: envFor(home) }));
    expect(j.map((k) => [k.email, k.roles])).toEqual([
      ['ada@example.org', []],
      ['bob@example.org', ['admin']],
    ]);
    const r = await run(['--as', 'ada@example.org', 'role', 'grant', 'ada@example.org', 'admin'], { cwd: dir, env: envFor(home) });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/\[ROLE_MISSING\]\n$/);
    expect(expectOk(await run(['verify'], { cwd: dir, env: envFor(home) })).stdout).toMatch(/^verify: ok/);
  });
});
