// cognify bundle create | verify | import through the real CLI: the JSON contract of issue 7,
// a damaged bundle refused with exit codes, and the target left as it was.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ada, buildRecord } from '../cards/_record.js';
import { envFor, expectError, identityOf, makeKey, okJson, run, Sandbox, withRepo } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());
let home: string;
let dir: string;
let scratch: string;
const cli = (args: string[]) => run(['--as', 'rita@example.org', ...args], { cwd: scratch, env: envFor(home) });

beforeAll(async () => {
  home = await sb.dir('cognify-bundle-home-');
  scratch = await sb.dir('cognify-bundle-scratch-');
  const root = await sb.dir('cognify-bundle-');
  dir = join(root, 'online');
  await (await buildRecord(dir, join(root, 'code'))).close();
  const rita = await makeKey(home, 'Rita Reviewer', 'rita@example.org');
  const identity = await identityOf(rita);
  await withRepo(dir, (r) => r.addIdentity({ identity, signer: ada.signer }));
}, 120_000);

describe('cognify bundle', () => {
  it('creates, verifies and imports with the contract fields', async () => {
    const file = join(scratch, 'record.bundle');
    const c = okJson(await cli(['-C', dir, '--json', 'bundle', 'create', file]));
    expect(c).toMatchObject({ bundle: file, objects: expect.any(Number), bytes: readFileSync(file).length });
    expect(c.refs).toEqual(expect.arrayContaining(['datasets/credit-decisions', 'runs/credit-lora']));
    expect(okJson(await cli(['--json', 'bundle', 'verify', file]))).toMatchObject({ ok: true, objects: c.objects, problems: [] });
    const target = join(scratch, 'airgap');
    const i = okJson(await cli(['--json', 'bundle', 'import', file, target]));
    expect(i).toMatchObject({ imported: c.objects, skipped: 0 });
    expect(i.refs).toEqual(expect.arrayContaining([{ name: 'runs/credit-lora', from: null, to: expect.stringMatching(/^sha256:/) }]));
    expect(okJson(await cli(['-C', target, '--json', 'bundle', 'import', file]))).toMatchObject({ imported: 0, skipped: c.objects, refs: [] });
    const v = await cli(['-C', target, 'verify']);
    expect(v.code).toBe(0);
    // The online side moves on; only the new part travels, and is checked against the copy.
    const since = await withRepo(dir, (r) => r.logSize());
    await withRepo(dir, (r) => r.datasets.commit({ name: 'chat', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer }));
    const inc = join(scratch, 'inc.bundle');
    const ci = okJson(await cli(['-C', dir, '--json', 'bundle', 'create', inc, '--since', String(since)]));
    expect(ci.objects).toBeLessThan(c.objects);
    expect((await cli(['--json', 'bundle', 'verify', inc])).code).toBe(1);
    expect(okJson(await cli(['-C', target, '--json', 'bundle', 'verify', inc]))).toMatchObject({ ok: true });
    expect(okJson(await cli(['-C', target, '--json', 'bundle', 'import', inc])).refs).toEqual([{ name: 'datasets/chat', from: null, to: expect.stringMatching(/^sha256:/) }]);
    expect(expectError(await cli(['-C', dir, 'bundle', 'create', inc, '--since', 'lots']), 'INPUT_INVALID', 2)).toMatch(/not a log size, a remote's name, or a checkpoint file/);
    // Part of the record: one run and what it references, checked without a repository.
    const part = join(scratch, 'run.bundle');
    const p = okJson(await cli(['-C', dir, '--json', 'bundle', 'create', part, '--refs', 'credit-lora']));
    expect(p).toMatchObject({ bundle: part, refs: ['runs/credit-lora'] });
    expect(p.objects).toBeLessThan(c.objects);
    expect(okJson(await cli(['--json', 'bundle', 'verify', part]))).toMatchObject({ ok: true, partial: true, objects: p.objects });
    expect((await cli(['bundle', 'verify', part])).stdout).toMatch(/ok — part of repository sha256:\w+ \(runs\/credit-lora\)/);
    expectError(await cli(['-C', dir, 'bundle', 'create', part, '--refs', 'credit-lora', '--since', '3']), 'USAGE', 2);
    expectError(await cli(['-C', dir, 'bundle', 'create', inc, '--since', '100000']), 'INPUT_INVALID', 2);
  });

  it('refuses a damaged bundle: verify exits 1 naming the byte, import exits 11 and creates nothing', async () => {
    const file = join(scratch, 'record.bundle');
    const bad = join(scratch, 'damaged.bundle');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x20;
    writeFileSync(bad, bytes);
    const v = await cli(['--json', 'bundle', 'verify', bad]);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, problems: [expect.stringMatching(/byte \d+/)] });
    const target = join(scratch, 'never');
    expectError(await cli(['bundle', 'import', bad, target]), 'BUNDLE_INVALID', 11);
    expect(existsSync(join(target, '.cognify'))).toBe(false);
    expectError(await cli(['bundle', 'import', join(scratch, 'absent.bundle'), target]), 'BUNDLE_INVALID', 11);
    expectError(await cli(['bundle', 'unpack', file]), 'USAGE', 2);
    // Without <dir>, outside any repository: refused, and nothing is created in the current directory.
    expectError(await cli(['bundle', 'import', file]), 'REPO_NOT_FOUND', 8);
    expect(existsSync(join(scratch, '.cognify'))).toBe(false);
    expectError(await cli(['-C', dir, 'bundle', 'create', join(scratch, 'no', 'dir', 'x.bundle')]), 'INPUT_INVALID', 2);
  });
});
