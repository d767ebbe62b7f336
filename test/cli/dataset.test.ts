// cognify dataset commit | export | list | log | show, through the real CLI.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, snapshot } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const V1 = resolve('fixtures/datasets/credit-decisions.v1.csv');
const V2 = resolve('fixtures/datasets/credit-decisions.v2.csv');
const CHAT = resolve('fixtures/datasets/support-chat.v1.jsonl');
const PROVENANCE = resolve('fixtures/datasets/credit-decisions.provenance.yaml');
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
    expect(j).toMatchObject({ name: 'credit', number: 1, rows: 300, bytes: readFileSync(V1).length, created: true });
    expect(j.chunks).toBeGreaterThanOrEqual(1); // how many depends on the chunker's target size
    expect(j.newChunks).toBe(j.chunks);
    for (const k of ['version', 'name', 'number', 'rows', 'bytes', 'sha256', 'chunks', 'newChunks', 'newBytes']) expect(j).toHaveProperty(k);
    expect(j.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const h = expectOk(await cli(['dataset', 'commit', 'credit', V2, '-m', 'November']));
    expect(h.stdout).toMatch(/^Committed credit version 2: 302 rows, /);
  });

  it('re-committing identical bytes says so and changes nothing', async () => {
    const before = await snapshot(dir);
    const r = expectOk(await cli(['dataset', 'commit', 'credit', V2]));
    expect(r.stdout).toMatch(/already has exactly these bytes; nothing committed/);
    expect(r.stdout).not.toMatch(/not recorded/);
    // What else the command asked to record is not silently dropped: it says so.
    const asked = expectOk(await cli(['dataset', 'commit', 'credit', V2, '-m', 'again', '--source', 'LOS export']));
    expect(asked.stdout).toContain('\n  provenance, -m not recorded: a version is made only when the bytes change\n');
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

/** Physical lines: 1 header; C-0012's first row spans lines 3-4 (a quoted newline). */
const KEYED = ['id,region,note', 'C-0001,LS,ok', 'C-0012,M,"two', 'lines"', 'C-0003,LS,ok', 'C-0012,M,again', 'C-0004,B,ok', 'C-0003,B,dup', 'C-0012,LS,third', 'C-0005,M,ok', ''].join('\r\n');
const WARNING = 'warning: 2 key values repeat (3 extra rows), e.g. "C-0012" at lines 3, 6, 9; use --strict to refuse\n';
const MISSING_ALL_BUT_SOURCE = '  provenance: missing rights, collectionPeriod, transformations, exclusions, contact (answer with --provenance FILE or flags; see cognify dataset commit --help)';
/** Sublevels a refused commit must leave alone (chunks of a refused file may stay, unreferenced). */
const REFERENCED = ['objects', 'refs', 'log', 'meta', 'indexes'];

describe('cognify dataset commit --key', () => {
  it('records the key and warns about repeated keys on stderr, with --json carrying them', async () => {
    const path = join(out, 'keyed.csv');
    writeFileSync(path, KEYED);
    const r = await cli(['dataset', 'commit', 'keyed', path, '--key', 'id']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(WARNING);
    expect(r.stdout).toMatch(/^Committed keyed version 1: 8 rows, /);
    expect(r.stdout).toContain('\n  key: id\n');
    const show = okJson(await cli(['dataset', 'show', 'keyed', '--json']));
    expect(show.key).toEqual({ columns: ['id'] });

    writeFileSync(path, KEYED + 'C-0006,LS,new\r\n');
    const j = await cli(['dataset', 'commit', 'keyed', path, '--key', 'region,id', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stderr).toBe('warning: 1 key value repeats (1 extra row), e.g. ["M","C-0012"] at lines 3, 6; use --strict to refuse\n');
    const doc = JSON.parse(j.stdout);
    for (const k of ['version', 'name', 'number', 'rows', 'bytes', 'sha256', 'chunks', 'newChunks', 'newBytes']) expect(doc).toHaveProperty(k);
    expect(doc).toMatchObject({ number: 2, rows: 9, key: { columns: ['region', 'id'] }, duplicates: { keys: 1, rows: 1, examples: [{ key: ['M', 'C-0012'], lines: [3, 6] }] } });
  });

  it('reuses the previous version\'s key when --key is not given, and says so', async () => {
    const path = join(out, 'keyed.csv');
    writeFileSync(path, KEYED.replace('C-0012,LS,third', 'C-0013,LS,third') + 'C-0007,B,new\r\n');
    const r = await cli(['dataset', 'commit', 'keyed', path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\n  key: region,id (reused from version 2; --key to change it)\n');
    expect(r.stderr).toBe('warning: 1 key value repeats (1 extra row), e.g. ["M","C-0012"] at lines 3, 6; use --strict to refuse\n');
    expect(okJson(await cli(['dataset', 'show', 'keyed', '--json'])).key).toEqual({ columns: ['region', 'id'] });
  });

  it('refuses an unknown key column, changing nothing at all', async () => {
    const before = await snapshot(dir);
    const m = expectError(await cli(['dataset', 'commit', 'credit', V1, '--key', 'applicant']), 'INPUT_INVALID', 2);
    expect(m).toBe(`${V1}: key column "applicant" is not in the header; its columns are ${readFileSync(V1, 'utf8').split('\r\n')[0]!.split(',').map((c) => `"${c}"`).join(', ')}`);
    expectError(await cli(['dataset', 'commit', 'credit', V1, '--key', 'applicant_id,,age']), 'USAGE', 2);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('--strict refuses repeated keys: exit 2, one error line, no version', async () => {
    const path = join(out, 'strict.csv');
    writeFileSync(path, KEYED);
    const before = await snapshot(dir);
    const m = expectError(await cli(['dataset', 'commit', 'strict', path, '--key', 'id', '--strict']), 'INPUT_INVALID', 2);
    expect(m).toBe(`${path}: key id: 2 key values repeat (3 extra rows), e.g. "C-0012" at lines 3, 6, 9; remove the repeats, choose another --key, or commit without --strict`);
    const after = await snapshot(dir);
    for (const k of REFERENCED) expect(after[k], k).toEqual(before[k]);
    expectError(await cli(['dataset', 'show', 'strict']), 'NOT_FOUND', 3);
    const ok = okJson(await cli(['dataset', 'commit', 'strict', path, '--key', 'id,note', '--strict', '--json']));
    expect(ok).toMatchObject({ created: true, duplicates: { keys: 0, rows: 0, examples: [] } });
  });

  it('keys JSONL by a JSON pointer, and names the line of a row without it', async () => {
    const r = expectOk(await cli(['dataset', 'commit', 'chat-keyed', CHAT, '--key', '/id']));
    expect(r.stdout).toContain('\n  key: /id\n');
    const before = await snapshot(dir);
    const m = expectError(await cli(['dataset', 'commit', 'chat-uid', CHAT, '--key', '/meta/uid']), 'INPUT_INVALID', 2);
    expect(m).toMatch(new RegExp(`^${CHAT.replace(/[.]/g, '\\.')} line 1 has no value at key /meta/uid; `));
    const usage = expectError(await cli(['dataset', 'commit', 'chat-uid', CHAT, '--key', 'id']), 'USAGE', 2);
    expect(usage).toContain('--key for JSONL is a JSON pointer such as /id or /meta/uid, not "id"');
    const after = await snapshot(dir);
    for (const k of REFERENCED) expect(after[k], k).toEqual(before[k]);
  });
});

describe('cognify dataset commit provenance', () => {
  it('records a YAML file with flags over it, and lists no missing question', async () => {
    const script = join(out, 'prepare.py');
    writeFileSync(script, 'print("drop names")\n');
    const r = await cli([
      'dataset', 'commit', 'credit-prov', V1, '--key', 'applicant_id', '--provenance', PROVENANCE,
      '--source', 'LOS replay', '--consent', 'not relied on', '--team', 'Model Risk',
      '--transformation', 'dropped names', '--transformation', 'rounded income', '--code-commit', 'abc1234', '--script', script, '--derived-from', 'credit@1',
    ]);
    expectOk(r);
    expect(r.stdout).not.toContain('provenance: missing');
    const file = await import('../../src/diff/provenance.js').then((m) => m.readProvenanceFile(PROVENANCE));
    const credit1 = okJson(await cli(['dataset', 'show', 'credit@1', '--json']));
    const j = okJson(await cli(['dataset', 'show', 'credit-prov', '--json']));
    expect(j.missingProvenance).toEqual([]);
    const scriptSha = createHash('sha256').update(readFileSync(script)).digest('hex');
    const t = { codeCommit: 'abc1234', scriptSha256: scriptSha, derivedFrom: [credit1.id] };
    expect(j.provenance).toEqual({
      ...file,
      source: 'LOS replay',
      rights: { ...file.rights, consent: 'not relied on' },
      contact: { ...file.contact, team: 'Model Risk' },
      transformations: [{ description: 'dropped names', ...t }, { description: 'rounded income', ...t }],
    });
    expect(j.provenance.collectionPeriod).toEqual({ from: '2025-07-01', to: '2025-12-31' });
  });

  it('records missing answers as null, says which on commit, and dataset show lists them', async () => {
    const r = expectOk(await cli(['dataset', 'commit', 'notes', resolve('fixtures/datasets/clinical-notes.tsv'), '--source', 'EPR extract']));
    expect(r.stdout.split('\n')).toContain(MISSING_ALL_BUT_SOURCE);
    const j = okJson(await cli(['dataset', 'show', 'notes', '--json']));
    expect(j.provenance).toEqual({ source: 'EPR extract', rights: null, collectionPeriod: null, transformations: null, exclusions: null, contact: null });
    const show = expectOk(await cli(['dataset', 'show', 'notes']));
    expect(show.stdout).toContain('  provenance: missing rights, collectionPeriod, transformations, exclusions, contact; source: EPR extract');
    const part = expectOk(await cli(['dataset', 'commit', 'notes2', resolve('fixtures/datasets/clinical-notes.tsv'), '--licence', 'internal', '--collected', '2025-01-01..2025-03-31', '--contact', 'ward-data@nhs.example']));
    expect(part.stdout.split('\n')).toContain('  provenance: missing source, transformations, exclusions (answer with --provenance FILE or flags; see cognify dataset commit --help)');
  });

  it('refuses a YAML syntax error, an unknown key, a malformed --collected and an unknown --derived-from, writing nothing', async () => {
    const bad = join(out, 'bad.provenance.yaml');
    writeFileSync(bad, 'source: LOS\nrights:\n  licence: [internal\ncontact: {name: x}\n');
    const before = await snapshot(dir);
    const m = expectError(await cli(['dataset', 'commit', 'p', V1, '--provenance', bad]), 'INPUT_INVALID', 2);
    expect(m).toMatch(new RegExp(`^${bad.replace(/[.]/g, '\\.')}: YAML syntax error at line [34], column \\d+: `));
    writeFileSync(bad, 'source: LOS\nright:\n  licence: internal\n');
    expect(expectError(await cli(['dataset', 'commit', 'p', V1, '--provenance', bad, '--json']), 'INPUT_INVALID', 2, { json: true })).toBe(
      `${bad}: provenance: unknown key "right"; the keys allowed here are source, rights, collectionPeriod, transformations, exclusions, contact (line 2)`,
    );
    writeFileSync(bad, 'collectionPeriod:\n  from: 2025-07-01\n  to: 2025-06-31\n');
    expect(expectError(await cli(['dataset', 'commit', 'p', V1, '--provenance', bad]), 'INPUT_INVALID', 2)).toBe(`${bad}: provenance.collectionPeriod.to: 2025-06-31 is not a calendar date (line 3)`);
    expect(expectError(await cli(['dataset', 'commit', 'p', V1, '--collected', '2025-07..2025-12']), 'USAGE', 2)).toMatch(/^--collected must be FROM\.\.TO with dates YYYY-MM-DD/);
    expect(expectError(await cli(['dataset', 'commit', 'p', V1, '--collected', '2025-12-01..2025-07-01']), 'USAGE', 2)).toMatch(/^--collected: 2025-12-01 is after 2025-07-01/);
    expectError(await cli(['dataset', 'commit', 'p', V1, '--code-commit', 'abc1234']), 'USAGE', 2);
    expectError(await cli(['dataset', 'commit', 'p', V1, '--transformation', 'x', '--derived-from', 'nope@1']), 'NOT_FOUND', 3);
    expectError(await cli(['dataset', 'commit', 'p', V1, '--provenance', join(out, 'none.yaml')]), 'INPUT_INVALID', 2);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('documents the new options in dataset --help', async () => {
    const r = expectOk(await run(['dataset', '--help'], { cwd: dir, env: envFor(home) }));
    for (const flag of ['--key', '--strict', '--provenance FILE', '--licence', '--legal-basis', '--collected', '--transformation', '--code-commit', '--script', '--derived-from', '--exclusion', '--contact', '--team']) expect(r.stdout).toContain(flag);
  });
});

describe('cognify dataset with Parquet', () => {
  it('commits Parquet by its name, exports the exact bytes, and diffs two versions by a key column', async () => {
    const P1 = resolve('fixtures/datasets/credit-decisions.v1.parquet');
    const P2 = resolve('fixtures/datasets/credit-decisions.v2.parquet');
    const c1 = okJson(await cli(['dataset', 'commit', 'credit-pq', P1, '--key', 'applicant_id', '--json']));
    expect(c1).toMatchObject({ name: 'credit-pq', number: 1, rows: 300, bytes: readFileSync(P1).length, key: { pointer: '/applicant_id' } });
    expect(okJson(await cli(['dataset', 'commit', 'credit-pq', P2, '--json']))).toMatchObject({ number: 2, rows: 302, key: { pointer: '/applicant_id' } });
    const path = join(out, 'pq-v1.parquet');
    expectOk(await cli(['dataset', 'export', 'credit-pq@1', '-o', path]));
    expect(readFileSync(path).equals(readFileSync(P1))).toBe(true);
    // The truth of fixtures/datasets/credit-decisions.v2.changes.json (the Parquet pair is the CSV pair converted).
    const stat = okJson(await cli(['diff', 'credit-pq@1', 'credit-pq@2', '--stat', '--json']));
    expect(stat).toMatchObject({ added: 9, removed: 7, modified: 12, moved: 0, unchanged: 281 });
    expect(stat.schema).toEqual([{ op: 'schema', change: 'added', before: null, after: { path: '/model_version', type: 'string' } }]);
    // the text says every row was read, not "in 0 changed chunks"
    expect(expectOk(await cli(['diff', 'credit-pq@1', 'credit-pq@2', '--stat'])).stdout).toContain('read all 602 rows (Parquet rows are not in chunks, so none are skipped)');
  });

  it('refuses a file named .parquet that is not Parquet, writing nothing', async () => {
    const fake = join(out, 'not.parquet');
    writeFileSync(fake, 'id,x\n1,2\n');
    const before = await snapshot(dir);
    expect(expectError(await cli(['dataset', 'commit', 'fake', fake]), 'INPUT_INVALID', 2)).toContain('not a Parquet file');
    const after = await snapshot(dir);
    for (const k of REFERENCED) expect(after[k], k).toEqual(before[k]); // its chunks may stay, unreferenced (DESIGN: gc)
  });
});
