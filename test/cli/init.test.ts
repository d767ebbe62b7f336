// cognify init [dir] [--name N], and the top-level --help / --version.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { envFor, expectOk, makeKey, okJson, run, Sandbox } from './_run.js';

const sb = new Sandbox();
let home: string;
let ada: KeyInfo;

beforeAll(async () => {
  home = await sb.dir('cognify-init-home-');
  ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
});
afterAll(() => sb.cleanup());

describe('cognify init', () => {
  it('creates a repository in the current directory and names the admin', async () => {
    const cwd = await sb.dir();
    const r = expectOk(await run(['init'], { cwd, env: envFor(home) }));
    const m = /^Initialised Cognify repository (sha256:[0-9a-f]{64})\n {2}in (.+)\n {2}admin: (.+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(m![2]).toBe(join(cwd, '.cognify'));
    expect(m![3]).toBe(`Ada Lovelace <ada@example.org> (${ada.fingerprint.slice(0, 16)})`);
    expect(existsSync(join(cwd, '.cognify', 'db'))).toBe(true);
    // nothing half-made left behind
    expect((await readdir(cwd)).sort()).toEqual(['.cognify']);
    // the creator's self-signed identity is cached beside the key, for `id export`
    const idFile = ada.path.replace(/\.key\.json$/, '.identity.json');
    expect(JSON.parse(await readFile(idFile, 'utf8')).signatures[0].keyid).toBe(ada.fingerprint);

    const v = expectOk(await run(['verify'], { cwd, env: envFor(home) }));
    expect(v.stdout).toMatch(/^verify: ok — 3 objects, \d+ signatures, 1 log entry, \d+ checkpoints\n$/);
  });

  it('init <dir> --name N --json creates the directory and records the name in the signed genesis', async () => {
    const cwd = await sb.dir();
    const j = okJson(await run(['init', 'sub/fraud', '--name', 'Fraud model v2', '--json'], { cwd, env: envFor(home) }));
    expect(Object.keys(j).sort()).toEqual(['path', 'repo']);
    expect(j.path).toBe(join(cwd, 'sub', 'fraud'));
    expect(j.repo).toMatch(/^sha256:[0-9a-f]{64}$/);

    const genesis = okJson(await run(['-C', 'sub/fraud', 'show', j.repo, '--json'], { cwd, env: envFor(home) }));
    expect(genesis.id).toBe(j.repo);
    expect(genesis.object).toMatchObject({ type: 'repo', v: 1, name: 'Fraud model v2', signer: ada.fingerprint });

    const log = okJson<any[]>(await run(['--json', 'log'], { cwd: join(cwd, 'sub', 'fraud'), env: envFor(home) }));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ seq: 0, action: 'repo.init', actor: ada.fingerprint, details: { name: 'Fraud model v2' }, prev: null });
    expect(log[0].subjects[0]).toBe(j.repo);
  });

  it('-C <dir> init creates the repository in that directory', async () => {
    const cwd = await sb.dir();
    const j = okJson(await run(['-C', 'elsewhere', 'init', '--json'], { cwd, env: envFor(home) }));
    expect(j.path).toBe(join(cwd, 'elsewhere'));
    expect(existsSync(join(cwd, 'elsewhere', '.cognify', 'db'))).toBe(true);
    expect(existsSync(join(cwd, '.cognify'))).toBe(false);
  });

  // Regression: the command word was removed from argv everywhere it appeared, so `init init`
  // initialised the current directory and `init x --name init` lost its --name value.
  it('an argument equal to the command name is an argument (init init, --name init)', async () => {
    const cwd = await sb.dir();
    const a = okJson(await run(['init', 'init', '--json'], { cwd, env: envFor(home) }));
    expect(a.path).toBe(join(cwd, 'init'));
    expect(existsSync(join(cwd, '.cognify'))).toBe(false);
    const b = okJson(await run(['init', 'other', '--name', 'init', '--json'], { cwd, env: envFor(home) }));
    const g = okJson(await run(['-C', 'other', 'show', b.repo, '--json'], { cwd, env: envFor(home) }));
    expect(g.object.name).toBe('init');
  });

  it('init --help prints its usage and exits 0', async () => {
    const cwd = await sb.dir();
    const r = expectOk(await run(['init', '--help'], { cwd, env: envFor(home) }));
    expect(r.stdout).toContain('cognify init: create a repository');
    expect(r.stdout).toContain('cognify init [dir] [--name N]');
    expect(r.stdout).toContain('Global options:');
    expect(existsSync(join(cwd, '.cognify'))).toBe(false);
  });
});

describe('cognify --help / --version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = expectOk(await run(['--version'], { cwd: home }));
    expect(r.stdout).toBe(`cognify ${pkg.version}\n`);
  });

  it('--help (and -h) lists every command and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = expectOk(await run([flag], { cwd: home }));
      expect(r.stdout).toMatch(/^cognify — a signed, verifiable record of LLM fine-tuning\n/);
      for (const c of ['init', 'id', 'role', 'log', 'verify', 'show', 'cat']) expect(r.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
      expect(r.stdout).toContain('COGNIFY_LOCK_TIMEOUT_MS');
    }
  });

  it('no command prints the help and exits 2', async () => {
    const r = await run([], { cwd: home });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Commands:');
    expect(r.stderr).toBe('');
  });
});
