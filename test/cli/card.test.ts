// cognify card through the real CLI over the fixture repository: the JSON contract of issue 6,
// --check as a pipeline gate, files written with -o, committed documents that rebuild byte for
// byte, and every bad request as one error line with the repository unchanged.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { ada, buildRecord } from '../cards/_record.js';
import { envFor, expectError, expectOk, identityOf, makeKey, okJson, run, Sandbox, snapshot, withRepo } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());
const ANSWERS = resolve('fixtures/cards/credit-lora.answers.yaml');
let home: string;
let dir: string;
let scratch: string;
let rita: KeyInfo;
let sam: KeyInfo;

const cli = (args: string[], as = 'rita@example.org') => run(['-C', dir, '--as', as, ...args], { cwd: scratch, env: envFor(home) });

beforeAll(async () => {
  home = await sb.dir('cognify-card-home-');
  scratch = await sb.dir('cognify-card-scratch-');
  const root = await sb.dir('cognify-card-');
  dir = join(root, 'record');
  const repo = await buildRecord(dir, join(root, 'code'));
  await repo.close();
  rita = await makeKey(home, 'Rita Reviewer', 'rita@example.org');
  sam = await makeKey(home, 'Sam Checker', 'sam@example.org');
  const identities = [await identityOf(rita), await identityOf(sam)];
  await withRepo(dir, async (r) => {
    for (const identity of identities) await r.addIdentity({ identity, signer: ada.signer });
    await r.grantRole({ who: rita.fingerprint, role: 'ml-engineer', signer: ada.signer });
    await r.grantRole({ who: sam.fingerprint, role: 'compliance', signer: ada.signer });
  });
}, 120_000);

describe('cognify card', () => {
  it('gives the JSON contract: kind, subject id, sections, missing, evidence', async () => {
    const j = okJson(await cli(['card', 'model-card', 'credit-lora', '--format', 'json', '--json']));
    expect(j).toMatchObject({ kind: 'model-card', subject: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(Array.isArray(j.sections) && j.sections.length).toBeGreaterThan(5);
    expect(j.missing.length).toBeGreaterThan(0);
    for (const e of j.evidence) expect(Object.keys(e)).toEqual(expect.arrayContaining(['id', 'type']));
  });

  it('--check lists what is MISSING and exits 1 until the answers fill it', async () => {
    const without = join(scratch, 'partial.yaml');
    writeFileSync(without, readFileSync(ANSWERS, 'utf8').replace(/^outOfScopeUse:[^\n]*\n(  [^\n]*\n)*/m, ''));
    const r = await cli(['card', 'model-card', 'credit-lora', '--check', '--json', '--answers', without]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ complete: false, missing: [{ section: 'Uses', item: 'Out-of-scope use' }] });
    expect(okJson(await cli(['card', 'model-card', 'credit-lora', '--check', '--json', '--answers', ANSWERS]))).toEqual({ complete: true, missing: [] });
    const text = await cli(['card', 'sr11-7', 'credit-lora', '--check']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^sr11-7 for run credit-lora@3: \d+ required items? MISSING\n {2}\S/);
  });

  it('writes Markdown to stdout, and HTML with -o as one self-contained file', async () => {
    const md = await cli(['card', 'annex-xi', 'credit-lora', '--answers', ANSWERS]);
    expectOk(md);
    expect(md.stdout).toMatch(/^# /);
    const out = join(scratch, 'card.html');
    const r = expectOk(await cli(['card', 'model-card', 'credit-lora', '--answers', ANSWERS, '--format', 'html', '-o', out]));
    expect(r.stdout).toMatch(/^Wrote the model-card of run credit-lora@3 to .*card\.html \(html, \d+ sections, \d+ evidence objects, 3 signatures\)\n$/);
    const html = readFileSync(out, 'utf8');
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
  });

  it('commits a document that can be shown, rebuilt byte for byte, and approved', async () => {
    const c = okJson(await cli(['--json', 'card', 'commit', 'model-card', 'credit-lora', '--answers', ANSWERS]));
    expect(c).toMatchObject({ kind: 'model-card', unchanged: false, document: expect.stringMatching(/^sha256:/) });
    const shown = expectOk(await cli(['card', 'show', c.document]));
    expect(shown.stdout).toBe(expectOk(await cli(['card', 'model-card', 'credit-lora', '--answers', ANSWERS])).stdout);
    expect(expectOk(await cli(['card', 'verify', c.document])).stdout).toMatch(/byte for byte identical/);
    const again = okJson(await cli(['--json', 'card', 'commit', 'model-card', 'credit-lora', '--answers', ANSWERS]));
    expect(again).toMatchObject({ unchanged: true, document: c.document });
    // Rita wrote it, so she cannot approve it; Sam (compliance) can.
    expectError(await cli(['approve', c.document, '--meaning', 'approved', '--role', 'ml-engineer', '--yes']), 'POLICY_VIOLATION', 6);
    expectOk(await cli(['approve', c.document, '--meaning', 'approved', '--comment', 'model card reviewed', '--yes'], 'sam@example.org'));
    expect(expectOk(await cli(['verify'])).stdout).toMatch(/OK|ok|passed/i);
  });

  it('refuses bad requests with one error line and changes nothing', async () => {
    const before = await snapshot(dir);
    const bad = join(scratch, 'bad.yaml');
    writeFileSync(bad, 'intendedUse: fine\nlimitatons: typo\n');
    expect(expectError(await cli(['card', 'model-card', 'credit-lora', '--answers', bad]), 'INPUT_INVALID', 2)).toMatch(/bad\.yaml:2:1: limitatons: unknown answer "limitatons"/);
    expectError(await cli(['card', 'commit', 'model-card', 'credit-lora', '--answers', bad]), 'INPUT_INVALID', 2);
    expect(expectError(await cli(['card', 'model-kard', 'credit-lora']), 'USAGE', 2)).toMatch(/unknown document kind "model-kard"; the kinds are model-card, annex-xi/);
    expect(expectError(await cli(['card', 'datasheet', 'credit-lora']), 'INPUT_INVALID', 2)).toMatch(/a datasheet document is about a dataset version/);
    expectError(await cli(['card', 'model-card', 'no-such-run']), 'NOT_FOUND', 3);
    expectError(await cli(['card', 'model-card', 'credit-lora', '--format', 'pdf']), 'USAGE', 2);
    expectError(await cli(['card', 'model-card', 'credit-lora', '--answers', join(scratch, 'absent.yaml')]), 'NOT_FOUND', 3);
    expect(expectError(await cli(['card', 'model-card', 'credit-lora', '-o', join(scratch, 'no', 'such', 'dir', 'x.md')]), 'INPUT_INVALID', 2)).toMatch(/its folder does not exist/);
    expect(existsSync(join(scratch, 'no'))).toBe(false);
    expect(await snapshot(dir)).toEqual(before);
  });
});
