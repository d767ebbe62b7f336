// cognify id new | list | export | import | revoke
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemas } from '../../src/api/repo.js';
import { readIdentityEnvelope } from '../../src/chain/identity.js';
import type { KeyInfo } from '../../src/node/keystore.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, PASS, run, Sandbox, writeIdentityFile } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const fp16 = (k: { fingerprint: string }) => k.fingerprint.slice(0, 16);

// The only tests that pay for the real scrypt cost (N = 2^17, ~0.5 s per derivation).
describe('cognify id new (default scrypt cost)', () => {
  let home: string;
  let cwd: string;
  beforeAll(async () => {
    home = join(await sb.dir('cognify-idnew-'), 'home'); // does not exist yet: id new creates it
    cwd = await sb.dir();
  });

  it('creates an encrypted key and its identity, and the key can sign', async () => {
    const r = expectOk(await run(['id', 'new', '--name', 'Ada Lovelace', '--email', 'ada@example.org'], { cwd, env: envFor(home) }));
    const m = /^Created key ([0-9a-f]{64})\n {2}for Ada Lovelace <ada@example.org>\n {2}stored in (.+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [, fp, path] = m!;
    expect(path).toBe(join(home, 'keys', `${fp}.key.json`));
    const file = JSON.parse(await readFile(path!, 'utf8'));
    expect(file).toMatchObject({ format: 'cognify-key', fingerprint: fp, email: 'ada@example.org', kdf: { name: 'scrypt', N: 2 ** 17 } });
    expect(JSON.stringify(file)).not.toContain(PASS);
    if (process.platform !== 'win32') expect((await stat(path!)).mode & 0o777).toBe(0o600);
    expect(existsSync(join(home, 'keys', `${fp}.identity.json`))).toBe(true);

    // the key made by the CLI unlocks and signs: it can create a repository
    const init = okJson(await run(['init', 'repo', '--json'], { cwd, env: envFor(home) }));
    const log = okJson<any[]>(await run(['-C', init.path, 'log', '--json'], { cwd, env: envFor(home) }));
    expect(log[0].actor).toBe(fp);
  });

  it('--json prints {fingerprint, name, email}; id list shows both keys', async () => {
    const j = okJson(await run(['id', 'new', '--name', 'Bob Byte', '--email', 'bob@example.org', '--json'], { cwd: home, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['email', 'fingerprint', 'name']);
    expect(j).toMatchObject({ name: 'Bob Byte', email: 'bob@example.org' });
    expect(j.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const list = okJson(await run(['id', 'list', '--json'], { cwd: await sb.dir(), env: envFor(home) }));
    expect(list.repository).toBeUndefined(); // not inside a repository
    expect(list.keys.map((k: any) => k.email).sort()).toEqual(['ada@example.org', 'bob@example.org']);
    expect(list.keys.find((k: any) => k.email === 'bob@example.org').fingerprint).toBe(j.fingerprint);
  });

  it('refuses missing flags and short passphrases before any key is written', async () => {
    const before = await readdir(join(home, 'keys'));
    expectError(await run(['id', 'new', '--name', 'No Mail'], { cwd, env: envFor(home) }), 'USAGE', 2);
    expectError(await run(['id', 'new', '--name', 'X', '--email', 'x@example.org'], { cwd, env: envFor(home, { COGNIFY_PASSPHRASE: 'short' }) }), 'INPUT_INVALID', 2);
    expectError(await run(['id', 'new', '--name', 'X', '--email', 'not-an-email'], { cwd, env: envFor(home) }), 'INPUT_INVALID', 2);
    expectError(await run(['id', 'new', '--name', 'X', '--email', 'x@example.org'], { cwd, env: envFor(home, { COGNIFY_PASSPHRASE: undefined }) }), 'PASSPHRASE_MISSING', 7);
    expect(await readdir(join(home, 'keys'))).toEqual(before);
  });
});

describe('cognify id list / export / import / revoke', () => {
  let root: string;
  let home: string; // Ada's keystore (the admin)
  let other: string; // a colleague's keystore, on another machine
  let ada: KeyInfo;
  let bob: KeyInfo;
  let dir: string;

  beforeAll(async () => {
    root = await sb.dir('cognify-id-');
    home = await sb.dir('cognify-id-home-');
    other = await sb.dir('cognify-id-other-');
    ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
    bob = await makeKey(other, 'Bob Byte', 'bob@example.org');
    ({ dir } = await initRepo(root, home, ada));
  });

  it('id list without keys says how to make one', async () => {
    const empty = await sb.dir();
    const r = expectOk(await run(['id', 'list'], { cwd: empty, env: envFor(empty) }));
    expect(r.stdout).toBe(`Keys in ${empty}:\n  (none; create one with cognify id new --name N --email E)\n`);
  });

  it('id export <who> writes a self-signed DSSE identity to stdout', async () => {
    const r = expectOk(await run(['id', 'export', 'bob@example.org'], { cwd: root, env: envFor(other) }));
    const env = JSON.parse(r.stdout);
    expect(Object.keys(env).sort()).toEqual(['payload', 'payloadType', 'signatures']);
    expect(env.payloadType).toBe('application/vnd.cognify.identity+cbor');
    expect(env.signatures).toEqual([{ keyid: bob.fingerprint, sig: expect.any(String) }]);
    const identity = readIdentityEnvelope(nodeProvider, schemas, r.stdout);
    expect(identity).toMatchObject({ type: 'identity', name: 'Bob Byte', email: 'bob@example.org', signer: bob.fingerprint });
    expect(Buffer.from(identity.publicKey).equals(Buffer.from(bob.publicKey))).toBe(true);

    // by fingerprint prefix, -o file: same bytes, a note on stderr, nothing on stdout
    const f = expectOkQuietly(await run(['id', 'export', fp16(bob), '-o', 'bob.json'], { cwd: root, env: envFor(other) }));
    expect(f.stderr).toBe(`Wrote identity of Bob Byte <bob@example.org> to ${join(root, 'bob.json')}\n`);
    expect(await readFile(join(root, 'bob.json'), 'utf8')).toBe(r.stdout);

    const j = okJson(await run(['id', 'export', bob.fingerprint, '--output', 'bob2.json', '--json'], { cwd: root, env: envFor(other) }));
    expect(j).toEqual({ fingerprint: bob.fingerprint, path: join(root, 'bob2.json') });
    expect(await readFile(join(root, 'bob2.json'), 'utf8')).toBe(r.stdout);
  });

  // Regression: an unwritable -o path was an internal error (exit 70) with a stack trace.
  it('id export -o into a missing directory is an I/O error, not a crash', async () => {
    const r = await run(['id', 'export', 'bob@example.org', '-o', join(root, 'no', 'such', 'dir', 'x.json')], { cwd: root, env: envFor(other) });
    expectError(r, 'IO_FAILED', 10);
  });

  it('id import <file> adds the identity (human), which then holds no roles', async () => {
    const carol = await makeKey(other, 'Carol Cole', 'carol@example.org');
    await writeIdentityFile(carol, join(root, 'carol.json'));
    const r = expectOk(await run(['-C', dir, 'id', 'import', 'carol.json', '--as', 'ada@example.org'], { cwd: root, env: envFor(home) }));
    expect(r.stdout).toMatch(new RegExp(`^Imported Carol Cole <carol@example.org> \\(${fp16(carol)}\\) as sha256:[0-9a-f]{64}\\n$`));
    const roles = expectOk(await run(['role', 'list'], { cwd: dir, env: envFor(home) }));
    expect(roles.stdout).toMatch(new RegExp(`^${fp16(carol)}  Carol Cole <carol@example.org> +\\(no roles\\)$`, 'm'));
  });

  it('id import --json prints {identity, fingerprint, name, email, seq}; the identity is stored as exported', async () => {
    expectOkQuietly(await run(['id', 'export', 'bob@example.org', '-o', join(root, 'bob-import.json')], { cwd: root, env: envFor(other) }));
    const j = okJson(await run(['-C', dir, '--json', 'id', 'import', join(root, 'bob-import.json')], { cwd: root, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['email', 'fingerprint', 'identity', 'name', 'seq']);
    expect(j).toMatchObject({ fingerprint: bob.fingerprint, name: 'Bob Byte', email: 'bob@example.org' });
    expect(Number.isInteger(j.seq) && j.seq > 0).toBe(true);
    const obj = okJson(await run(['show', j.identity, '--json'], { cwd: dir, env: envFor(home) }));
    expect(obj.object).toMatchObject({ type: 'identity', email: 'bob@example.org', signer: bob.fingerprint });
    const log = okJson<any[]>(await run(['log', '--json', '-n', '1'], { cwd: dir, env: envFor(home) }));
    expect(log).toEqual([expect.objectContaining({ seq: j.seq, action: 'identity.add', actor: ada.fingerprint, subjects: [j.identity] })]);
  });

  it('id revoke <who> --reason R records a key-revoke; id list shows it REVOKED', async () => {
    const erin = await makeKey(other, 'Erin Eve', 'erin@example.org');
    const frank = await makeKey(other, 'Frank Fox', 'frank@example.org');
    await addPeople(dir, ada, [{ key: erin, roles: ['ml-engineer'] }, { key: frank }]);

    const j = okJson(await run(['id', 'revoke', 'erin@example.org', '--reason', 'laptop stolen', '--json'], { cwd: dir, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['revocation', 'seq']);
    const rev = okJson(await run(['show', j.revocation, '--json'], { cwd: dir, env: envFor(home) }));
    expect(rev.object).toMatchObject({ type: 'key-revoke', subject: erin.fingerprint, reason: 'laptop stolen', signer: ada.fingerprint });

    const h = expectOk(await run(['id', 'revoke', fp16(frank)], { cwd: dir, env: envFor(home) }));
    expect(h.stdout).toMatch(new RegExp(`^Revoked key of ${fp16(frank)} at log entry ${j.seq + 1}; `));

    // the owner may revoke their own key without any role (a leaked key must be stoppable)
    const gina = await makeKey(other, 'Gina Gray', 'gina@example.org');
    await addPeople(dir, ada, [{ key: gina }]);
    const self = okJson(await run(['--as', 'gina@example.org', 'id', 'revoke', 'gina@example.org', '--json'], { cwd: dir, env: envFor(other) }));
    expect(self.seq).toBe(j.seq + 3);

    const list = expectOk(await run(['id', 'list'], { cwd: dir, env: envFor(home) }));
    expect(list.stdout).toContain(`Keys in ${home}:\n  ${fp16(ada)}  Ada Lovelace <ada@example.org>\n`);
    expect(list.stdout).toContain('\nIdentities in this repository:\n');
    expect(list.stdout).toContain(`  ${fp16(ada)}  Ada Lovelace <ada@example.org>  admin\n`);
    expect(list.stdout).toContain(`  ${fp16(erin)}  Erin Eve <erin@example.org>  REVOKED at log entry ${j.seq}\n`);
    expect(list.stdout).toContain(`  ${fp16(frank)}  Frank Fox <frank@example.org>  REVOKED at log entry ${j.seq + 1}\n`);

    const lj = okJson(await run(['-C', dir, 'id', 'list', '--json'], { cwd: root, env: envFor(home) }));
    expect(lj.keys).toEqual([{ fingerprint: ada.fingerprint, name: 'Ada Lovelace', email: 'ada@example.org', created: ada.created }]);
    expect(lj.repository.find((k: any) => k.fingerprint === erin.fingerprint)).toMatchObject({ revoked: true, revokedAt: j.seq, roles: ['ml-engineer'] });
    expect(lj.repository.find((k: any) => k.fingerprint === ada.fingerprint)).toMatchObject({ revoked: false, roles: ['admin'] });
  });

  it('id --help lists the subcommands', async () => {
    const r = expectOk(await run(['id', '--help'], { cwd: root }));
    for (const u of ['id new --name N --email E', 'id list', 'id export <who> [-o file]', 'id import <file>', 'id revoke <who> [--reason R]']) {
      expect(r.stdout).toContain(`cognify ${u}`);
    }
  });
});

/** Exit 0 with stderr allowed (id export -o reports the file it wrote on stderr). */
function expectOkQuietly(r: Awaited<ReturnType<typeof run>>) {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toBe('');
  return r;
}
