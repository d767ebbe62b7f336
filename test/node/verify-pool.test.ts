// Signature checks on worker threads give exactly the main thread's verdicts, and `verify`
// reports the same problems, in the same order, with or without them. The workers run the
// compiled worker script: npm test builds dist/ before vitest runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Level } from 'level';
import { createVerifyPool, type VerifyPool } from '../../src/node/verify-pool.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { openRepo } from '../../src/api/open-repo.js';
import { rules } from '../../src/api/repo.js';
import { verifyRepository } from '../../src/chain/verify-repo.js';
import { dbPath } from '../../src/node/repo-dir.js';
import { decode, encode, type CborValue } from '../../src/core/cbor.js';
import { newRepo, person, tempDir } from '../_fixtures.js';

const workerUrl = new URL('../../dist/src/node/verify-worker.js', import.meta.url);
let pool: VerifyPool;

beforeAll(() => {
  const p = createVerifyPool({ size: 2, workerUrl });
  if (!p) throw new Error('dist/src/node/verify-worker.js is missing: run npm run build (npm test does)');
  pool = p;
});
afterAll(() => pool.close());

describe('verify pool', () => {
  it('gives the verdicts of nodeProvider for valid, altered and malformed signatures', async () => {
    const seed = new Uint8Array(32).fill(9);
    const pk = nodeProvider.ed25519PublicKey(seed);
    const jobs = [];
    for (let i = 0; i < 300; i++) {
      const message = new Uint8Array(i * 3).fill(i & 0xff);
      let sig = nodeProvider.ed25519Sign(message, seed);
      let publicKey = pk;
      if (i % 5 === 1) (sig = sig.slice())[i % 64]! ^= 1; // altered signature
      if (i % 7 === 2) (publicKey = pk.slice())[0]! ^= 0x80; // altered key
      if (i % 11 === 3) sig = sig.slice(0, 63); // too short: must not shift the packing
      if (i % 13 === 4) publicKey = new Uint8Array(33); // too long
      jobs.push({ sig, message, publicKey });
    }
    const expected = jobs.map((j) => nodeProvider.ed25519Verify(j.sig, j.message, j.publicKey));
    expect(expected.filter(Boolean).length).toBeGreaterThan(100);
    expect(expected.filter((v) => !v).length).toBeGreaterThan(100);
    expect(await pool.verifyMany(jobs)).toEqual(expected);
    expect(await pool.verifyMany([])).toEqual([]);
  });

  it('verify reports the same with the pool as without, on a sound and on a forged log', async () => {
    const t = await tempDir();
    try {
      const ada = person('Ada');
      const repo = await newRepo(t.dir, ada);
      for (const n of ['Bob', 'Cy', 'Dee']) await repo.addIdentity({ identity: person(n).identity, signer: ada.signer });
      await repo.close();
      const both = async () => {
        const r = await openRepo({ dir: t.dir });
        try {
          const inline = await verifyRepository({ store: r.store, rules });
          const pooled = await verifyRepository({ store: r.store, rules, verifyMany: pool.verifyMany });
          return { inline, pooled };
        } finally {
          await r.close();
        }
      };
      const sound = await both();
      expect(sound.inline.ok).toBe(true);
      expect(sound.pooled).toEqual(sound.inline);

      // flip one bit of entry 2's signature
      const db = new Level<string, Uint8Array>(dbPath(t.dir), { valueEncoding: 'view' });
      await db.open();
      const log = db.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' });
      const entry = decode((await log.get('000000000002'))!) as { sig: Uint8Array };
      entry.sig[10]! ^= 1;
      await log.put('000000000002', encode(entry as unknown as CborValue));
      await db.close();
      const forged = await both();
      expect(forged.inline.ok).toBe(false);
      expect(forged.inline.problems[0]).toMatchObject({ where: 'log entry 2', code: 'SIGNATURE_INVALID' });
      expect(forged.pooled).toEqual(forged.inline);
    } finally {
      await t.cleanup();
    }
  });
});
