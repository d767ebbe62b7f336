// The entry point, bin/cognify.cjs: it gives libuv's threadpool one thread unless the user chose a
// size (docs/ARCHITECTURE.md, CLI: each pool thread that allocates gets its own glibc arena, which
// keeps what it freed). Seen from outside, as the threads of a running `cognify serve`: the pool
// is made when the repository is opened, so it is there by the time the address is printed.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepo, makeKey, Sandbox, startServe, stop } from './_run.js';

const sb = new Sandbox();
let home: string;
let dir: string;

beforeAll(async () => {
  const root = await sb.dir();
  home = await sb.dir('cognify-cli-home-');
  const admin = await makeKey(home, 'Ada', 'ada@example.org');
  ({ dir } = await initRepo(root, home, admin));
});
afterAll(() => sb.cleanup());

/** The number of threads of a `cognify serve` started with `env`, once it is listening. */
async function servingThreads(env: Record<string, string>): Promise<number> {
  const { child } = await startServe(dir, { COGNIFY_HOME: home, ...env });
  try {
    return (await readdir(`/proc/${child.pid}/task`)).length;
  } finally {
    await stop(child);
  }
}

describe.runIf(existsSync('/proc/self/task'))('bin/cognify.cjs', () => {
  it('runs libuv threadpool with one thread, and keeps a size the user set', async () => {
    const own = await servingThreads({});
    const four = await servingThreads({ UV_THREADPOOL_SIZE: '4' });
    const two = await servingThreads({ UV_THREADPOOL_SIZE: '2' });
    // the pool's threads are the only difference
    expect(four - own).toBe(3);
    expect(two - own).toBe(1);
  }, 30_000);
});
