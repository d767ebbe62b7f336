// The tamper suite: build a repository, then change what is stored directly through `level`
// (one byte of each value in turn, a deleted entry, two swapped entries, a signature replaced by
// a valid one from another key) and show that `verify` fails and names the damaged record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Level } from 'level';
import { openRepo } from '../../src/api/open-repo.js';
import { dbPath } from '../../src/node/repo-dir.js';
import { SUBLEVELS } from '../../src/store/store.js';
import { decode, encode, type CborValue } from '../../src/core/cbor.js';
import { signObject } from '../../src/chain/signed-object.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import type { VerifyReport } from '../../src/chain/verify-repo.js';
import type { CognifyObject } from '../../src/store/object-codec.js';
import { newRepo, person, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const others = ['Bob', 'Cy', 'Dee', 'Eli', 'Fay'].map((n) => person(n));

let dir: string;
let cleanup: () => Promise<void>;

async function withLevel<T>(fn: (db: Level<string, Uint8Array>) => Promise<T>): Promise<T> {
  const db = new Level<string, Uint8Array>(dbPath(dir), { valueEncoding: 'view', createIfMissing: false });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `subjectSlots: 2` makes verify spill the log's subject ids to sorted runs after every id or two. */
async function verify(opts: { subjectSlots?: number } = {}): Promise<VerifyReport> {
  const repo = await openRepo({ dir });
  try {
    return await repo.verify(opts);
  } finally {
    await repo.close();
  }
}

/** Every stored record as [sublevel, key]. */
async function allRecords(): Promise<[string, string][]> {
  return withLevel(async (db) => {
    const out: [string, string][] = [];
    for (const name of SUBLEVELS) for await (const k of db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' }).keys()) out.push([name, k]);
    return out;
  });
}

/** What verify must mention for a damaged record. */
function expectedMention(sub: string, key: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  switch (sub) {
    case 'objects':
      return new RegExp(`sha256:${key}`);
    case 'log':
      return new RegExp(`^log entry ${Number(key)}$`);
    case 'indexes':
      return new RegExp(`^index ${esc(key.startsWith('leaf/') ? `leaf/${Number(key.slice(5))}` : key)}$`);
    case 'meta':
      if (key === 'repo') return /^meta repo$/;
      if (key === 'log/head') return /^meta log\/head$/;
      if (key === 'checkpoint') return /^latest checkpoint$/;
      return new RegExp(`^checkpoint at size ${Number(key.split('/')[1])}$`);
    default:
      throw new Error(`unexpected sublevel ${sub}`);
  }
}

function mentions(r: VerifyReport, re: RegExp): boolean {
  return r.problems.some((p) => re.test(p.where) || re.test(p.what));
}

beforeAll(async () => {
  const t = await tempDir();
  dir = t.dir;
  cleanup = t.cleanup;
  const repo = await newRepo(dir, ada);
  for (const p of others) await repo.addIdentity({ identity: p.identity, signer: ada.signer });
  await repo.grantRole({ who: others[0]!.email, role: 'admin', signer: ada.signer });
  for (const [i, role] of (['compliance', 'model-risk', 'privacy-officer', 'ml-engineer'] as const).entries()) {
    await repo.grantRole({ who: others[i + 1]!.email, role, signer: others[0]!.signer });
  }
  await repo.revokeRole({ who: others[1]!.email, role: 'compliance', signer: ada.signer });
  await repo.revokeKey({ who: others[4]!.email, reason: 'left the company', signer: ada.signer });
  await repo.close();
  expect((await verify()).ok).toBe(true);
});

afterAll(() => cleanup());

describe('tamper suite', () => {
  it('detects one flipped byte in every stored value, and names the record', async () => {
    const records = await allRecords();
    expect(records.length).toBeGreaterThan(60);
    const missed: string[] = [];
    for (const [sub, key] of records) {
      const original = await withLevel((db) => db.sublevel<string, Uint8Array>(sub, { valueEncoding: 'view' }).get(key));
      const bytes = new Uint8Array(original!);
      // a position that depends on the key, so different records are hit in different places
      const pos = nodeProvider.sha256(new TextEncoder().encode(key))[0]! % bytes.length;
      bytes[pos]! ^= 0x01;
      await withLevel((db) => db.sublevel<string, Uint8Array>(sub, { valueEncoding: 'view' }).put(key, bytes));
      // and again with the subject ids spilled to runs, which the last phase merges with the objects
      const reports = [await verify(), await verify({ subjectSlots: 2 })];
      await withLevel((db) => db.sublevel<string, Uint8Array>(sub, { valueEncoding: 'view' }).put(key, original!));
      for (const r of reports) if (r.ok || !mentions(r, expectedMention(sub, key))) missed.push(`${sub}/${key} byte ${pos}: ${JSON.stringify(r.problems.slice(0, 2))}`);
    }
    expect(missed).toEqual([]);
    const clean = await verify();
    expect(clean.ok).toBe(true);
    expect(await verify({ subjectSlots: 2 })).toEqual(clean);
  });

  it('detects a deleted log entry', async () => {
    const key = '000000000004';
    const original = await withLevel((db) => db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' }).get(key));
    await withLevel((db) => db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' }).del(key));
    const r = await verify();
    await withLevel((db) => db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' }).put(key, original!));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ where: 'log entry 4', code: 'LOG_BROKEN' });
  });

  it('detects two swapped log entries', async () => {
    const log = (db: Level<string, Uint8Array>) => db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' });
    const [a, b] = await withLevel(async (db) => [await log(db).get('000000000005'), await log(db).get('000000000006')]);
    await withLevel(async (db) => {
      await log(db).put('000000000005', b!);
      await log(db).put('000000000006', a!);
    });
    const r = await verify();
    await withLevel(async (db) => {
      await log(db).put('000000000005', a!);
      await log(db).put('000000000006', b!);
    });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ where: 'log entry 5', code: 'LOG_BROKEN' });
  });

  it('detects a signature replaced by a valid signature from another key', async () => {
    const log = (db: Level<string, Uint8Array>) => db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' });
    const key = '000000000008';
    const original = (await withLevel((db) => log(db).get(key)))!;
    const entry = decode(original) as CognifyObject & { sig: Uint8Array; signer: string };
    const { sig: _sig, signer: _signer, ...unsigned } = entry;
    // entry 8 is one of Bob's grants; Ada (also an admin) and Dee (no admin) are other known keys
    expect(entry.signer).toBe(others[0]!.signer.fingerprint);
    // (a) a valid signature by Ada over this entry as she would have signed it, pasted under Bob's name
    const adaSig = signObject(nodeProvider, unsigned as CognifyObject, ada.signer).sig;
    const forgedA = encode({ ...entry, sig: adaSig } as CborValue);
    // (b) the whole entry re-signed by Dee (signer field changed too)
    const forgedB = encode(signObject(nodeProvider, unsigned as CognifyObject, others[2]!.signer) as CborValue);
    // (c) re-signed by Ada, a real admin: signature and role pass, but the grant it logs is
    //     signed by Bob, so the entry no longer matches its subject
    const forgedC = encode(signObject(nodeProvider, unsigned as CognifyObject, ada.signer) as CborValue);
    const expected = [
      ['log entry 8', 'SIGNATURE_INVALID'],
      ['log entry 8', 'ROLE_MISSING'],
      ['log entry 8', 'LOG_BROKEN'],
    ];
    for (const [i, forged] of [forgedA, forgedB, forgedC].entries()) {
      await withLevel((db) => log(db).put(key, forged));
      const r = await verify();
      await withLevel((db) => log(db).put(key, original));
      expect(r.ok).toBe(false);
      expect([r.problems[0]!.where, r.problems[0]!.code]).toEqual(expected[i]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('detects an object deleted from under the log', async () => {
    const repo = await openRepo({ dir });
    const e = await repo.logEntry(2);
    await repo.close();
    const hex = e.entry.subjects[0]!.slice('sha256:'.length);
    const original = await withLevel((db) => db.sublevel<string, Uint8Array>('objects', { valueEncoding: 'view' }).get(hex));
    await withLevel((db) => db.sublevel<string, Uint8Array>('objects', { valueEncoding: 'view' }).del(hex));
    const r = await verify();
    await withLevel((db) => db.sublevel<string, Uint8Array>('objects', { valueEncoding: 'view' }).put(hex, original!));
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ where: 'log entry 2', code: 'NOT_FOUND' });
  });
});

describe('records beyond the end of the log', () => {
  it('flags a leaf index record or a checkpoint for an entry that does not exist', async () => {
    for (const [sub, key, where] of [
      ['indexes', 'leaf/000000009999', 'index leaf/000000009999'],
      ['meta', 'checkpoint/000000009999', 'checkpoint at size 9999'],
    ] as const) {
      await withLevel((db) => db.sublevel<string, Uint8Array>(sub, { valueEncoding: 'view' }).put(key, new Uint8Array(32)));
      const r = await verify();
      await withLevel((db) => db.sublevel<string, Uint8Array>(sub, { valueEncoding: 'view' }).del(key));
      expect(r.ok).toBe(false);
      expect(r.problems.map((p) => p.where)).toContain(where);
    }
    expect((await verify()).ok).toBe(true);
  });
});
