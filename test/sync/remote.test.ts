// Remotes end to end through the public API, for both kinds: a folder, and a git repository on
// a real `git http-backend` served on 127.0.0.1 (with credentials, as a forge asks). A training
// site pushes, a review site clones, both move the record on in turn, and each pull is verified
// before anything changes; a damaged remote and two sites that each added entries are refused
// with nothing changed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { openRepo } from '../../src/api/open-repo.js';
import { addRemote, clone, listRemotes, pull, push, removeRemote, type SyncOptions } from '../../src/api/remotes.js';
import { noteRoot, readJournal } from '../../src/api/sync-journal.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';
import { bareRepo, gitServer, type GitServer } from './_git-server.js';

const ada = person('Ada');
let t: { dir: string; cleanup: () => Promise<void> };
let server: GitServer;

async function exportBytes(r: Repo, ref: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of r.datasets.export(ref)) parts.push(p);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  t = await tempDir('cognify-remote-');
  server = await gitServer(join(t.dir, 'host'), { user: 'ada', password: 'tok3n' });
});
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const kinds: [string, () => { url: string; opts: SyncOptions }][] = [
  ['directory', () => ({ url: join(t.dir, 'shared-disk', 'record'), opts: {} })],
  [
    'git',
    () => {
      bareRepo(join(t.dir, 'host'), 'record.git');
      // Small parts and packs, so that even this record goes up in several blobs and commits.
      return { url: server.url('record.git'), opts: { auth: { user: 'ada', token: 'tok3n' }, gitLimits: { part: 4 << 10, push: 8 << 10 } } };
    },
  ],
];

describe.each(kinds)('a %s remote', (kind, where) => {
  let online: Repo;
  let url: string;
  let opts: SyncOptions;
  const dir = (name: string) => join(t.dir, kind, name);

  beforeAll(async () => {
    ({ url, opts } = where());
    online = await newRepo(dir('online'), ada);
    await online.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v1.csv', signer: ada.signer });
  });
  afterAll(async () => {
    await online?.close();
  });

  it('push, clone, and pull each way: every pull verified, the data byte for byte', async () => {
    expect(await addRemote(online, 'shared', url)).toMatchObject({ name: 'shared', kind: kind === 'git' ? 'git' : 'directory' });
    const first = await push(online, 'shared', { ...opts, signer: ada.signer });
    expect(first).toMatchObject({ remote: 'shared', size: await online.logSize(), skipped: 0 });
    expect(first.imported).toBeGreaterThan(10);
    expect(first.refs).toContainEqual({ name: 'datasets/credit-decisions', from: null, to: expect.stringMatching(/^sha256:/) });
    expect(await push(online, 'shared', { ...opts, signer: ada.signer })).toMatchObject({ imported: 0, bytes: 0, refs: [] });
    if (kind === 'git') {
      // More than one pack's worth: parts went up under a .partial folder first, then the bundle got its name.
      const log = execFileSync('git', ['-C', join(t.dir, 'host', 'record.git'), 'log', '--format=%s', 'cognify'], { encoding: 'utf8' }).trim().split('\n');
      expect(log.length).toBeGreaterThan(1);
      expect(log[0]).toBe(`cognify: log entries 0 to ${first.size - 1} of ${online.id}`);
      expect(log.slice(1).every((l) => l.startsWith('cognify: part of log entries 0'))).toBe(true);
    }

    const c = await clone(url, dir('review'), opts);
    expect(c).toMatchObject({ repo: online.id, remote: 'origin', size: await online.logSize() });
    const review = await openRepo({ dir: dir('review') });
    try {
      expect(await review.verify()).toMatchObject({ ok: true });
      expect((await exportBytes(review, 'credit-decisions')).equals(await exportBytes(online, 'credit-decisions'))).toBe(true);
      expect(await listRemotes(review)).toEqual([{ name: 'origin', url: c.remote === 'origin' ? expect.any(String) : '', kind: kind === 'git' ? 'git' : 'directory', seen: await online.logSize() }]);

      // The training site moves on; the review site pulls only the new version.
      await online.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v2.csv', signer: ada.signer });
      const second = await push(online, 'shared', { ...opts, signer: ada.signer });
      expect(second.bytes).toBeLessThan(first.bytes);
      const before = (await review.store.getRef('datasets/credit-decisions'))!;
      const p = await pull(review, 'origin', opts);
      expect(p).toMatchObject({ size: await online.logSize(), bytes: second.bytes });
      expect(p.refs).toEqual([{ name: 'datasets/credit-decisions', from: before, to: await online.store.getRef('datasets/credit-decisions') }]);
      expect(await review.verify()).toMatchObject({ ok: true });
      expect((await exportBytes(review, 'credit-decisions@2')).equals(await exportBytes(online, 'credit-decisions@2'))).toBe(true);
      expect(await pull(review, 'origin', opts)).toMatchObject({ imported: 0, bytes: 0, refs: [] });

      // The review site signs, pushes; the training site pulls the approval back.
      await review.approvals.sign({ subject: 'credit-decisions@2', meaning: 'authored', signer: ada.signer });
      await push(review, 'origin', { ...opts, signer: ada.signer });
      await pull(online, 'shared', opts);
      expect((await online.approvals.list('credit-decisions@2')).map((a) => (a.type === 'approval' ? a.meaning : a.type))).toEqual(['authored']);
      expect(await online.verify()).toMatchObject({ ok: true });
      // Each side's sync journal: what moved, where, at which checkpoint (no-op pushes and pulls leave no record).
      expect(await journalOf(online)).toEqual([
        ['push', 'shared', first.size],
        ['push', 'shared', second.size],
        ['pull', 'shared', second.size + 1],
      ]);
      expect(await journalOf(review)).toEqual([
        ['clone', 'origin', first.size],
        ['pull', 'origin', second.size],
        ['push', 'origin', second.size + 1],
      ]);
      const last = (await toArray(readJournal(review))).at(-1)!;
      expect(last).toMatchObject({ where: url, repo: online.id, root: noteRoot(await review.checkpoint()), prev: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      await review.close();
    }
  });

  it('two sites that each added entries: push and pull refuse, show both versions, and change nothing', async () => {
    const review = await openRepo({ dir: dir('review') });
    try {
      await pull(review, 'origin', opts);
      await online.datasets.commit({ name: 'left', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer });
      await review.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v1.csv', message: 'back', signer: ada.signer });
      await push(online, 'shared', { ...opts, signer: ada.signer });
      const before = await snapshot(review);
      const refused = await pull(review, 'origin', opts).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'SYNC_DIVERGED', message: expect.stringMatching(/have each added entries the other lacks; refs that differ: datasets\/credit-decisions \(here \w{12}, on origin \w{12}\), datasets\/left \(here none, on origin \w{12}\)/) });
      expect((refused as { data: { refs: unknown[] } }).data.refs).toEqual([
        { name: 'datasets/credit-decisions', here: await review.store.getRef('datasets/credit-decisions'), there: await online.store.getRef('datasets/credit-decisions') },
        { name: 'datasets/left', here: null, there: await online.store.getRef('datasets/left') },
      ]);
      await expect(push(review, 'origin', { ...opts, signer: ada.signer })).rejects.toMatchObject({ code: 'SYNC_DIVERGED' });
      expect(await snapshot(review)).toBe(before);
      expect(await review.verify()).toMatchObject({ ok: true });
    } finally {
      await review.close();
    }
  });

  it('a remote that moved on: push says pull first; a damaged remote is refused by pull with nothing changed', async () => {
    const late = dir('late');
    await clone(url, late, opts);
    await online.datasets.commit({ name: 'right', input: 'fixtures/datasets/support-chat.v2.jsonl', signer: ada.signer });
    await push(online, 'shared', { ...opts, signer: ada.signer });
    const r = await openRepo({ dir: late });
    try {
      await expect(push(r, 'origin', { ...opts, signer: ada.signer })).rejects.toMatchObject({ code: 'SYNC_CONFLICT', message: expect.stringMatching(/holds \d+ log entries of this repository and you hold \d+: pull first \(cognify pull origin\), then push/) });
      // `late` has nothing new of its own: its push is refused until it pulls.
      await r.datasets.commit({ name: 'mine', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer }).then(() => undefined);
      const refused = await push(r, 'origin', { ...opts, signer: ada.signer }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'SYNC_DIVERGED' });
      if (kind !== 'directory') return;
      // Flip one byte in the middle of the newest bundle on the shared disk.
      const folder = join(url, 'repos', online.id.slice(7));
      const newest = readdirSync(folder).filter((n) => n.endsWith('.bundle')).sort().at(-1)!;
      const bytes = readFileSync(join(folder, newest));
      bytes[bytes.length >> 1]! ^= 0x40;
      writeFileSync(join(folder, newest), bytes);
      const fresh = join(t.dir, kind, 'fresh');
      await expect(clone(url, fresh, opts)).rejects.toMatchObject({ code: expect.stringMatching(/^BUNDLE_/) });
      expect(existsSync(join(fresh, '.cognify'))).toBe(false);
    } finally {
      await r.close();
    }
  });
});

async function toArray<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function journalOf(r: Repo): Promise<[string, string | undefined, number][]> {
  return (await toArray(readJournal(r))).map((x) => [x.action, x.remote, x.size]);
}

describe('the sync journal', () => {
  it('is hash-chained: a record altered or removed is named when the journal is read', async () => {
    const r = await openRepo({ dir: join(t.dir, 'directory', 'online') });
    try {
      const recs = await toArray(readJournal(r));
      expect(recs.length).toBeGreaterThan(2);
      const tx = r.store.begin();
      tx.put('meta', 'sync/000000000001', new TextEncoder().encode(JSON.stringify({ ...recs[1], objects: 1 })));
      await tx.commit();
      await expect(toArray(readJournal(r))).rejects.toThrow(/sync journal record 2 does not follow the one before/);
      const tx2 = r.store.begin();
      tx2.del('meta', 'sync/000000000001');
      await tx2.commit();
      await expect(toArray(readJournal(r))).rejects.toThrow(/sync journal record 1 does not follow the one before/);
    } finally {
      await r.close();
    }
  });
});

describe('remote names and URLs', () => {
  it('refuses bad names, credentials in a URL, ssh, a repository as a folder, a name twice; remove forgets it', async () => {
    const r = await newRepo(join(t.dir, 'names'), ada);
    try {
      await expect(addRemote(r, 'bad name', '/tmp/x')).rejects.toThrow(/is not a remote name/);
      await expect(addRemote(r, 'o', 'https://ada:secret@example.org/r.git')).rejects.toThrow(/the URL holds credentials, which would be stored in the repository/);
      await expect(addRemote(r, 'o', 'git@example.org:team/r.git')).rejects.toThrow(/only git hosts over http\(s\) and directories/);
      await expect(addRemote(r, 'o', join(t.dir, 'names'))).rejects.toThrow(/is a Cognify repository; a directory remote is a folder of bundles/);
      // A clone made inside the folder it clones would turn the remote into a repository.
      const disk = join(t.dir, 'shared-disk', 'record');
      await expect(clone(disk, disk)).rejects.toThrow(/is inside the remote folder .*; clone into a directory elsewhere/);
      await expect(clone(disk, join(disk, 'sub'))).rejects.toThrow(/is inside the remote folder/);
      expect(existsSync(join(disk, '.cognify'))).toBe(false);
      await addRemote(r, 'o', join(t.dir, 'elsewhere'));
      await expect(addRemote(r, 'o', join(t.dir, 'other'))).rejects.toThrow(/remote o exists/);
      await expect(pull(r, 'nope')).rejects.toThrow(/no remote named nope \(there are: o\)/);
      expect(await pull(r, 'o')).toMatchObject({ imported: 0, size: 1 });
      await removeRemote(r, 'o');
      expect(await listRemotes(r)).toEqual([]);
    } finally {
      await r.close();
    }
  });
});
