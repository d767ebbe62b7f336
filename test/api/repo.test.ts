// The trust rules through the public API, on a real LevelDB: who may do what, at which point
// of the log; and that every refused action leaves the repository exactly as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRepo } from '../../src/api/open-repo.js';
import type { Repo } from '../../src/api/repo.js';
import { CognifyError } from '../../src/core/errors.js';
import { signObject } from '../../src/chain/signed-object.js';
import { readHead, stageAppend, stageCheckpoint } from '../../src/chain/audit-log.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { nobleProvider } from '../../src/chain/noble-provider.js';
import { consistencyProof, inclusionProof, verifyInclusion, verifyConsistency, leafHash } from '../../src/chain/merkle.js';
import { verifyNote } from '../../src/chain/signed-note.js';
import { noteKeyName } from '../../src/chain/audit-log.js';
import { fromHex } from '../../src/core/bytes.js';
import type { CognifyObject } from '../../src/store/object-codec.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const bob = person('Bob');
const eve = person('Eve');

async function refused(repo: Repo, p: () => Promise<unknown>): Promise<CognifyError> {
  const before = await snapshot(repo);
  let err: unknown;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CognifyError);
  expect(await snapshot(repo)).toBe(before);
  return err as CognifyError;
}

describe('repository trust rules', () => {
  let repo: Repo;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    repo = await newRepo(t.dir, ada);
  });
  afterEach(async () => {
    await repo.close();
    await cleanup();
  });

  it('makes the creator the first admin, logged as entry 0 with a checkpoint', async () => {
    expect(await repo.identities()).toMatchObject([{ email: 'ada@example.org', roles: ['admin'], revoked: false }]);
    const entries = [];
    for await (const e of repo.log()) entries.push(e.entry);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ seq: 0, action: 'repo.init', prev: null, signer: ada.signer.fingerprint, repo: repo.id });
    expect(entries[0]!.subjects[0]).toBe(repo.id);
    const cp = verifyNote(nodeProvider, await repo.checkpoint(), noteKeyName(ada.signer.fingerprint), ada.signer.publicKey);
    expect(cp.size).toBe(1);
    expect((await repo.verify()).ok).toBe(true);
  });

  it('grants and revokes roles only for admins, and only for known keys', async () => {
    expect((await refused(repo, () => repo.grantRole({ who: bob.email, role: 'compliance', signer: ada.signer }))).code).toBe('KEY_UNKNOWN');
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    const g = await repo.grantRole({ who: bob.email, role: 'compliance', signer: ada.signer });
    expect((await repo.getObject(g.grant)).value).toMatchObject({ type: 'role-grant', role: 'compliance', subject: bob.signer.fingerprint, repo: repo.id });
    // Bob holds compliance, not admin: he cannot grant
    await repo.addIdentity({ identity: eve.identity, signer: bob.signer });
    expect((await refused(repo, () => repo.grantRole({ who: eve.email, role: 'admin', signer: bob.signer }))).code).toBe('ROLE_MISSING');
    // Eve has no role at all: she cannot even add an identity
    expect((await refused(repo, () => repo.addIdentity({ identity: person('Mallory').identity, signer: eve.signer }))).code).toBe('ROLE_MISSING');
    expect((await refused(repo, () => repo.grantRole({ who: bob.email, role: 'compliance', signer: ada.signer }))).code).toBe('POLICY_VIOLATION');
    expect((await refused(repo, () => repo.grantRole({ who: bob.email, role: 'janitor', signer: ada.signer }))).code).toBe('INPUT_INVALID');
    expect((await refused(repo, () => repo.addIdentity({ identity: bob.identity, signer: ada.signer }))).code).toBe('POLICY_VIOLATION');
    await repo.revokeRole({ who: bob.email, role: 'compliance', signer: ada.signer });
    expect(await repo.hasRole(bob.signer.fingerprint, 'compliance')).toBe(false);
    expect((await refused(repo, () => repo.revokeRole({ who: bob.email, role: 'compliance', signer: ada.signer }))).code).toBe('POLICY_VIOLATION');
    expect((await refused(repo, () => repo.revokeRole({ who: ada.email, role: 'admin', signer: ada.signer }))).message).toMatch(/last admin/);
    expect((await repo.verify()).ok).toBe(true);
  });

  it('judges a signature by the role its key held at that point of the log', async () => {
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    await repo.grantRole({ who: bob.email, role: 'admin', signer: ada.signer });
    await repo.addIdentity({ identity: eve.identity, signer: bob.signer }); // fine: Bob is admin now
    await repo.revokeRole({ who: bob.email, role: 'admin', signer: ada.signer });
    expect((await refused(repo, () => repo.grantRole({ who: eve.email, role: 'compliance', signer: bob.signer }))).code).toBe('ROLE_MISSING');
    // the earlier action by Bob still verifies: he held the role then
    const r = await repo.verify();
    expect(r).toMatchObject({ ok: true, logEntries: 5 });
  });

  it('refuses a revoked key, and verify flags a forged entry appended with it', async () => {
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    await repo.grantRole({ who: bob.email, role: 'admin', signer: ada.signer });
    await repo.revokeKey({ who: bob.email, reason: 'laptop stolen', signer: ada.signer });
    expect((await refused(repo, () => repo.addIdentity({ identity: eve.identity, signer: bob.signer }))).code).toBe('KEY_REVOKED');
    expect((await refused(repo, () => repo.revokeKey({ who: ada.email, signer: ada.signer }))).message).toMatch(/last admin/);
    expect((await repo.identities()).find((k) => k.email === bob.email)).toMatchObject({ revoked: true, revokedAt: 3 });

    // A thief with Bob's key writes a perfectly chained entry, leaf, head and checkpoint straight
    // into the store, bypassing the rules. verify must name that entry and why.
    const head = await readHead(repo.store);
    const tx = repo.store.begin();
    const idObj = tx.putObject(eve.identity as unknown as CognifyObject);
    const entry = signObject(
      nodeProvider,
      { type: 'log-entry', v: 1, repo: repo.id, seq: head.size, time: '2026-01-01T00:00:00.000Z', action: 'identity.add', subjects: [idObj.id], details: {}, prev: head.head } as CognifyObject,
      bob.signer,
    );
    const enc = repo.store.encode(entry);
    const next = stageAppend(tx, head, enc.bytes, enc.id);
    stageCheckpoint(tx, repo.id, next, bob.signer);
    await tx.commit();
    const r = await repo.verify();
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ where: `log entry ${head.size}`, code: 'KEY_REVOKED' });
  });

  it('proves inclusion and consistency against its checkpoints', async () => {
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    for (const role of ['compliance', 'model-risk', 'data-steward', 'ml-engineer'] as const) await repo.grantRole({ who: bob.email, role, signer: ada.signer });
    const size = await repo.logSize();
    expect(size).toBe(6);
    const cp = verifyNote(nodeProvider, await repo.checkpoint(), noteKeyName(ada.signer.fingerprint), ada.signer.publicKey);
    for (let seq = 0; seq < size; seq++) {
      const p = await repo.logProof(seq);
      const e = await repo.logEntry(seq);
      expect(p.leafHash).toBe(Buffer.from(leafHash(nodeProvider, e.bytes)).toString('hex'));
      expect(verifyInclusion(nodeProvider, fromHex(p.leafHash), seq, size, p.proof.map(fromHex), cp.root)).toBe(true);
    }
    for (let m = 1; m <= size; m++) {
      const c = await repo.logConsistency(m);
      expect(verifyConsistency(nodeProvider, m, size, c.proof.map(fromHex), fromHex(c.oldRoot), cp.root)).toBe(true);
    }
    // The message names the range that is valid (entries from 0, sizes from 1), not an off-by-one count.
    await expect(repo.logProof(size)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('entry 6 is out of range: the log has 6 entries, numbered from 0 to 5') });
    await expect(repo.logProof(3, 3)).rejects.toMatchObject({ message: expect.stringContaining('entry 3 is out of range: a tree of size 3 holds entries 0 to 2') });
    await expect(repo.logProof(0, 7)).rejects.toMatchObject({ message: expect.stringContaining('tree size 7 is out of range: the log has 6 entries, so sizes run from 1 to 6') });
    await expect(repo.logConsistency(0)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('old size 0 is out of range: sizes run from 1 to the new size, 6') });
    await expect(repo.logConsistency(size + 1)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('proves from stored subtrees, O(log² n) reads a proof, and still proves a log indexed before them', async () => {
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    for (let i = 0; i < 34; i++) {
      await repo.grantRole({ who: bob.email, role: 'compliance', signer: ada.signer });
      await repo.revokeRole({ who: bob.email, role: 'compliance', signer: ada.signer });
    }
    const size = await repo.logSize();
    expect(size).toBe(70);
    const leaves: Uint8Array[] = [];
    for await (const e of repo.log()) leaves.push(leafHash(nodeProvider, e.bytes));
    const hex = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));
    const expected = async () => {
      for (const [seq, n] of [[0, 70], [37, 70], [69, 70], [12, 41], [40, 41], [63, 64]] as const) {
        expect((await repo.logProof(seq, n)).proof, `${seq}/${n}`).toEqual(hex(inclusionProof(nodeProvider, leaves, seq, n)));
      }
      for (const [m, n] of [[1, 70], [33, 70], [64, 70], [7, 9]] as const) {
        expect((await repo.logConsistency(m, n)).proof, `${m}→${n}`).toEqual(hex(consistencyProof(nodeProvider, leaves, m, n)));
      }
    };
    // what a proof reads: the leaf index and the subtree index, a few keys, never every leaf
    const indexes = repo.store.sub.indexes;
    const getMany = indexes.getMany.bind(indexes);
    let reads = 0;
    Object.assign(indexes, { getMany: (keys: string[]) => ((reads += keys.length), getMany(keys)) });
    await repo.logProof(37);
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(8 * 8); // (height 7 + 1)²
    await expected();
    expect((await repo.verify()).ok).toBe(true);

    // A log written before the subtree index: proofs hash the leaves instead, and verify passes.
    const nodeKeys: string[] = [];
    for await (const k of indexes.keys({ gte: 'node/', lt: 'node/\uffff' })) nodeKeys.push(k);
    expect(nodeKeys.length).toBe(67); // every interior node of the perfect subtrees: 70 − popcount(70)
    const saved = await getMany(nodeKeys);
    await repo.store.write(nodeKeys.map((key) => ({ type: 'del' as const, sublevel: indexes, key })));
    await expected();
    expect((await repo.verify()).ok).toBe(true);

    // A changed subtree hash is named by verify.
    await repo.store.write(nodeKeys.map((key, i) => ({ type: 'put' as const, sublevel: indexes, key, value: saved[i]! })));
    const changed = Uint8Array.from(saved[5]!);
    changed[0]! ^= 1;
    await indexes.put(nodeKeys[5]!, changed);
    const r = await repo.verify();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.where)).toContain(`index ${nodeKeys[5]}`);
  });

  it('verifies identically with the portable (noble) provider', async () => {
    await repo.addIdentity({ identity: bob.identity, signer: ada.signer });
    await repo.grantRole({ who: bob.email, role: 'compliance', signer: ada.signer });
    const dir = repo.dir;
    const native = await repo.verify();
    await repo.close();
    repo = await openRepo({ dir, crypto: nobleProvider });
    expect(await repo.verify()).toEqual(native);
  });
});

describe('opening repositories', () => {
  it('finds the repository upward, refuses a non-repository, and waits for then refuses a held lock', async () => {
    const t = await tempDir();
    try {
      await expect(openRepo({ dir: t.dir })).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
      const repo = await newRepo(t.dir, ada);
      await expect(newRepo(t.dir, bob)).rejects.toMatchObject({ code: 'REPO_EXISTS' });
      const { mkdir } = await import('node:fs/promises');
      await mkdir(`${t.dir}/a/b`, { recursive: true });
      let waited = false;
      const started = Date.now();
      await expect(openRepo({ dir: `${t.dir}/a/b`, lockTimeoutMs: 300, onWait: () => (waited = true) })).rejects.toMatchObject({ code: 'REPO_LOCKED' });
      expect(waited).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      await repo.close();
      const again = await openRepo({ dir: `${t.dir}/a/b` });
      expect(again.id).toBe(repo.id);
      await again.close();
    } finally {
      await t.cleanup();
    }
  });

  it('a waiting opener gets the repository once the holder closes it', async () => {
    const t = await tempDir();
    try {
      const repo = await newRepo(t.dir, ada);
      const waiting = openRepo({ dir: t.dir, lockTimeoutMs: 5000 });
      setTimeout(() => void repo.close(), 200);
      const second = await waiting;
      expect(second.id).toBe(repo.id);
      await second.close();
    } finally {
      await t.cleanup();
    }
  });
});
