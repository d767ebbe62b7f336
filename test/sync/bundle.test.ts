// Full bundles end to end, through the public API over the fixture repository (datasets, runs,
// evals, approvals, scans, a committed document): the record carried to a new repository that
// verifies, exports the same bytes and rebuilds the same documents; then the attacks on the
// content (a forged log entry, a broken signature, a missing object, a forged manifest or
// checkpoint, an old bundle, a forked log), each refused with nothing changed.
import { cpSync, createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { createBundle, importBundle, verifyBundle } from '../../src/api/bundles.js';
import { openRepo } from '../../src/api/open-repo.js';
import { signObject, type Signed } from '../../src/chain/signed-object.js';
import type { Signer } from '../../src/chain/signer.js';
import type { CognifyObject } from '../../src/store/object-codec.js';
import { readBundle, writeBundle, type BundleItem } from '../../src/sync/bundle-format.js';
import { bundleItems, bundleManifest } from '../../src/sync/bundle.js';
import { references } from '../../src/api/repo.js';
import { nodeProvider as crypto } from '../../src/node/node-crypto.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';
import { ada, alan, answers, buildRecord } from '../cards/_record.js';
import { writeFile } from 'node:fs/promises';

let t: { dir: string; cleanup: () => Promise<void> };
let repo: Repo;
let full: string;
let doc: string;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  return Buffer.concat(parts);
}

async function exportBytes(r: Repo, ref: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of r.datasets.export(ref)) parts.push(p);
  return Buffer.concat(parts);
}

/**
 * A bundle of `repo` whose items were changed by `edit`, re-framed so the container itself is
 * valid and sealed by `sealer` (by default Ada, who signs the manifest: an insider, so that the
 * checks below the seal are what refuse it; null leaves the seal empty).
 */
async function doctored(edit: (items: BundleItem[]) => BundleItem[], manifest?: Signed<CognifyObject>, sealer: Signer | null = ada.signer): Promise<string> {
  const items: BundleItem[] = [];
  for await (const i of bundleItems(repo.store, 0, references)) items.push({ kind: i.kind, bytes: Uint8Array.from(i.bytes) });
  const m = manifest ?? ((await bundleManifest(repo.store, repo.id, ada.signer, repo.now())) as unknown as Signed<CognifyObject>);
  const file = join(t.dir, `doctored-${Math.random().toString(16).slice(2)}.bundle`);
  await writeFile(file, await collect(writeBundle(crypto, repo.store.encode(m).bytes, edit(items), sealer ? { seal: (msg) => sealer.sign(msg) } : {})));
  return file;
}

function entryIndex(items: BundleItem[], seq: number): number {
  let n = -1;
  return items.findIndex((i) => {
    if (i.kind !== 'object' || repo.store.check(repo.store.hashId(i.bytes), i.bytes).value.type !== 'log-entry') return false;
    n++;
    return n === seq;
  });
}

beforeAll(async () => {
  t = await tempDir('cognify-bundle-');
  repo = await buildRecord(join(t.dir, 'online'), join(t.dir, 'code'));
  doc = (await repo.cards.commit({ kind: 'model-card', subject: 'credit-lora', answers: answers(), signer: alan.signer })).document;
  full = join(t.dir, 'full.bundle');
  await createBundle(repo, { file: full, signer: ada.signer });
}, 120_000);
afterAll(async () => {
  await repo?.close();
  await t?.cleanup();
});

describe('full bundles', () => {
  it('carry the record to a new repository that verifies, exports the same bytes and rebuilds the same documents', async () => {
    const v = await verifyBundle(full);
    expect(v).toMatchObject({ ok: true, problems: [], repo: repo.id, size: await repo.logSize() });
    const dir = join(t.dir, 'airgap');
    const r = await importBundle(full, dir);
    expect(r).toMatchObject({ created: true, skipped: 0, repo: repo.id });
    expect(r.refs.map((x) => x.name)).toEqual(expect.arrayContaining(['datasets/credit-decisions', 'datasets/clinical-notes', 'runs/credit-lora', 'policy/active']));
    const there = await openRepo({ dir });
    try {
      expect(await there.verify()).toMatchObject({ ok: true, problems: [] });
      expect(await there.logSize()).toBe(await repo.logSize());
      for (const ref of ['credit-decisions@1', 'credit-decisions@2', 'clinical-notes']) expect((await exportBytes(there, ref)).equals(await exportBytes(repo, ref)), ref).toBe(true);
      expect(await there.cards.check(doc)).toMatchObject({ identical: true });
      expect((await there.policy.evaluate('credit-lora')).state).toBe((await repo.policy.evaluate('credit-lora')).state);
    } finally {
      await there.close();
    }
    // The same bundle again: nothing changes, and it says so.
    const before = await openRepo({ dir }).then(async (x) => [await snapshot(x), await x.close()][0]);
    const again = await importBundle(full, dir);
    expect(await openRepo({ dir }).then(async (x) => [await snapshot(x), await x.close()][0])).toBe(before);
    expect(again).toMatchObject({ imported: 0, created: false, refs: [] });
  });

  it('bring a copy forward when the source has moved on; an older bundle changes nothing', async () => {
    const dir = join(t.dir, 'forward');
    await importBundle(full, dir);
    await repo.datasets.commit({ name: 'support-chat', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer });
    const newer = join(t.dir, 'newer.bundle');
    await createBundle(repo, { file: newer, signer: ada.signer });
    const r = await importBundle(newer, dir);
    expect(r.created).toBe(false);
    expect(r.imported).toBeGreaterThan(1);
    expect(r.refs).toEqual([{ name: 'datasets/support-chat', from: null, to: expect.stringMatching(/^sha256:/) }]);
    const there = await openRepo({ dir });
    try {
      expect(await there.verify()).toMatchObject({ ok: true });
      expect((await exportBytes(there, 'support-chat')).equals(await exportBytes(repo, 'support-chat'))).toBe(true);
      const s = await snapshot(there);
      await there.close();
      // An older bundle whose entries the copy holds: nothing to do, and nothing done.
      expect(await importBundle(full, dir)).toMatchObject({ imported: 0, refs: [] });
      const again = await openRepo({ dir });
      expect(await snapshot(again)).toBe(s);
      await again.close();
    } finally {
      await there.close().catch(() => undefined);
    }
  });

  it('refuse a forked log: two copies of one repository that each moved on', async () => {
    const a = join(t.dir, 'fork-a');
    await importBundle(full, a);
    const b = join(t.dir, 'fork-b');
    cpSync(a, b, { recursive: true });
    for (const [dir, name] of [[a, 'left'], [b, 'right']] as const) {
      const r = await openRepo({ dir });
      await r.datasets.commit({ name, input: 'fixtures/datasets/support-chat.v2.jsonl', signer: ada.signer });
      await r.close();
    }
    const fromA = join(t.dir, 'fork-a.bundle');
    const ra = await openRepo({ dir: a });
    await createBundle(ra, { file: fromA, signer: ada.signer });
    await ra.close();
    const rb = await openRepo({ dir: b });
    const before = await snapshot(rb);
    await rb.close();
    await expect(importBundle(fromA, b)).rejects.toMatchObject({ code: 'SYNC_DIVERGED', message: expect.stringMatching(/the logs have diverged at log entry \d+/) });
    // An incremental bundle from A that continues at B's log size: refused by its consistency proof before any item is read.
    const ra2 = await openRepo({ dir: a });
    const sizeB = await ra2.logSize();
    await ra2.datasets.commit({ name: 'more', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer });
    const incA = join(t.dir, 'fork-a-inc.bundle');
    await createBundle(ra2, { file: incA, signer: ada.signer, since: sizeB });
    await ra2.close();
    await expect(importBundle(incA, b)).rejects.toMatchObject({ code: 'SYNC_DIVERGED', message: expect.stringMatching(/consistency proof from \d+ to \d+ entries does not hold against this repository's log/) });
    expect(await verifyBundle(incA, { dir: b })).toMatchObject({ ok: false, problems: [expect.stringMatching(/consistency proof/)] });
    const after = await openRepo({ dir: b });
    expect(await snapshot(after)).toBe(before);
    await after.close();
  });
});

describe('incremental bundles', () => {
  it('carry only what the new log entries added, onto a copy that holds the prefix', async () => {
    const dir = join(t.dir, 'incremental');
    const now = join(t.dir, 'now.bundle');
    const fullBytes = (await createBundle(repo, { file: now, signer: ada.signer })).objects;
    await importBundle(now, dir);
    const since = await repo.logSize();
    await repo.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v1.csv', message: 'back to October', signer: ada.signer });
    await repo.approvals.sign({ subject: 'credit-decisions@3', meaning: 'authored', signer: ada.signer });
    const inc = join(t.dir, 'inc.bundle');
    const c = await createBundle(repo, { file: inc, signer: ada.signer, since });
    expect(c).toMatchObject({ since, size: since + 2 });
    // Version 3 has the bytes of version 1: its chunks are already there, so only the new objects and entries travel.
    expect(c.objects).toBeLessThan(fullBytes / 5);
    expect(await verifyBundle(inc)).toMatchObject({ ok: false, problems: [expect.stringMatching(/continues a log from entry \d+: verify it against the repository it continues/)] });
    const vv = await verifyBundle(inc, { dir });
    expect(vv, JSON.stringify(vv)).toMatchObject({ ok: true, size: since + 2 });
    await expect(importBundle(inc, join(t.dir, 'nowhere'))).rejects.toThrow(/continues a log from entry/);
    const r = await importBundle(inc, dir);
    expect(r).toMatchObject({ created: false });
    expect(r.refs.map((x) => x.name)).toEqual(['datasets/credit-decisions']);
    const there = await openRepo({ dir });
    try {
      expect(await there.verify()).toMatchObject({ ok: true });
      expect((await exportBytes(there, 'credit-decisions@3')).equals(await exportBytes(repo, 'credit-decisions@1'))).toBe(true);
      expect((await there.approvals.list('credit-decisions@3')).length).toBe(1);
    } finally {
      await there.close();
    }
    // Again: harmless, and said so; a copy that lacks the prefix is refused.
    expect(await importBundle(inc, dir)).toMatchObject({ imported: 0, skipped: c.objects, refs: [] });
    const short = join(t.dir, 'short');
    await importBundle(full, short);
    await expect(importBundle(inc, short)).rejects.toThrow(/continues the log from entry \d+, and this repository has \d+ entries; make one with --since \d+/);
  });
});

describe('part of the record (--refs)', () => {
  it('one run with everything it references and what is recorded about it, checked and taken in beside another record', async () => {
    const file = join(t.dir, 'credit-lora.bundle');
    const c = await createBundle(repo, { file, signer: ada.signer, refs: 'runs/credit-lora' });
    expect(c.refs).toEqual(['runs/credit-lora']);
    expect(c.objects).toBeLessThan((await createBundle(repo, { file: join(t.dir, 'all.bundle'), signer: ada.signer })).objects);
    expect(await verifyBundle(file)).toMatchObject({ ok: true, partial: true, refs: ['runs/credit-lora'], repo: repo.id });
    await expect(createBundle(repo, { file: join(t.dir, 'none.bundle'), signer: ada.signer, refs: 'runs/nope' })).rejects.toThrow(/--refs runs\/nope names no ref/);
    await expect(importBundle(file, join(t.dir, 'not-a-repo'))).rejects.toThrow(/holds part of a record .* cannot make a repository/);

    // A regulator's repository takes it in: the run, its checkpoints, evals and datasets (bytes and all), its approvals.
    const dir = join(t.dir, 'regulator');
    const reg = await newRepo(dir, person('Regina'));
    const before = await reg.logSize();
    await reg.close();
    const r = await importBundle(file, dir, { signer: async () => person('Regina').signer, name: 'bank' });
    expect(r.refs).toEqual([{ name: 'remotes/bank/runs/credit-lora', from: null, to: await repo.store.getRef('runs/credit-lora') }]);
    const there = await openRepo({ dir });
    try {
      expect(await there.verify()).toMatchObject({ ok: true });
      expect(await there.logSize()).toBe(before + 1);
      const run = (await there.store.get((await there.store.getRef('remotes/bank/runs/credit-lora'))!)).value as unknown as { datasets: { version: string }[] };
      const train = run.datasets[0]!.version;
      expect((await exportBytes(there, train)).equals(await exportBytes(repo, train))).toBe(true);
      const approvals = (await repo.approvals.list('credit-lora')).map((a) => (a.type === 'approval' ? a.approval : a.withdrawal));
      for (const id of approvals) expect(await there.store.has(id as never), id).toBe(true);
    } finally {
      await there.close();
    }
    // Dropping an object the run references, even re-sealed by its maker: refused, naming it.
    const items: BundleItem[] = [];
    for await (const ev of readBundle(crypto, createReadStream(file))) if (ev.type === 'item') items.push({ kind: ev.kind, bytes: ev.bytes });
    const m = (await bundleManifest(repo.store, repo.id, ada.signer, repo.now(), 0, { 'runs/credit-lora': (await repo.store.getRef('runs/credit-lora'))! })) as unknown as Signed<CognifyObject>;
    const evalAt = items.findIndex((x) => x.kind === 'object' && repo.store.check(repo.store.hashId(x.bytes), x.bytes).value.type === 'checkpoint-manifest');
    expect(evalAt).toBeGreaterThanOrEqual(0);
    const cut = join(t.dir, 'cut.bundle');
    await writeFile(cut, await collect(writeBundle(crypto, repo.store.encode(m).bytes, items.filter((_, k) => k !== evalAt), { seal: (msg) => ada.signer.sign(msg) })));
    expect(await verifyBundle(cut)).toMatchObject({ ok: false, problems: [expect.stringMatching(/refers to sha256:\w+, which the bundle does not hold/)] });
  });
});

describe('attacks on the content', () => {
  const refused = async (file: string, re: RegExp) => {
    const v = await verifyBundle(file);
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatch(re);
    const dir = join(t.dir, `target-${Math.random().toString(16).slice(2)}`);
    await expect(importBundle(file, dir)).rejects.toThrow(re);
    expect(existsSync(join(dir, '.cognify'))).toBe(false);
  };

  it('a log entry rewritten and re-signed by another key', async () => {
    const mallory = person('Mallory');
    const file = await doctored((items) => {
      const i = entryIndex(items, 5);
      const e = repo.store.check(repo.store.hashId(items[i]!.bytes), items[i]!.bytes).value as Signed<CognifyObject>;
      const { sig: _s, signer: _f, ...rest } = e as unknown as Record<string, unknown>;
      items[i] = { kind: 'object', bytes: repo.store.encode(signObject(crypto, rest as unknown as CognifyObject, mallory.signer) as unknown as CognifyObject).bytes };
      return items;
    });
    await refused(file, /log entry 5 .*(a key this repository does not know|previous-entry hash)/);
  });

  it('an object with a broken signature, an object dropped, the log cut short', async () => {
    await refused(
      await doctored((items) => {
        // The first approval (found by its decoded type: ids, and so the order, differ between
        // checkouts): flip a byte inside its signature (the id changes, so its log entry no longer finds it).
        const i = items.findIndex((x) => x.kind === 'object' && repo.store.check(repo.store.hashId(x.bytes), x.bytes).value.type === 'approval');
        const approval = repo.store.check(repo.store.hashId(items[i]!.bytes), items[i]!.bytes).value as unknown as { sig: Uint8Array };
        const b = Uint8Array.from(items[i]!.bytes);
        const at = Buffer.from(b).indexOf(Buffer.from(approval.sig));
        expect(at).toBeGreaterThan(0);
        b[at + 10]! ^= 1;
        items[i] = { kind: 'object', bytes: b };
        return items;
      }),
      /not in this repository|signature|SIGNATURE/,
    );
    await refused(await doctored((items) => items.filter((_, k) => k !== 0)), /not in this repository|does not hold/);
    await refused(await doctored((items) => items.slice(0, entryIndex(items, 10))), /manifest says \d+ log entries but the bundle holds 10/);
  });

  it('a manifest signed by a stranger, or carrying a forged checkpoint', async () => {
    const m = (await bundleManifest(repo.store, repo.id, ada.signer, repo.now())) as unknown as Record<string, unknown>;
    const { sig: _s, signer: _f, ...unsigned } = m;
    await refused(await doctored((x) => x, signObject(crypto, unsigned as unknown as CognifyObject, person('Mallory').signer)), /manifest's signature does not verify/);
    const cp = String(unsigned.checkpoint).split('\n');
    cp[2] = Buffer.alloc(32, 7).toString('base64');
    await refused(await doctored((x) => x, signObject(crypto, { ...unsigned, checkpoint: cp.join('\n') } as unknown as CognifyObject, ada.signer)), /does not verify|checkpoint/i);
  });

  it('items added, dropped or reordered by someone who rewrote the trailer: the seal does not verify', async () => {
    const junk = { kind: 'chunk' as const, bytes: crypto.randomBytes(100) };
    const mallory = person('Mallory').signer;
    await refused(await doctored((items) => [junk, ...items], undefined, mallory), /bundle's seal .* does not verify: items were changed, added, dropped or reordered/);
    await refused(await doctored((items) => [junk, ...items], undefined, null), /bundle's seal .* does not verify/);
    // Two chunks swapped: every object still arrives before the entry that names it.
    const swapped = await doctored((items) => {
      const c = items.flatMap((x, k) => (x.kind === 'chunk' ? [k] : []));
      [items[c[0]!], items[c[1]!]] = [items[c[1]!]!, items[c[0]!]!];
      return items;
    }, undefined, mallory);
    await refused(swapped, /bundle's seal .* does not verify/);
    // The same edits sealed by the manifest's signer pass the seal: it is what binds the items to the signer.
    expect(await verifyBundle(await doctored((items) => [junk, ...items]))).toMatchObject({ ok: true });
  });

  it('leave an existing repository exactly as it was when refused', async () => {
    const dir = join(t.dir, 'untouched');
    await importBundle(full, dir);
    const r = await openRepo({ dir });
    const before = await snapshot(r);
    await r.close();
    const bad = await doctored((items) => items.filter((_, k) => k !== 3));
    await expect(importBundle(bad, dir)).rejects.toThrow();
    const after = await openRepo({ dir });
    expect(await snapshot(after)).toBe(before);
    expect(await after.verify()).toMatchObject({ ok: true });
    await after.close();
  });
});
