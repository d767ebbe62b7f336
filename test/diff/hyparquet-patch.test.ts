// The defects fixed in vendor/hyparquet (vendor/hyparquet/PATCHES.md), found by fuzzing Parquet
// input (issue 9, point 2). Each was a loop that a damaged page kept busy for minutes, so every case
// runs where a hang can be stopped: the decoder in a worker thread that is terminated at a
// deadline, the CLI as a subprocess with a timeout. A hang fails the test instead of stalling it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../cli/_run.js';
import { tempDir } from '../_fixtures.js';

const DEADLINE_MS = 10_000;

/** readRleBitPackedHybrid over `bytes` into an array of `n`, in a worker with 256 MB of heap, terminated at the deadline. */
function decodeHybrid(bytes: number[], width: number, n: number): Promise<unknown[]> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.url).then(({ readRleBitPackedHybrid }) => {
       const b = Uint8Array.from(workerData.bytes);
       const out = new Array(workerData.n);
       readRleBitPackedHybrid({ view: new DataView(b.buffer), offset: 0 }, workerData.width, out, b.length);
       parentPort.postMessage(Array.from(out));
     });`,
    { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256 }, workerData: { url: pathToFileURL(resolve('node_modules/hyparquet/src/encoding.js')).href, bytes, width, n } },
  );
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      fail(new Error(`the decoder was still running after ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    worker.once('message', (m: unknown[]) => {
      clearTimeout(timer);
      void worker.terminate();
      ok(m);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
  });
}

/** Unsigned LEB128, as Parquet's hybrid run headers. */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n % 128) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return out;
}

describe('the run-length / bit-packed hybrid decoder', () => {
  it('decodes a valid stream: a run, then a bit-packed group', async () => {
    // a run of 3 ones, then one group of 8 values of width 2: 0,1,2,3,0,1,2,3
    const stream = [...varint(3 << 1), 1, ...varint((1 << 1) | 1), 0b11100100, 0b11100100];
    expect(await decodeHybrid(stream, 2, 11)).toEqual([1, 1, 1, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('a run claiming 2^31 values fills the output and stops', async () => {
    expect(await decodeHybrid([...varint((2 ** 31 - 1) * 2), 1], 1, 10)).toEqual(Array(10).fill(1));
  });

  it('a bit-packed header claiming billions of values of width 0 fills the output and stops', async () => {
    // width 0 reads no bytes, so only the count could end the group
    expect(await decodeHybrid([...varint(2 ** 28 - 1), 0], 0, 10)).toEqual(Array(10).fill(0));
    // header 2^31 - 1: (header >> 1) << 3 overflows to -8, which counting down never reaches 0
    await expect(decodeHybrid([...varint(2 ** 31 - 1), 0], 0, 10)).rejects.toThrow(/outside the bounds/);
  });
});

describe('a Parquet page header missing its required counts', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cognify-hyparquet-'));
  });
  afterAll(() => cleanup());

  // Flipping one byte of a DATA_PAGE_V2 header's num_values (found with fuzz seed 114036871) ended
  // the struct early: the level lengths were undefined, the reader's offset became NaN, every read
  // returned byte 0, and a run of length 0 repeated forever.
  it.each([
    ['row group 0, column sex', 1277, 0xf5, 'Parquet row group 0 (rows 1–100) cannot be decoded (parquet page header num_nulls is undefined, not a count: the page is damaged)'],
    ['row group 1', 5354, 0x54, 'Parquet row group 1 (rows 101–200) cannot be decoded (parquet page header num_nulls is undefined, not a count: the page is damaged)'],
  ])('%s: one error line and exit 2, not a hang', async (_label, at, value, message) => {
    const valid = readFileSync(resolve('fixtures/datasets/credit-decisions.v1.parquet'));
    const bad = Uint8Array.from(valid);
    bad[at] = value;
    const file = join(dir, `damaged-${at}.parquet`);
    await writeFile(file, bad);
    const r = await runWithDeadline([BIN, 'diff', resolve('fixtures/datasets/credit-decisions.v1.parquet'), file, '--stat']);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });
});

function runWithDeadline(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`cognify ${args.slice(1).join(' ')} was still running after ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stderr });
    });
  });
}
