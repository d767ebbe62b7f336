// Parallel file hashing gives node:crypto's digests in job order, on worker threads and on the
// calling thread alike; reports progress up to the total; refuses a file that changes while it is
// read; and leaves no thread behind on error or abort. The workers run the compiled worker
// script: npm test builds dist/ before vitest runs.
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _plan, hashFiles, INLINE_TOTAL_BYTES, type HashJob } from '../../src/node/hash-pool.js';
import { tempDir } from '../_fixtures.js';

const workerUrl = new URL('../../dist/src/node/hash-worker.js', import.meta.url);
const MiB = 1 << 20;

let root: string;
let cleanup: () => Promise<void>;
let files: HashJob[];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const expected = (jobs: HashJob[]) => jobs.map((j) => ({ size: j.size, sha256: sha(readFileSync(j.path)) }));

function file(name: string, bytes: Uint8Array): HashJob {
  const path = join(root, name);
  writeFileSync(path, bytes);
  return { path, size: bytes.length };
}

/** A file of zeros that costs no disk (a hole), for slow reads with a small buffer. */
function sparse(name: string, size: number): HashJob {
  const path = join(root, name);
  writeFileSync(path, '');
  truncateSync(path, size);
  return { path, size };
}

/** Threads of this process (Linux), to see that workers are gone. */
function threads(): number | undefined {
  if (!existsSync('/proc/self/status')) return undefined;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : undefined;
}

async function threadsBackTo(baseline: number | undefined): Promise<void> {
  if (baseline === undefined) return;
  // terminate() has resolved before hashFiles settles; allow the OS a moment to reap the thread.
  for (let i = 0; i < 50 && threads()! > baseline; i++) await new Promise((r) => setTimeout(r, 10));
  expect(threads()).toBeLessThanOrEqual(baseline);
}

beforeAll(async () => {
  if (!existsSync(workerUrl)) throw new Error('dist/src/node/hash-worker.js is missing: run npm run build (npm test does)');
  const t = await tempDir();
  root = t.dir;
  cleanup = t.cleanup;
  // Job order differs from size order.
  files = [
    file('empty', new Uint8Array(0)),
    file('one', Uint8Array.of(0x61)),
    file('big', randomBytes(24 * MiB + 7)),
    file('small', randomBytes(3 * MiB + 1)),
    file('middle', randomBytes(9 * MiB)),
    file('three-reads-of-1000', randomBytes(3000)), // with bufferBytes 1000: the end is a read of 0
  ];
});
afterAll(() => cleanup());

describe('hashFiles', () => {
  it('gives node:crypto digests and sizes in job order, on workers and on the calling thread', async () => {
    const want = expected(files);
    expect(want[0]!.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await hashFiles(files, { workerUrl, workers: 2 })).toEqual(want);
    expect(await hashFiles(files, { workerUrl, workers: 1, bufferBytes: 1000 })).toEqual(want);
    expect(await hashFiles(files, { workers: 0 })).toEqual(want);
    // From TypeScript sources the default worker script is absent: the calling thread does it all.
    expect(await hashFiles(files)).toEqual(want);
    expect(await hashFiles([])).toEqual([]);
  });

  it('reports progress that only grows and ends once at the total', async () => {
    for (const o of [{ workerUrl, workers: 2 }, { workers: 0 }]) {
      const calls: [number, number][] = [];
      await hashFiles(files, { ...o, onProgress: (d, t) => calls.push([d, t]) });
      const total = files.reduce((n, j) => n + j.size, 0);
      expect(calls.length).toBeGreaterThan(1);
      expect(calls.every(([, t]) => t === total)).toBe(true);
      expect(calls.every(([d], i) => i === 0 || d > calls[i - 1]![0])).toBe(true);
      expect(calls.at(-1)).toEqual([total, total]);
    }
    const empty: [number, number][] = [];
    await hashFiles([files[0]!], { onProgress: (d, t) => empty.push([d, t]) });
    expect(empty).toEqual([[0, 0]]);
  });

  it('batches small files: 200 tiny files and two large ones make three units, largest first', async () => {
    const jobs: HashJob[] = Array.from({ length: 200 }, (_, i) => ({ path: `f${i}`, size: i * 10 }));
    jobs.push({ path: 'a', size: 5 * MiB }, { path: 'b', size: 50 * MiB });
    const units = _plan(jobs);
    expect(units.map((u) => u.bytes)).toEqual([50 * MiB, 5 * MiB, 199_000]);
    expect(units[2]!.jobs).toHaveLength(200);
    const tiny = Array.from({ length: 200 }, (_, i) => file(`tiny-${i}`, randomBytes(i)));
    const mixed = [...tiny, files[2]!, files[4]!];
    expect(await hashFiles(mixed, { workerUrl, workers: 2 })).toEqual(expected(mixed));
    expect(await hashFiles(mixed, { workerUrl })).toEqual(expected(mixed)); // below INLINE_TOTAL_BYTES: calling thread
  });

  it('starts workers by default only above INLINE_TOTAL_BYTES', async () => {
    const before = threads();
    if (before === undefined) return;
    const peak = async (jobs: HashJob[]) => {
      let max = 0;
      await hashFiles(jobs, { workerUrl, bufferBytes: 64 * 1024, onProgress: () => (max = Math.max(max, threads()!)) });
      return max;
    };
    expect(await peak([sparse('below', INLINE_TOTAL_BYTES - 1)])).toBeLessThanOrEqual(before);
    expect(await peak([sparse('above-1', INLINE_TOTAL_BYTES), sparse('above-2', INLINE_TOTAL_BYTES)])).toBeGreaterThan(before);
  });

  it('refuses a file that shrinks, grows or differs from its listed size, on workers and on the calling thread', async () => {
    for (const o of [{ workerUrl, workers: 1 }, { workers: 0 }]) {
      for (const change of ['shrink', 'grow'] as const) {
        const big = sparse(`moving-${change}`, 256 * MiB);
        let touched = false;
        const onProgress = () => {
          if (touched) return;
          touched = true;
          if (change === 'shrink') truncateSync(big.path, MiB);
          else appendFileSync(big.path, 'more');
        };
        await expect(hashFiles([big, files[1]!], { ...o, bufferBytes: 64 * 1024, onProgress })).rejects.toMatchObject({
          code: 'INPUT_INVALID',
          message: expect.stringContaining(`${big.path} changed while it was hashed`),
        });
        expect(touched).toBe(true);
      }
      await expect(hashFiles([{ ...files[2]!, size: files[2]!.size - 1 }], o)).rejects.toMatchObject({ code: 'INPUT_INVALID', data: { path: files[2]!.path } });
      await expect(hashFiles([{ path: join(root, 'nope'), size: 40 * MiB }], o)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('rejects promptly on abort, and on error, with every worker gone', async () => {
    await hashFiles(files, { workerUrl, workers: 2 }); // the thread pool and V8 helpers are up
    const baseline = threads();
    const big = [sparse('slow-1', 512 * MiB), sparse('slow-2', 512 * MiB)];
    const ac = new AbortController();
    let abortedAt = 0;
    const run = hashFiles(big, {
      workerUrl,
      workers: 2,
      bufferBytes: 4096,
      signal: ac.signal,
      onProgress: () => {
        if (!abortedAt) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    await threadsBackTo(baseline);

    const missing = [files[2]!, { path: join(root, 'gone'), size: 30 * MiB }, files[4]!];
    await expect(hashFiles(missing, { workerUrl, workers: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await threadsBackTo(baseline);

    const boom = new Error('progress bar broke');
    await expect(hashFiles(files, { workerUrl, workers: 2, onProgress: () => { throw boom; } })).rejects.toBe(boom);
    await threadsBackTo(baseline);

    const aborted = AbortSignal.abort();
    await expect(hashFiles(files, { workerUrl, signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('checks its arguments', async () => {
    await expect(hashFiles([{ path: '', size: 1 }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashFiles([{ path: 'x', size: -1 }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashFiles([{ path: 'x', size: 1.5 }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashFiles(files, { workers: -1 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(hashFiles(files, { bufferBytes: 0 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
