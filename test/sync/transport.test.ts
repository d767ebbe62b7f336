// The two remote transports on their own: a folder, and a real git host (git http-backend on
// 127.0.0.1). Both store files they do not understand; what matters here is that bundles come
// back byte for byte, that adding is exclusive per log size, and that readers never see a part.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { DirTransport } from '../../src/node/dir-remote.js';
import { GitTransport } from '../../src/node/git-remote.js';
import type { Transport } from '../../src/sync/remote.js';
import type { ObjectId } from '../../src/core/ids.js';
import { bareRepo, gitServer, type GitServer } from './_git-server.js';

let clients = 0;
const REPO = `sha256:${'ab'.repeat(32)}` as ObjectId;

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

let tmp: string;
let server: GitServer;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cognify-transport-'));
  server = await gitServer(join(tmp, 'host'), { user: 'ada', password: 's3cret' });
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

const kinds: [string, (name: string) => Transport][] = [
  ['directory', (name) => new DirTransport(join(tmp, 'dirs', name))],
  [
    'git',
    (name) => {
      if (!existsSync(join(tmp, 'host', `${name}.git`))) bareRepo(join(tmp, 'host'), `${name}.git`);
      return new GitTransport(server.url(`${name}.git`), join(tmp, 'cache', `${name}-${++clients}.git`), { user: 'ada', token: 's3cret' }, { part: 1000, push: 3000 });
    },
  ],
];

describe.each(kinds)('%s transport', (kind, make) => {
  it('starts empty, gives bundles back byte for byte in log order, and refuses a second bundle from the same size', async () => {
    const t = make(`round-${kind}`);
    await t.refresh();
    expect(await t.repos()).toEqual([]);
    expect(await t.bundles(REPO)).toEqual([]);
    const a = randomBytes(7_500); // 8 parts and three pushes on git (1,000-byte parts, 3,000 bytes a push)
    const b = randomBytes(10);
    await writeFile(join(tmp, `a-${kind}`), a);
    await writeFile(join(tmp, `b-${kind}`), b);
    let sent = 0;
    await t.add(REPO, 0, 5, join(tmp, `a-${kind}`), (n) => (sent += n));
    expect(sent).toBe(a.length);
    await t.add(REPO, 5, 6, join(tmp, `b-${kind}`));
    const again = make(`round-${kind}`); // a second client, as on another machine
    await again.refresh();
    expect(await again.repos()).toEqual([REPO]);
    const list = await again.bundles(REPO);
    expect(list.map((x) => [x.since, x.size])).toEqual([
      [0, 5],
      [5, 6],
    ]);
    expect((await collect(again.read(list[0]!))).equals(a)).toBe(true);
    expect((await collect(again.read(list[1]!))).equals(b)).toBe(true);
    await expect(again.add(REPO, 5, 7, join(tmp, `b-${kind}`))).rejects.toMatchObject({ code: 'SYNC_CONFLICT' });
    await again.refresh();
    expect((await again.bundles(REPO)).map((x) => x.size)).toEqual([5, 6]);
  });
});

describe('git transport', () => {
  it('refuses wrong credentials with what to set, and two clients racing from the same fetched state: one wins', async () => {
    bareRepo(join(tmp, 'host'), 'race.git');
    const bad = new GitTransport(server.url('race.git'), join(tmp, 'cache', 'bad.git'), { token: 'wrong' });
    await expect(bad.refresh()).rejects.toThrow(/refused the credentials; set COGNIFY_GIT_TOKEN/);
    const x = new GitTransport(server.url('race.git'), join(tmp, 'cache', 'x.git'), { user: 'ada', token: 's3cret' });
    const y = new GitTransport(server.url('race.git'), join(tmp, 'cache', 'y.git'), { user: 'ada', token: 's3cret' });
    await x.refresh();
    await y.refresh();
    await writeFile(join(tmp, 'r'), randomBytes(100));
    await x.add(REPO, 0, 3, join(tmp, 'r'));
    // y fetched before x pushed: its push is not a fast-forward of the host's branch.
    await expect(y.add(REPO, 0, 4, join(tmp, 'r'))).rejects.toMatchObject({ code: 'SYNC_CONFLICT' });
    const log = execFileSync('git', ['-C', join(tmp, 'host', 'race.git'), 'log', '--format=%s', 'cognify'], { encoding: 'utf8' });
    expect(log.trim().split('\n')).toEqual([`cognify: log entries 0 to 2 of ${REPO}`]);
    execFileSync('git', ['-C', join(tmp, 'host', 'race.git'), 'fsck', '--strict'], { stdio: 'pipe' });
  });

  it('no credentials reach the local git cache', async () => {
    const files = await readdir(join(tmp, 'cache', 'x.git'), { recursive: true });
    for (const f of files) {
      const p = join(tmp, 'cache', 'x.git', f);
      try {
        expect(execFileSync('grep', ['-rl', 's3cret', p], { encoding: 'utf8' })).toBe('');
      } catch (e) {
        expect((e as { status?: number }).status).toBe(1); // grep found nothing
      }
    }
  });
});

describe('directory transport: a claim left behind', () => {
  const claimOf = (t: string, since: number) => join(t, 'repos', REPO.slice(7), 'claims', String(since).padStart(12, '0'));
  async function leftClaim(name: string, owner: Record<string, unknown>): Promise<{ t: DirTransport; file: string; claim: string }> {
    const root = join(tmp, 'claims', name);
    const t = new DirTransport(root);
    const file = join(tmp, `claim-${name}`);
    await writeFile(file, randomBytes(100));
    await t.add(REPO, 0, 3, file);
    await mkdir(join(claimOf(root, 3), '..'), { recursive: true });
    await writeFile(claimOf(root, 3), JSON.stringify(owner) + '\n');
    return { t, file, claim: claimOf(root, 3) };
  }

  it('by a push from this machine whose process is gone is taken over by the next push', async () => {
    // A process that has exited: its pid is free (a pid reused since would be judged alive).
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const { t, file } = await leftClaim('dead', { host: hostname(), pid: gone, time: new Date().toISOString(), size: 9 });
    await t.add(REPO, 3, 4, file);
    expect((await t.bundles(REPO)).map((b) => [b.since, b.size])).toEqual([
      [0, 3],
      [3, 4],
    ]);
  });

  it('by a running push, or by a push from another machine, is respected, and nothing is written', async () => {
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      for (const [name, owner] of [
        ['alive', { host: hostname(), pid: alive.pid }],
        ['elsewhere', { host: `not-${hostname()}`, pid: 1 }],
        ['unnamed', 'no owner named'],
      ] as const) {
        const { t, file, claim } = await leftClaim(name, typeof owner === 'string' ? { owner } : owner);
        await expect(t.add(REPO, 3, 4, file)).rejects.toMatchObject({ code: 'SYNC_CONFLICT', message: expect.stringContaining(`has started and not finished (${claim})`) });
        expect((await t.bundles(REPO)).map((b) => b.size)).toEqual([3]);
        expect((await readdir(join(claim, '..'))).sort()).toEqual(['000000000000', '000000000003']);
      }
    } finally {
      alive.kill();
    }
  });
});
