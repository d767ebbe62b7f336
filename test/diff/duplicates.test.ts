// The duplicate-key detector: exact counts and examples on small inputs; on 50,000 keys with
// known repeats, the in-memory path, the spill path (partition files) and the split path
// (partitions split again) all give the answer a plain Map gives; temporary files are removed,
// on success and when the pass is abandoned.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateDetector, describeDuplicates, _keyHash, type DuplicateOptions, type DuplicateReport } from '../../src/diff/duplicates.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cognify-dups-test-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function detect(keys: Iterable<[string, unknown, number]>, opts: DuplicateOptions = {}): Promise<{ report: DuplicateReport; stats: DuplicateDetector['stats'] }> {
  const d = new DuplicateDetector({ tmpDir: tmp, ...opts });
  try {
    let n = 0;
    for (const [id, shown, line] of keys) {
      d.add(id, shown, line);
      if (++n % 1000 === 0) await d.drain(); // as ingest does between chunks
    }
    const report = await d.finish();
    return { report, stats: d.stats };
  } finally {
    await d.close();
  }
}

/** The answer computed the obvious way, all in memory. */
function reference(keys: [string, unknown, number][]): DuplicateReport {
  const seen = new Map<string, { shown: unknown; lines: number[] }>();
  for (const [id, shown, line] of keys) {
    const e = seen.get(id);
    if (e) e.lines.push(line);
    else seen.set(id, { shown, lines: [line] });
  }
  const repeated = [...seen.values()].filter((e) => e.lines.length > 1);
  return {
    keys: repeated.length,
    rows: repeated.reduce((s, e) => s + e.lines.length - 1, 0),
    examples: repeated
      .sort((a, b) => a.lines[1]! - b.lines[1]!)
      .slice(0, 5)
      .map((e) => ({ key: e.shown, lines: e.lines.slice(0, 5) })),
  };
}

/** 50,000 rows: 47,200 ids C-000000 ..., of which 700 come back 1 to 7 extra times (2,800 extra rows) at scattered lines. */
function generated(): [string, unknown, number][] {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const ids = Array.from({ length: 47_200 }, (_, i) => `C-${String(i).padStart(6, '0')}`);
  const rows = [...ids];
  for (let k = 0; k < 700; k++) {
    const at = (k * 61) % ids.length; // 61 is prime to 47,200: 700 distinct ids
    for (let j = 0; j <= k % 7; j++) rows.splice(at + 1 + Math.floor(rand() * (rows.length - at)), 0, ids[at]!);
  }
  return rows.map((id, i) => [id, id, i + 2]);
}

describe('DuplicateDetector', () => {
  it('counts distinct repeated keys and extra rows, with examples in order of second occurrence', async () => {
    const rows: [string, unknown, number][] = [
      ['a', 'a', 2],
      ['b', 'b', 3],
      ['c', 'c', 5],
      ['b', 'b', 6],
      ['a', 'a', 9],
      ['b', 'b', 10],
      ['d', 'd', 11],
    ];
    const { report } = await detect(rows);
    expect(report).toEqual({
      keys: 2,
      rows: 3,
      examples: [
        { key: 'b', lines: [3, 6, 10] },
        { key: 'a', lines: [2, 9] },
      ],
    });
    expect((await detect(rows.filter(([id]) => id !== 'a' && id !== 'b'))).report).toEqual({ keys: 0, rows: 0, examples: [] });
  });

  it('keeps five examples and five lines each; composite keys are shown as arrays', async () => {
    const rows: [string, unknown, number][] = [];
    let line = 2;
    for (let r = 0; r < 8; r++) for (let k = 0; k < 7; k++) rows.push([JSON.stringify(['LS', `k${k}`]), ['LS', `k${k}`], line++]);
    const { report } = await detect(rows);
    expect(report.keys).toBe(7);
    expect(report.rows).toBe(7 * 7);
    expect(report.examples.map((e) => e.key)).toEqual([0, 1, 2, 3, 4].map((k) => ['LS', `k${k}`]));
    expect(report.examples[0]!.lines).toEqual([2, 9, 16, 23, 30]);
  });

  it('gives the same answer in memory, spilled to partitions, and with partitions split again', async () => {
    const rows = generated();
    const want = reference(rows);
    expect(rows).toHaveLength(50_000);
    expect(want.keys).toBe(700);
    expect(want.rows).toBe(2800);

    const inMemory = await detect(rows);
    expect(inMemory.stats).toMatchObject({ spilledRows: 0, splits: 0 });
    expect(inMemory.report).toEqual(want);

    // 64 KiB: a 4,096-slot table (2,867 keys), the other ~48,500 rows go to 64 partition files
    const spilled = await detect(rows, { memoryBytes: 64 * 1024 });
    expect(spilled.stats.spilledRows).toBeGreaterThan(45_000);
    expect(spilled.stats.splits).toBe(0);
    // the 64 partitions reuse the frozen table's array: tables made only while it grew (1,024 → 4,096 slots)
    expect(spilled.stats.tables).toBe(3);
    expect(spilled.report).toEqual(want);

    // 4 KiB and 4 partitions: ~12,000 records a partition, far over budget, so each is split (and split again)
    const split = await detect(rows, { memoryBytes: 4096, partitions: 4 });
    expect(split.stats.splits).toBeGreaterThanOrEqual(4);
    expect(split.stats.tables).toBe(1);
    expect(split.report).toEqual(want);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('removes its temporary directory when the pass is abandoned', async () => {
    const d = new DuplicateDetector({ tmpDir: tmp, memoryBytes: 1024, partitions: 2 });
    for (let i = 0; i < 20_000; i++) d.add(`k${i}`, `k${i}`, i + 1);
    await d.drain();
    expect((await readdir(tmp)).length).toBe(1);
    await d.close();
    expect(await readdir(tmp)).toEqual([]);
  });

  it('hashes keys to 64 bits without collisions on 300,000 similar ids', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300_000; i++) {
      const [hi, lo] = _keyHash(`APP-${i}`);
      seen.add(`${hi}:${lo}`);
    }
    expect(seen.size).toBe(300_000);
    expect(_keyHash('ab')).not.toEqual(_keyHash('ba'));
    expect(_keyHash('')).not.toEqual(_keyHash('\u0000'));
    expect(_keyHash('C-0012')).toEqual(_keyHash('C-0012'));
  });

  it('describes a report in one line', () => {
    expect(describeDuplicates({ keys: 3, rows: 5, examples: [{ key: 'C-0012', lines: [14, 90] }] })).toBe('3 key values repeat (5 extra rows), e.g. "C-0012" at lines 14, 90');
    expect(describeDuplicates({ keys: 1, rows: 1, examples: [{ key: ['M', 7], lines: [3, 6] }] })).toBe('1 key value repeats (1 extra row), e.g. ["M",7] at lines 3, 6');
  });
});
