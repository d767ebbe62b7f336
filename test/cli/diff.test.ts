// cognify diff through the real CLI (STYLE.md point 9): the contract JSON of --stat --json and the
// records of --format jsonl against the fixtures' ground truth (fixtures/datasets/*.changes.json),
// refs to committed versions and plain files, text/csv/html output, --limit and --exit-code, the
// atomic -o, Parquet, and every bad input with its exit code, one error line and the repository
// unchanged.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowChange } from '../../src/diff/changes.js';
import { BIN, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, show, snapshot, type RunResult } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const FIX = resolve('fixtures/datasets');
const V1 = join(FIX, 'credit-decisions.v1.csv');
const V2 = join(FIX, 'credit-decisions.v2.csv');
const P1 = join(FIX, 'credit-decisions.v1.parquet');
const P2 = join(FIX, 'credit-decisions.v2.parquet');
const CHAT1 = join(FIX, 'support-chat.v1.jsonl');
const CHAT2 = join(FIX, 'support-chat.v2.jsonl');

interface Truth {
  modified: string[];
  inserted: string[];
  deleted: string[];
  moved: string[];
}
const CREDIT: Truth = JSON.parse(readFileSync(join(FIX, 'credit-decisions.v2.changes.json'), 'utf8'));
const CHAT: Truth = JSON.parse(readFileSync(join(FIX, 'support-chat.v2.changes.json'), 'utf8'));

let home: string;
let dir: string; // the repository, and the cwd of most runs
let outside: string; // no repository here or above
let out: string;
const cli = (args: string[], cwd = dir) => run(args, { cwd, env: envFor(home) });

beforeAll(async () => {
  const root = await sb.dir('cognify-diff-');
  home = await sb.dir('cognify-diff-home-');
  outside = await sb.dir('cognify-diff-outside-');
  out = await sb.dir('cognify-diff-out-');
  const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  ({ dir } = await initRepo(root, home, ada));
  for (const [name, file, key] of [
    ['credit', V1, 'applicant_id'],
    ['credit', V2, 'applicant_id'],
    ['chat', CHAT1, '/id'],
    ['chat', CHAT2, '/id'],
  ] as const) {
    expectOk(await cli(['--as', 'ada@example.org', 'dataset', 'commit', name, file, '--key', key]));
  }
  mkdirSync(join(dir, 'data'));
  copyFileSync(V2, join(dir, 'data', 'v2.csv'));
});

/** stdout of --format jsonl as records, each line one JSON object. */
function records(r: RunResult): RowChange[] {
  const lines = r.stdout.split('\n');
  expect(lines.pop(), show(r)).toBe('');
  return lines.map((l) => JSON.parse(l) as RowChange);
}

const keysOf = (rs: RowChange[], op: RowChange['op']) =>
  rs
    .filter((c) => c.op === op)
    .map((c) => ('key' in c ? c.key : undefined))
    .sort();

const sorted = (xs: string[]) => [...xs].sort();

const CONTRACT = ['added', 'removed', 'modified', 'moved', 'unchanged', 'schema'];

/** The counts the truth file gives, for a table of `rowsA` rows in A. */
function countsOf(t: Truth, rowsA: number, moves = false) {
  const moved = moves ? t.moved.length : 0;
  return { added: t.inserted.length, removed: t.deleted.length, modified: t.modified.length, moved, unchanged: rowsA - t.deleted.length - t.modified.length - moved };
}

describe('cognify diff on the fixtures: the contract against the ground truth', () => {
  it('credit v1 → v2 --key applicant_id --stat --json: exactly the contract fields, counts of the truth', async () => {
    const j = okJson(await run(['diff', V1, V2, '--key', 'applicant_id', '--stat', '--json'], { cwd: outside, env: envFor(home) }));
    expect(Object.keys(j)).toEqual(CONTRACT);
    expect(j).toEqual({ ...countsOf(CREDIT, 300), schema: [{ op: 'schema', change: 'added', before: null, after: { path: '/model_version' } }] });
    expect(j.unchanged).toBe(281);
    expect(existsSync(join(outside, '.cognify'))).toBe(false); // two files diffed outside any repository
  });

  it('credit --format jsonl: one record per line; the key sets of the truth; the schema change not repeated per row', async () => {
    const r = expectOk(await run(['diff', V1, V2, '--key', 'applicant_id', '--format', 'jsonl'], { cwd: outside, env: envFor(home) }));
    const rs = records(r);
    expect(rs[0]).toEqual({ op: 'schema', change: 'added', before: null, after: { path: '/model_version' } });
    expect(rs.filter((c) => c.op === 'schema')).toHaveLength(1);
    expect(keysOf(rs, 'modified')).toEqual(sorted(CREDIT.modified));
    expect(keysOf(rs, 'added')).toEqual(sorted(CREDIT.inserted));
    expect(keysOf(rs, 'removed')).toEqual(sorted(CREDIT.deleted));
    expect(keysOf(rs, 'moved')).toEqual([]);
    // re-decisions change decision/reason fields only; model_version (a new column) never shows per row
    for (const c of rs) if (c.op === 'modified') for (const f of c.changes) expect(['/decision', '/reason_code', '/reason_text']).toContain(f.path);
    // inserted rows were appended: data rows 294..302 of B (1-based, header not counted)
    expect(rs.flatMap((c) => (c.op === 'added' ? [c.row] : [])).sort((x, y) => x - y)).toEqual([294, 295, 296, 297, 298, 299, 300, 301, 302]);
    const removed = rs.find((c) => c.op === 'removed' && c.key === 'APP-100044');
    expect(removed).toMatchObject({ row: 44, before: { applicant_id: 'APP-100044' } });
    // --json alone means the jsonl records too
    const j = expectOk(await run(['diff', V1, V2, '--key', 'applicant_id', '--json'], { cwd: outside, env: envFor(home) }));
    expect(j.stdout).toBe(r.stdout);
  });

  it('support-chat --key /id: the truth; with --moves, the one moved row', async () => {
    const stat = okJson(await run(['diff', CHAT1, CHAT2, '--key', '/id', '--stat', '--json'], { cwd: outside, env: envFor(home) }));
    expect(stat).toEqual({ ...countsOf(CHAT, 200), schema: [] });
    const rs = records(expectOk(await run(['diff', CHAT1, CHAT2, '--key', '/id', '--format', 'jsonl'], { cwd: outside, env: envFor(home) })));
    expect(keysOf(rs, 'modified')).toEqual(sorted(CHAT.modified));
    expect(keysOf(rs, 'added')).toEqual(sorted(CHAT.inserted));
    expect(keysOf(rs, 'removed')).toEqual(sorted(CHAT.deleted));
    expect(keysOf(rs, 'moved')).toEqual([]);
    for (const c of rs) {
      // one assistant reply each, nothing else in the row
      if (c.op === 'modified') expect(c.changes.map((f) => f.path)).toEqual([expect.stringMatching(/^\/messages\/\d+\/content$/)]);
    }
    const withMoves = okJson(await run(['diff', CHAT1, CHAT2, '--key', '/id', '--moves', '--stat', '--json'], { cwd: outside, env: envFor(home) }));
    expect(withMoves).toEqual({ ...countsOf(CHAT, 200, true), schema: [] });
    const moved = records(expectOk(await run(['diff', CHAT1, CHAT2, '--key', '/id', '--moves', '--format', 'jsonl'], { cwd: outside, env: envFor(home) }))).filter((c) => c.op === 'moved');
    expect(moved.map((c) => c.op === 'moved' && [c.key, c.rows])).toEqual([['sc-0019', [19, 73]]]);
    expect(CHAT.moved).toEqual(['sc-0019']);
  });

  it('parquet v1 → v2 --key applicant_id: the counts and keys of the CSV pair', async () => {
    const j = okJson(await run(['diff', P1, P2, '--key', 'applicant_id', '--stat', '--json'], { cwd: outside, env: envFor(home) }));
    expect(Object.keys(j)).toEqual(CONTRACT);
    expect({ ...j, schema: undefined }).toEqual({ ...countsOf(CREDIT, 300), schema: undefined });
    expect(j.schema.map((c: any) => [c.change, (c.before ?? c.after).path])).toEqual([['added', '/model_version']]);
    const rs = records(expectOk(await run(['diff', P1, P2, '--key', 'applicant_id', '--format', 'jsonl'], { cwd: outside, env: envFor(home) })));
    expect(keysOf(rs, 'modified')).toEqual(sorted(CREDIT.modified));
    expect(keysOf(rs, 'added')).toEqual(sorted(CREDIT.inserted));
    expect(keysOf(rs, 'removed')).toEqual(sorted(CREDIT.deleted));
  });
});

describe('cognify diff with refs to committed versions', () => {
  it('name@N, name, name@<id prefix>, a version id and ./file all resolve; the counts are the files\' counts; nothing is written', async () => {
    const before = await snapshot(dir);
    const want = countsOf(CREDIT, 300);
    const v1 = okJson(await cli(['dataset', 'show', 'credit@1', '--json'])).id as string;
    expect(v1).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const [a, b] of [
      ['credit@1', 'credit@2'],
      ['credit@1', 'credit'],
      [`credit@${v1.slice('sha256:'.length, 'sha256:'.length + 12)}`, 'credit@2'],
      [v1, 'credit'],
      ['credit@1', './data/v2.csv'],
      [V1, 'credit@2'],
    ]) {
      const j = okJson(await cli(['diff', a!, b!, '--stat', '--json']));
      expect(Object.keys(j), `${a} ${b}`).toEqual(CONTRACT);
      expect({ ...j, schema: j.schema.map((c: any) => [c.change, (c.before ?? c.after).path]) }, `${a} ${b}`).toEqual({ ...want, schema: [['added', '/model_version']] });
    }
    // the key both versions recorded is used without --key
    const rs = records(expectOk(await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl'])));
    expect(keysOf(rs, 'modified')).toEqual(sorted(CREDIT.modified));
    // stored versions record column types
    expect(rs[0]).toEqual({ op: 'schema', change: 'added', before: null, after: { path: '/model_version', type: 'string' } });
    const chat = okJson(await cli(['diff', 'chat@1', 'chat@2', '--moves', '--stat', '--json']));
    expect(chat).toEqual({ ...countsOf(CHAT, 200, true), schema: [] });
    expect(await snapshot(dir)).toEqual(before);
  });

  it('text output: a header and one line per record, no colour off a terminal; --color always paints', async () => {
    const r = expectOk(await cli(['diff', 'credit@1', 'credit@2']));
    expect(r.stdout).not.toContain('\x1b[');
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.slice(0, 3)).toEqual(['--- a: credit@1', '+++ b: credit@2', 'schema: column "model_version" added (string)']);
    const rest = lines.slice(3);
    expect(rest.filter((l) => l.startsWith('~ row '))).toHaveLength(CREDIT.modified.length);
    expect(rest.filter((l) => l.startsWith('+ row '))).toHaveLength(CREDIT.inserted.length);
    expect(rest.filter((l) => l.startsWith('- row '))).toHaveLength(CREDIT.deleted.length);
    expect(rest).toHaveLength(CREDIT.modified.length + CREDIT.inserted.length + CREDIT.deleted.length);
    expect(rest).toContainEqual(expect.stringMatching(/^- row 44 key=APP-100044  \{applicant_id: APP-100044, /));
    expect(rest).toContainEqual(expect.stringMatching(/^~ row 113→110 key=APP-100113  decision: \[-decline-\]\{\+refer\+\}  reason_code: \[-D02-\]\{\+R01\+\}/));
    const painted = expectOk(await cli(['diff', 'credit@1', 'credit@2', '--color', 'always']));
    expect(painted.stdout).toContain('\x1b[31m');
    expect(painted.stdout).toContain('\x1b[32m');
    expect(painted.stdout.replace(/\x1b\[[0-9;]*m/g, '').split('\n').length).toBe(r.stdout.split('\n').length);
    expect(expectOk(await cli(['diff', 'credit@1', 'credit@2', '--color', 'never'])).stdout).toBe(r.stdout);
    // --stat as text
    const stat = expectOk(await cli(['diff', 'credit@1', 'credit@2', '--stat']));
    expect(stat.stdout).toContain('  9 added, 7 removed, 12 modified, 0 moved, 281 unchanged\n');
  });

  it('-o writes csv and html files (html self-contained, every changed key in it)', async () => {
    const rs = records(expectOk(await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl'])));
    const csvPath = join(out, 'credit.csv');
    const c = await cli(['diff', 'credit@1', 'credit@2', '--format', 'csv', '-o', csvPath]);
    expect(c.code, show(c)).toBe(0);
    expect(c.stdout).toBe('');
    expect(c.stderr).toBe(`Wrote csv diff to ${csvPath}\n`);
    const csv = readFileSync(csvPath, 'utf8').split('\r\n');
    expect(csv.pop()).toBe('');
    expect(csv[0]).toBe('op,key,row_a,row_b,path,before,after');
    const fieldChanges = rs.reduce((n, x) => n + (x.op === 'modified' ? x.changes.length : 0), 0);
    expect(csv.filter((l) => l.startsWith('modified,'))).toHaveLength(fieldChanges);
    expect(csv.filter((l) => l.startsWith('added,'))).toHaveLength(CREDIT.inserted.length);
    expect(csv.filter((l) => l.startsWith('removed,'))).toHaveLength(CREDIT.deleted.length);
    expect(csv.filter((l) => l.startsWith('schema,'))).toHaveLength(1);

    const htmlPath = join(out, 'credit.html');
    const h = await cli(['diff', 'credit@1', 'credit@2', '--format', 'html', '-o', htmlPath]);
    expect(h.code, show(h)).toBe(0);
    expect(h.stdout).toBe('');
    const html = readFileSync(htmlPath, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    for (const k of [...CREDIT.modified, ...CREDIT.inserted, ...CREDIT.deleted]) expect(html).toContain(k);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--limit N stops after N row records and says so on stderr; --exit-code is 1 when anything differs', async () => {
    const r = await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl', '--limit', '5']);
    expect(r.code, show(r)).toBe(0);
    const rs = records(r);
    expect(rs.filter((c) => c.op === 'schema')).toHaveLength(1); // schema records are not counted
    expect(rs.filter((c) => c.op !== 'schema')).toHaveLength(5);
    expect(r.stderr).toBe('cognify: stopped after --limit 5 row changes; more follow (cognify diff credit@1 credit@2 --stat counts them all)\n');
    expect((await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl', '--limit', '5', '--exit-code'])).code).toBe(1);
    // a limit above the number of changes: everything, no notice
    const all = expectOk(await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl', '--limit', '1000']));
    expect(records(all).filter((c) => c.op !== 'schema')).toHaveLength(28);

    const differ = await cli(['diff', 'credit@1', 'credit@2', '--stat', '--json', '--exit-code']);
    expect(differ.code, show(differ)).toBe(1);
    expect(JSON.parse(differ.stdout).modified).toBe(12);
    expect((await cli(['diff', 'credit@1', 'credit@2', '--exit-code'])).code).toBe(1);
    const same = await cli(['diff', 'credit@2', './data/v2.csv', '--exit-code']);
    expect(same.code, show(same)).toBe(0);
    expect(same.stdout).toBe('--- a: credit@2\n+++ b: ./data/v2.csv\n');
    expect(expectOk(await cli(['diff', 'credit@1', 'credit@1', '--stat', '--json', '--exit-code'])).stdout).toBe(
      JSON.stringify({ added: 0, removed: 0, modified: 0, moved: 0, unchanged: 300, schema: [] }, null, 2) + '\n',
    );
  });

  it('-o writes atomically: a diff that fails leaves an existing file as it was, and no temp file', async () => {
    const target = join(out, 'keep.jsonl');
    writeFileSync(target, 'old\n');
    const m = expectError(await cli(['diff', 'credit@1', 'credit@2', '--key', 'nope', '--format', 'jsonl', '-o', target]), 'INPUT_INVALID', 2);
    expect(m).toContain('key column "nope" is not in');
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(readdirSync(out).filter((f) => f.includes('keep.jsonl') && f !== 'keep.jsonl')).toEqual([]);
    // and a diff that succeeds replaces it whole
    const ok = await cli(['diff', 'credit@1', 'credit@2', '--format', 'jsonl', '-o', target]);
    expect(ok.code, show(ok)).toBe(0);
    expect(readFileSync(target, 'utf8').split('\n')).toHaveLength(1 + 28 + 1);
  });

  it('a reader that stops early (cognify diff … | head) is not an internal error', async () => {
    // Enough output to outrun the pipe buffer: 4000 rows, every one modified.
    const rows = (tag: string) => ['id,v', ...Array.from({ length: 4000 }, (_, i) => `k${i},${tag} ${'x'.repeat(60)} ${i}`)].join('\n') + '\n';
    const a = join(out, 'pipe-a.csv');
    const b = join(out, 'pipe-b.csv');
    writeFileSync(a, rows('before'));
    writeFileSync(b, rows('after'));
    const r = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, [BIN, 'diff', a, b, '--key', 'id'], { cwd: outside, env: { PATH: process.env.PATH ?? '', HOME: outside }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.stdout.once('data', () => child.stdout.destroy()); // `head -1` exits after its first line
      child.on('error', fail);
      child.on('close', (code, signal) => done({ code, signal, stderr }));
    });
    expect(r.stderr, r.stderr).not.toContain('internal error');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).not.toBe(70);
  });
});

describe('cognify diff refuses bad input', () => {
  // Refs and key columns are checked when the diff starts; --format jsonl writes nothing before
  // the first record, so the error contract (stdout empty) holds whatever the timing.
  const lazy = (args: string[], cwd = dir) => cli([...args, '--format', 'jsonl'], cwd);

  it('each with its exit code and one error line naming the problem; the repository unchanged', async () => {
    const before = await snapshot(dir);
    // a name that is both a dataset and a file in the working directory
    writeFileSync(join(dir, 'credit'), 'a,b\n1,2\n');
    try {
      const m = expectError(await lazy(['diff', 'credit', 'credit@1']), 'USAGE', 2);
      expect(m).toBe('"credit" is both a dataset and a file here; write ./credit for the file, or credit@2 for the version');
      expect(expectError(await cli(['diff', 'credit@1', 'credit', '--stat', '--json']), 'USAGE', 2, { json: true })).toContain('./credit');
    } finally {
      rmSync(join(dir, 'credit'));
    }
    // unknown refs: not found
    expect(expectError(await lazy(['diff', 'nope', 'credit@1']), 'NOT_FOUND', 3)).toContain('"nope" is neither a dataset version in this repository nor a file');
    expect(expectError(await lazy(['diff', 'credit@9', 'credit@1']), 'NOT_FOUND', 3)).toContain('credit@9');
    expect(expectError(await lazy(['diff', 'credit@1', './data/missing.csv']), 'NOT_FOUND', 3)).toContain('missing.csv: no such file');
    expectError(await lazy(['diff', join(outside, 'none.csv'), V2], outside), 'NOT_FOUND', 3);
    // a key column that is not there: INPUT_INVALID, exit 2 (bin/exit-codes.ts: InputError → usage)
    const key = expectError(await lazy(['diff', 'credit@1', 'credit@2', '--key', 'applicant']), 'INPUT_INVALID', 2);
    expect(key).toMatch(/^key column "applicant" is not in credit@1; its columns are "applicant_id", /);
    expect(expectError(await cli(['diff', V1, V2, '--key', 'nope', '--stat'], outside), 'INPUT_INVALID', 2)).toContain('key column "nope"');
    // keys of the wrong kind, unknown columns, tables of different kinds
    // (a pointer on CSV is read as a column name, so it is a missing key column too)
    expect(expectError(await lazy(['diff', 'credit@1', 'credit@2', '--key', '/applicant_id']), 'USAGE', 2)).toContain('--key /applicant_id is a JSON pointer; for CSV/TSV give column names');
    expect(expectError(await lazy(['diff', 'chat@1', 'chat@2', '--key', 'id']), 'USAGE', 2)).toContain('--key for JSONL is a JSON pointer');
    expect(expectError(await lazy(['diff', 'credit@1', 'credit@2', '--columns', 'decision,nope']), 'USAGE', 2)).toContain('no column "nope"');
    expect(expectError(await lazy(['diff', 'credit@1', 'chat@1']), 'INPUT_INVALID', 2)).toContain('cannot diff CSV');
    // flags
    expect(expectError(await cli(['diff', 'credit@1', 'credit@2', '--format', 'xml']), 'USAGE', 2)).toContain('--format must be one of text, jsonl, csv, html');
    expect(expectError(await cli(['diff', 'credit@1', 'credit@2', '--color', 'sometimes']), 'USAGE', 2)).toContain('--color');
    expect(expectError(await cli(['diff', 'credit@1', 'credit@2', '--limit', 'ten']), 'USAGE', 2)).toContain('--limit must be an integer');
    expect(expectError(await cli(['diff', 'credit@1']), 'USAGE', 2)).toContain('missing argument');
    expect(expectError(await cli(['diff', 'credit@1', 'credit@2', 'credit']), 'USAGE', 2)).toContain('unexpected argument "credit"');
    // -o into a directory that does not exist
    const io = expectError(await cli(['diff', 'credit@1', 'credit@2', '-o', join(out, 'no', 'such', 'dir.jsonl')]), 'IO_FAILED', 10);
    expect(io).toContain('dir.jsonl');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('an error found before the first record writes nothing to stdout, in every format', async () => {
    // The error contract (test/cli/_run.ts expectError): stdout empty. The text, csv and html
    // renderers must not start the page before the diff has opened both sides.
    for (const format of ['text', 'csv', 'html']) {
      const m = expectError(await cli(['diff', 'nope', 'credit@1', '--format', format]), 'NOT_FOUND', 3);
      expect(m, format).toContain('"nope" is neither');
    }
  });
});
