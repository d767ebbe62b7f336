// Verify's set of log subject ids (src/chain/subject-ids.ts): exact membership whether the ids sit
// in the table or were spilled to sorted runs, and the runs as files (src/node/id-runs.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import type { ObjectId } from '../../src/core/ids.js';
import { SubjectIds, type IdRuns } from '../../src/chain/subject-ids.js';
import { fileIdRuns } from '../../src/node/id-runs.js';
import { newRepo, person, tempDir } from '../_fixtures.js';

/** Runs kept in memory, read back in blocks of `block` ids. */
function memoryRuns(block = 3): IdRuns & { written: Uint8Array[]; closed: boolean } {
  const written: Uint8Array[] = [];
  const runs = {
    written,
    closed: false,
    write: async (run: Uint8Array) => void written.push(run.slice()),
    read: () =>
      written.map(async function* (run) {
        for (let o = 0; o < run.length; o += block * 32) yield run.subarray(o, o + block * 32);
      }).map((g) => g as AsyncIterator<Uint8Array>),
    close: async () => void (runs.closed = true),
  };
  return runs;
}

const hexId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
const idOf = (hex: string) => `sha256:${hex}` as ObjectId;

describe('SubjectIds', () => {
  it('answers membership exactly, in the table or spilled to runs, for ids asked in ascending order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hexId, { maxLength: 60 }),
        fc.array(hexId, { maxLength: 20 }),
        fc.constantFrom(1, 2, 4, 8, 1024),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        async (added, others, maxSlots, block, together) => {
          // repeats and the all-zero id are the edge cases of a table keyed on the hash words
          const list = [...added, ...added.slice(0, 5), '0'.repeat(64)];
          const runs = memoryRuns(block);
          const s = new SubjectIds(runs, maxSlots);
          // the replay adds an entry's subjects without waiting for each
          if (together) await Promise.all(list.map((hex) => s.add(idOf(hex))));
          else for (const hex of list) await s.add(idOf(hex));
          const want = new Set(list);
          if (want.size > maxSlots * 0.7 + 1) expect(s.runCount).toBeGreaterThan(0);
          for (const run of runs.written) {
            const ids = Array.from({ length: run.length / 32 }, (_, i) => toHex(run.subarray(i * 32, i * 32 + 32)));
            expect(ids).toEqual([...ids].sort());
          }
          for (const hex of [...new Set([...list, ...others])].sort()) expect(await s.has(hex)).toBe(want.has(hex));
          await s.close();
          expect(runs.closed).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('knows the ids added since the last spill, so the replay loads a repeated subject once until then', async () => {
    const s = new SubjectIds(memoryRuns(), 4);
    const ids = ['1', '2', '3', '4'].map((d) => idOf(d.repeat(64)));
    for (const id of ids.slice(0, 2)) await s.add(id);
    expect(s.recent(ids[0]!)).toBe(true);
    expect(s.recent(ids[2]!)).toBe(false);
    await s.add(ids[2]!); // the third id fills a 4-slot table past 0.7: the two before it are spilled
    expect(s.runCount).toBe(1);
    expect(s.recent(ids[0]!)).toBe(false);
    expect(s.recent(ids[2]!)).toBe(true);
    expect(await s.has(idOf('1'.repeat(64)).slice(7))).toBe(true);
  });

  it('takes only a power of two for its table size (the slot is the hash masked by it)', () => {
    for (const bad of [0, 3, 1000, 1.5, -4]) expect(() => new SubjectIds(memoryRuns(), bad)).toThrow(`subjectSlots must be a power of two, got ${bad}`);
  });

  it('holds everything in the table when it is given nowhere to spill', async () => {
    const s = new SubjectIds(undefined, 4);
    for (let i = 0; i < 100; i++) await s.add(idOf(i.toString(16).padStart(64, '0')));
    expect(s.runCount).toBe(0);
    expect(await s.has((99).toString(16).padStart(64, '0'))).toBe(true);
    expect(await s.has((100).toString(16).padStart(64, '0'))).toBe(false);
  });
});

describe('fileIdRuns', () => {
  it('writes each run to a file in a temporary directory, reads it back in order, and removes it on close', async () => {
    const t = await tempDir();
    try {
      const runs = fileIdRuns({ tmpDir: t.dir });
      expect(await readdir(t.dir)).toEqual([]); // nothing made before the first run
      const a = new Uint8Array(32 * 5000).map((_, i) => i % 251);
      const b = new Uint8Array(32 * 3).fill(7);
      await runs.write(a);
      await runs.write(b);
      const [made] = await readdir(t.dir);
      expect(made).toMatch(/^cognify-verify-/);
      const back = await Promise.all(
        runs.read().map(async (it) => {
          const parts: number[] = [];
          for (let r = await it.next(); !r.done; r = await it.next()) {
            expect(r.value.length % 32).toBe(0);
            parts.push(...r.value);
          }
          return Uint8Array.from(parts);
        }),
      );
      expect(back).toEqual([a, b]);
      // a run left half read (the objects ended first) is closed by SubjectIds.close, then removed
      const half = runs.read()[0]!;
      await half.next();
      await half.return?.();
      await runs.close();
      expect(await readdir(t.dir)).toEqual([]);
    } finally {
      await t.cleanup();
    }
  });

  it('names the directory and what to do when it cannot write there', async () => {
    const runs = fileIdRuns({ tmpDir: '/nonexistent/cognify-test' });
    await expect(runs.write(new Uint8Array(32))).rejects.toMatchObject({
      code: 'IO_FAILED',
      message: expect.stringMatching(/^cannot write verify's temporary files in \/nonexistent\/cognify-test: .*ENOENT.*; set TMPDIR to a writable directory/),
    });
    await runs.close();
  });

  it('fails verify with that error, not a log problem, when its runs cannot be written', async () => {
    const t = await tempDir();
    const ada = person('Ada');
    const repo = await newRepo(t.dir, ada);
    try {
      for (const n of ['Bob', 'Cy', 'Dee']) await repo.addIdentity({ identity: person(n).identity, signer: ada.signer });
      expect((await repo.verify({ subjectSlots: 2, idRuns: fileIdRuns({ tmpDir: t.dir }) })).ok).toBe(true);
      await expect(repo.verify({ subjectSlots: 2, idRuns: fileIdRuns({ tmpDir: join(t.dir, 'missing') }) })).rejects.toMatchObject({ code: 'IO_FAILED', message: expect.stringContaining("cannot write verify's temporary files") });
    } finally {
      await repo.close();
      await t.cleanup();
    }
  });
});
