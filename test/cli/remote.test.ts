// cognify remote | push | pull | clone through the real CLI: the JSON contract of issue 7 (push
// and pull: the shape of import, plus bytes), two pushers racing to one folder as two real
// processes, a git host (git http-backend on 127.0.0.1) that wants a token, and the errors.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareRepo, gitServer, type GitServer } from '../sync/_git-server.js';
import { envFor, expectError, initRepo, makeKey, okJson, run, Sandbox, snapshot, type RunResult } from './_run.js';
import type { KeyInfo } from '../../src/node/keystore.js';

const sb = new Sandbox();
const fixture = (name: string) => join(process.cwd(), 'fixtures', 'datasets', name);
let home: string;
let root: string;
let ada: KeyInfo;
let online: string;
let server: GitServer;
const cli = (args: string[], env: Record<string, string | undefined> = {}) => run(['--as', 'ada@example.org', ...args], { cwd: root, env: envFor(home, env) });

beforeAll(async () => {
  home = await sb.dir('cognify-remote-home-');
  root = await sb.dir('cognify-remote-cli-');
  ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  online = (await initRepo(root, home, ada)).dir;
  okJson(await cli(['-C', online, '--json', 'dataset', 'commit', 'credit', fixture('credit-decisions.v1.csv')]));
  server = await gitServer(join(root, 'host'), { user: 'ada', password: 'tok3n' });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await sb.cleanup();
});

describe('a folder remote', () => {
  it('push, clone and pull with the contract fields; remote list shows what each held', async () => {
    const disk = join(root, 'disk');
    expect(okJson(await cli(['-C', online, '--json', 'remote', 'add', 'shared', disk]))).toMatchObject({ name: 'shared', url: disk, kind: 'directory' });
    const pushed = await cli(['-C', online, '--json', 'push', 'shared']);
    expect(pushed.stderr).toBe(''); // no progress when stderr is not a terminal
    const p = okJson(pushed);
    expect(Object.keys(p).sort()).toEqual(['bytes', 'imported', 'refs', 'skipped']);
    expect(p).toMatchObject({ imported: expect.any(Number), skipped: 0, bytes: expect.any(Number) });
    expect(p.refs).toEqual([{ name: 'datasets/credit', from: null, to: expect.stringMatching(/^sha256:/) }]);
    const c = okJson(await cli(['--json', 'clone', disk, join(root, 'review')]));
    expect(c).toMatchObject({ imported: p.imported, bytes: p.bytes, dir: join(root, 'review') });
    expect((await cli(['-C', join(root, 'review'), 'verify'])).code).toBe(0);
    okJson(await cli(['-C', online, '--json', 'dataset', 'commit', 'credit', fixture('credit-decisions.v2.csv')]));
    const p2 = okJson(await cli(['-C', online, '--json', 'push', 'shared']));
    const l = okJson(await cli(['-C', join(root, 'review'), '--json', 'pull', 'origin']));
    expect(l).toEqual({ imported: expect.any(Number), skipped: expect.any(Number), refs: [{ name: 'datasets/credit', from: p.refs[0].to, to: p2.refs[0].to }], bytes: p2.bytes });
    expect(okJson(await cli(['-C', join(root, 'review'), '--json', 'pull', 'origin']))).toEqual({ imported: 0, skipped: 0, refs: [], bytes: 0 });
    const log = okJson(await cli(['-C', join(root, 'review'), '--json', 'remote', 'log']));
    expect(log.records.map((r: { action: string; size: number }) => [r.action, r.size])).toEqual([
      ['clone', 2],
      ['pull', 3],
    ]);
    expect((await cli(['-C', join(root, 'review'), 'remote', 'log'])).stdout).toMatch(/^#0 {2}\S+ {2}clone {3}origin \S+ {2}this repository at 2 entries \(root [0-9a-f]{12}\)/);
    const list = await cli(['-C', join(root, 'review'), 'remote', 'list']);
    expect(list.stdout).toContain(`origin\t${disk}\tdirectory\t3 log entries when last seen`);
    // An air-gapped site says what it holds with a checkpoint file; the bundle carries only the rest.
    const cp = join(root, 'review.checkpoint');
    const note = (await cli(['-C', join(root, 'review'), 'log', 'checkpoint'])).stdout;
    writeFileSync(cp, note);
    okJson(await cli(['-C', online, '--json', 'dataset', 'commit', 'chat', fixture('support-chat.v1.jsonl')]));
    const inc = okJson(await cli(['-C', online, '--json', 'bundle', 'create', join(root, 'inc.bundle'), '--since', cp]));
    const viaRemote = okJson(await cli(['-C', online, '--json', 'bundle', 'create', join(root, 'inc2.bundle'), '--since', 'shared']));
    expect(inc.objects).toBe(viaRemote.objects);
    okJson(await cli(['-C', online, '--json', 'push', 'shared']));
    expect(expectError(await cli(['-C', online, 'bundle', 'create', join(root, 'none.bundle'), '--since', 'shared']), 'INPUT_INVALID', 2)).toMatch(/the other side already holds all \d+ log entries \(--since \d+\); there is nothing to carry/);
    expect(okJson(await cli(['-C', join(root, 'review'), '--json', 'bundle', 'import', join(root, 'inc.bundle')])).refs.map((r: { name: string }) => r.name)).toEqual(['datasets/chat']);
    expectError(await cli(['-C', join(root, 'review'), 'bundle', 'create', join(root, 'x.bundle'), '--since', join(root, 'nothing-here')]), 'INPUT_INVALID', 2);
  }, 120_000);

  it('two pushers racing from two processes: one lands, the other exits 12 and the folder stays a clean chain', async () => {
    const disk = join(root, 'race-disk');
    okJson(await cli(['-C', online, '--json', 'remote', 'add', 'race', disk]));
    okJson(await cli(['-C', online, '--json', 'push', 'race']));
    for (const site of ['left', 'right']) {
      okJson(await cli(['--json', 'clone', disk, join(root, site)]));
      okJson(await cli(['-C', join(root, site), '--json', 'dataset', 'commit', site, fixture('support-chat.v2.jsonl')]));
    }
    const [a, b] = await Promise.all([cli(['-C', join(root, 'left'), '--json', 'push', 'origin']), cli(['-C', join(root, 'right'), '--json', 'push', 'origin'])]);
    const results = [a, b] as RunResult[];
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won.length, results.map((r) => r.stdout + r.stderr).join('\n')).toBe(1);
    expect(lost[0]!.code).toBe(12);
    expect(JSON.parse(lost[0]!.stdout).error.code).toMatch(/^SYNC_(CONFLICT|DIVERGED)$/);
    const folder = join(disk, 'repos', readdirSync(join(disk, 'repos'))[0]!);
    expect(readdirSync(folder).filter((n) => n.endsWith('.bundle')).length).toBe(2);
    expect(readdirSync(folder).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const fresh = okJson(await cli(['--json', 'clone', disk, join(root, 'after-race')]));
    expect(fresh.refs.map((r: { name: string }) => r.name)).toContain(a.code === 0 ? 'datasets/left' : 'datasets/right');
    expect((await cli(['-C', join(root, 'after-race'), 'verify'])).code).toBe(0);
    // The loser's pull shows both versions and changes nothing.
    const loser = a.code === 0 ? 'right' : 'left';
    const before = await snapshot(join(root, loser));
    const refused = await cli(['-C', join(root, loser), 'pull', 'origin']);
    expect(expectError(refused, 'SYNC_DIVERGED', 12)).toMatch(/refs that differ: datasets\/left \(here \w+, on origin \w+\)|datasets\/left \(here none, on origin \w+\)/);
    expect(await snapshot(join(root, loser))).toEqual(before);
    // --keep-both: the remote's version kept beside this one's, the import logged here.
    const kept = okJson(await cli(['-C', join(root, loser), '--json', 'pull', 'origin', '--keep-both']));
    expect(kept.refs.map((r: { name: string }) => r.name)).toContain(`remotes/origin/datasets/${loser === 'left' ? 'right' : 'left'}`);
    expect((await cli(['-C', join(root, loser), 'verify'])).code).toBe(0);
    expect((await cli(['-C', join(root, loser), 'log', '-n', '1'])).stdout).toMatch(/sync\.import/);
  }, 120_000);

  it("another repository's record: by bundle import and by pull, beside this one's, logged and signed", async () => {
    await makeKey(home, 'Grace Hopper', 'grace@example.org');
    const g = (args: string[]) => run(['--as', 'grace@example.org', ...args], { cwd: root, env: envFor(home) });
    const mine = join(root, 'grace-site');
    okJson(await g(['--json', 'init', mine, '--name', 'review']));
    const file = join(root, 'online.bundle');
    okJson(await cli(['-C', online, '--json', 'bundle', 'create', file]));
    const i = okJson(await g(['-C', mine, '--json', 'bundle', 'import', file, '--name', 'training']));
    expect(i).toMatchObject({ name: 'training', created: false, skipped: 0 });
    expect(i.refs).toContainEqual({ name: 'remotes/training/datasets/credit', from: null, to: expect.stringMatching(/^sha256:/) });
    expect((await g(['-C', join(mine, '.cognify', 'origins', 'training'), 'verify'])).code).toBe(0);
    const p = okJson(await g(['-C', mine, '--json', 'remote', 'add', 'disk', join(root, 'disk')]));
    expect(p.name).toBe('disk');
    const pulled = okJson(await g(['-C', mine, '--json', 'pull', 'disk']));
    expect(pulled.refs).toContainEqual({ name: 'remotes/disk/datasets/credit', from: null, to: i.refs.find((r: { name: string }) => r.name === 'remotes/training/datasets/credit').to });
    expect((await g(['-C', mine, 'verify'])).code).toBe(0);
    expect((await g(['-C', mine, 'log'])).stdout.match(/sync\.import/g)).toHaveLength(2);
    // Part of the record (one dataset), beside the rest.
    const part = join(root, 'credit.bundle');
    okJson(await cli(['-C', online, '--json', 'bundle', 'create', part, '--refs', 'datasets/credit']));
    const pi = await g(['-C', mine, 'bundle', 'import', part, '--name', 'credit-only']);
    expect(pi.stdout).toMatch(/^Imported part of repository sha256:\w+'s record from .*credit\.bundle as credit-only, checked against the identities it carries/);
    expect(okJson(await g(['-C', mine, '--json', 'bundle', 'import', part, '--name', 'credit-only']))).toMatchObject({ imported: 0, refs: [], name: 'credit-only', partial: true });
  }, 120_000);
});

describe('a git remote', () => {
  it('push and clone over smart HTTP with a token from COGNIFY_GIT_TOKEN; without it, one clear error', async () => {
    bareRepo(join(root, 'host'), 'record.git');
    const url = server.url('record.git');
    okJson(await cli(['-C', online, '--json', 'remote', 'add', 'forge', url]));
    const denied = await cli(['-C', online, 'push', 'forge']);
    expect(expectError(denied, 'INPUT_INVALID', 2)).toMatch(/asks for credentials; set COGNIFY_GIT_TOKEN/);
    const p = okJson(await cli(['-C', online, '--json', 'push', 'forge', '--user', 'ada'], { COGNIFY_GIT_TOKEN: 'tok3n' }));
    expect(p.bytes).toBeGreaterThan(0);
    const c = okJson(await cli(['--json', 'clone', url, join(root, 'from-git'), '--user', 'ada'], { COGNIFY_GIT_TOKEN: 'tok3n' }));
    expect(c).toMatchObject({ imported: p.imported, bytes: p.bytes });
    expect((await cli(['-C', join(root, 'from-git'), 'verify'])).code).toBe(0);
    expect(execFileSync('git', ['-C', join(root, 'host', 'record.git'), 'branch', '--list'], { encoding: 'utf8' }).trim()).toBe('cognify');
    expectError(await cli(['-C', online, 'remote', 'add', 'leaky', 'https://ada:tok3n@example.org/r.git']), 'INPUT_INVALID', 2);
  }, 120_000);
});
