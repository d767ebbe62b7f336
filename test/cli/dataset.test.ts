// cognify dataset commit | export | list | log | show, through the real CLI.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, snapshot } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const V1 = resolve('fixtures/datasets/credit-decisions.v1.csv');
const V2 = resolve('fixtures/datasets/credit-decisions.v2.csv');
const CHAT = resolve('fixtures/datasets/support-chat.v1.jsonl');
let home: string;
let dir: string;
let out: string;
let bob: KeyInfo;
const cli = (args: string[], as = 'ada@example.org') => run(['--as', as, ...args], { cwd: dir, env: envFor(home) });

beforeAll(async () => {
  const root = await sb.dir('cognify-dataset-');
  out = await sb.dir('cognify-dataset-out-');
  home = await sb.dir('cognify-dataset-home-');
  const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
  ({ dir } = await initRepo(root, home, ada));
  await addPeople(dir, ada, [{ key: bob }]); // bob: known, no role
});

describe('cognify dataset', () => {
  it('commit --json gives the contract fields; a second version is numbered 2', async () => {
    const j = okJson(await cli(['dataset', 'commit', 'credit', V1, '-m', 'October', '--json']));
    expect(j).toMatchObject({ name: 'credit', number: 1, rows: 300, bytes: readFileSync(V1).length, chunks: 1, newChunks: 1, created: true });
    for (const k of ['version', 'name', 'number', 'rows', 'bytes', 'sha256', 'chunks', 'newChunks', 'newBytes']) expect(j).toHaveProperty(k);
    expect(j.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const h = expectOk(await cli(['dataset', 'commit', 'credit', V2, '-m', 'November']));
    expect(h.stdout).toMatch(/^Committed credit version 2: 302 rows, /);
  });

  it('re-committing identical bytes says so and changes nothing', async () => {
    const before = await snapshot(dir);
    const r = expectOk(await cli(['dataset', 'commit', 'credit', V2]));
    expect(r.stdout).toMatch(/already has exactly these bytes; nothing committed/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('export gives back the exact bytes, to a file or stdout', async () => {
    const path = join(out, 'v1.csv');
    expectOk(await cli(['dataset', 'export', 'credit@1', '-o', path]));
    expect(readFileSync(path).equals(readFileSync(V1))).toBe(true);
    const r = expectOk(await cli(['dataset', 'export', 'credit']));
    expect(r.raw.equals(readFileSync(V2))).toBe(true);
  });

  it('list, log and show', async () => {
    expectOk(await cli(['dataset', 'commit', 'chat', CHAT, '--source', 'synthetic support tickets']));
    const list = okJson<any[]>(await cli(['dataset', 'list', '--json']));
    expect(list.map((d) => [d.name, d.number]).sort()).toEqual([
      ['chat', 1],
      ['credit', 2],
    ]);
    const log = okJson<any[]>(await cli(['dataset', 'log', 'credit', '--json']));
    expect(log.map((v) => [v.number, v.message, v.author])).toEqual([
      [2, 'November', 'ada@example.org'],
      [1, 'October', 'ada@example.org'],
    ]);
    const show = expectOk(await cli(['dataset', 'show', 'chat']));
    expect(show.stdout).toContain('jsonl, 200 rows');
    expect(show.stdout).toContain('provenance: missing rights, collectionPeriod, transformations, exclusions, contact; source: synthetic support tickets');
    const j = okJson(await cli(['dataset', 'show', 'credit@1', '--json']));
    expect(j).toMatchObject({ name: 'credit', number: 1, format: 'csv', missingProvenance: ['source', 'rights', 'collectionPeriod', 'transformations', 'exclusions', 'contact'] });
    expectOk(await cli(['verify']));
  });

  it('refuses bad input, unknown refs and committers without a data role, writing nothing', async () => {
    const before = await snapshot(dir);
    const m = expectError(await cli(['dataset', 'commit', 'bad', resolve('test/fixtures/csv/bad-unterminated-quote.csv')]), 'INPUT_INVALID', 2);
    expect(m).toContain('bad-unterminated-quote.csv: unterminated quote opened at line 3, column 3');
    expectError(await cli(['dataset', 'commit', 'x', V1], 'bob@example.org'), 'ROLE_MISSING', 6);
    expectError(await cli(['dataset', 'commit', 'x', join(out, 'missing.csv')]), 'INPUT_INVALID', 2);
    expectError(await cli(['dataset', 'commit', 'x', V1, '--format', 'xml']), 'USAGE', 2);
    expectError(await cli(['dataset', 'export', 'credit@9', '-o', join(out, 'nine.csv')]), 'NOT_FOUND', 3);
    expectError(await cli(['dataset', 'show', 'nope']), 'NOT_FOUND', 3);
    expectError(await cli(['dataset', 'frobnicate']), 'USAGE', 2);
    // chunks of a refused file may remain unreferenced (DESIGN: gc removes them); refs, log and objects do not change
    const after = await snapshot(dir);
    for (const k of ['objects', 'refs', 'log', 'meta', 'indexes']) expect(after[k], k).toEqual(before[k]);
    expect(() => readFileSync(join(out, 'nine.csv'))).toThrow();
    expectOk(await cli(['verify']));
  });
});
