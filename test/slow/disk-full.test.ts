// A real full disk (issue 9, point 6): a repository on a 2 MB tmpfs, a commit bigger than the
// room left. Needs a machine that lets this process mount a tmpfs (root in a container usually
// may); npm test covers the same path by injecting the failure (test/store/write-failures.test.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envFor, expectError, expectOk, makeKey, run, Sandbox } from '../cli/_run.js';

const sb = new Sandbox();
let mnt: string;
let home: string;
beforeAll(async () => {
  mnt = await sb.dir('cognify-disk-full-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`this test needs a 2 MB tmpfs and cannot mount one here (${(e as Error).message.split('\n')[0]}); run it as root, or rely on test/store/write-failures.test.ts`);
  }
  home = await sb.dir('cognify-disk-full-home-');
  await makeKey(home, 'Ada Lovelace', 'ada@example.org');
});
afterAll(async () => {
  execFileSync('umount', [mnt], { stdio: 'ignore' });
  await sb.cleanup();
});

describe('a full disk', () => {
  it('refuses a commit with one clear line, and the repository verifies once there is room', async () => {
    const cli = (args: string[]) => run(['--as', 'ada@example.org', ...args], { cwd: mnt, env: envFor(home) });
    expectOk(await cli(['init', join(mnt, 'r'), '--name', 'small']));
    const big = join(await sb.dir('cognify-disk-full-data-'), 'big.csv');
    const rows = ['id,blob'];
    // Incompressible (LevelDB compresses with Snappy): 3 MB of random base64.
    for (let i = 0; i < 30_000; i++) rows.push(`${i},${randomBytes(75).toString('base64')}`);
    await writeFile(big, rows.join('\n') + '\n');
    const message = expectError(await cli(['-C', join(mnt, 'r'), 'dataset', 'commit', 'big', big, '--key', 'id']), 'IO_FAILED', 10);
    expect(message).toMatch(/^the disk is full \(.*No space left on device\); the action did not happen/);
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    expectOk(await cli(['-C', join(mnt, 'r'), 'verify']));
    expect(expectOk(await cli(['-C', join(mnt, 'r'), 'dataset', 'list'])).stdout).toMatch(/No datasets yet/);
    expectOk(await cli(['-C', join(mnt, 'r'), 'dataset', 'commit', 'big', big, '--key', 'id']));
    expectOk(await cli(['-C', join(mnt, 'r'), 'verify']));
  });
});
