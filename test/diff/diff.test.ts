// The row-level diff engine (src/diff/diff.ts, through diffFiles and repo.diff), property-tested
// against a naive reference diff written here: both tables loaded whole, rows matched by key (or
// by content, as a multiset) in file order, every field compared. Seeded random tables (CSV with
// quoted commas, quotes, newlines and unicode; JSONL with nested objects and arrays) get random
// edits, inserts, deletes, moves and an added column, and every way of running the engine — plain
// files, two stored versions cut into 256-byte chunks, the in-memory join and the partitioned
// spill — must give exactly the reference's records. STYLE.md point 8.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffFiles } from '../../src/api/diff.js';
import type { Repo } from '../../src/api/repo.js';
import type { RowChange, SchemaChange } from '../../src/diff/changes.js';
import type { DiffOptions, DiffSummary, TableDiff } from '../../src/diff/diff.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { newRepo, person } from '../_fixtures.js';

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and random values

interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

function rngOf(seed: number): Rng {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]!, chance: (p) => next() < p };
}

// Every value starts with a letter, so a column's inferred type stays "string" whatever is drawn.
const WORDS = ['alpha', 'beta', 'gamma', 'naïve', 'café', 'Zürich', '陈伟', '東京', 'emoji😀', 'ünïcödé', 'Ωmega', 'delta'];
const SPICE = [', ', '"', '""', ',', '\n', ' – ', "'", '\t'];

function text(r: Rng, spicy: boolean): string {
  let s = r.pick(WORDS);
  for (let n = r.int(4); n > 0; n--) s += (spicy && r.chance(0.35) ? r.pick(SPICE) : ' ') + r.pick(WORDS);
  return s;
}

function differentText(r: Rng, old: string, spicy: boolean): string {
  for (;;) {
    const t = text(r, spicy);
    if (t !== old) return t;
  }
}

// ---------------------------------------------------------------------------------------------
// CSV tables

interface CsvTable {
  header: string[];
  rows: string[][];
}

const REGIONS = ['LS', 'M', 'B', 'CF'];

/** `n` rows of id,name,amount,note (or region,id,... with a composite key), keys unique. */
function genCsv(r: Rng, n: number, composite = false): CsvTable {
  const header = composite ? ['region', 'id', 'name', 'amount', 'note'] : ['id', 'name', 'amount', 'note'];
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    const body = [text(r, false), String(r.int(1_000_000)), text(r, true)];
    // composite: ids repeat across regions, only (region, id) is unique
    rows.push(composite ? [REGIONS[i % 4]!, `k${i >> 2}`, ...body] : [`k${i}`, ...body]);
  }
  return { header, rows };
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function writeCsv(t: CsvTable, eol = '\n'): string {
  return [t.header, ...t.rows].map((row) => row.map(csvField).join(',') + eol).join('');
}

interface Edits {
  edits: number;
  inserts: number;
  deletes: number;
  moves: number;
  addColumn?: boolean;
}

let fresh = 0;

/** B from A: cells changed (type kept), rows inserted, deleted, moved, maybe a column added. */
function mutateCsv(r: Rng, a: CsvTable, e: Edits): CsvTable {
  const header = [...a.header];
  const rows = a.rows.map((row) => [...row]);
  const editable = header.map((h, k) => [h, k] as const).filter(([h]) => h === 'name' || h === 'amount' || h === 'note');
  for (let k = 0; k < e.edits; k++) {
    const row = rows[r.int(rows.length)]!;
    const [h, c] = r.pick(editable);
    if (h === 'amount') row[c] = String((Number(row[c]) + 1 + r.int(1000)) % 1_000_000);
    else row[c] = differentText(r, row[c]!, h === 'note');
  }
  for (let k = 0; k < e.deletes; k++) rows.splice(r.int(rows.length), 1);
  for (let k = 0; k < e.inserts; k++) {
    const body = [text(r, false), String(r.int(1_000_000)), text(r, true)];
    const id = `n${fresh++}`;
    rows.splice(r.int(rows.length + 1), 0, header[0] === 'region' ? [r.pick(REGIONS), id, ...body] : [id, ...body]);
  }
  for (let k = 0; k < e.moves; k++) {
    const [row] = rows.splice(r.int(rows.length), 1);
    rows.splice(r.int(rows.length + 1), 0, row!);
  }
  if (e.addColumn) {
    const at = 1 + r.int(header.length);
    header.splice(at, 0, 'tag');
    for (const row of rows) row.splice(at, 0, text(r, true));
  }
  return { header, rows };
}

// ---------------------------------------------------------------------------------------------
// JSONL tables

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function genChat(r: Rng, id: number): Json {
  const messages: Json[] = [{ role: 'system', content: text(r, true) }];
  for (let k = 1 + r.int(3); k > 0; k--) messages.push({ role: r.pick(['user', 'assistant']), content: text(r, true) });
  return {
    id,
    title: text(r, true),
    n: r.int(100_000),
    tags: Array.from({ length: 1 + r.int(3) }, () => r.pick(WORDS)),
    meta: { src: r.pick(['faq', 'agent', 'synthetic']), score: r.int(100), flags: { reviewed: r.chance(0.5) } },
    messages,
  };
}

function genJsonl(r: Rng, n: number): Json[] {
  return Array.from({ length: n }, (_, i) => genChat(r, i + 1));
}

const writeJsonl = (rows: Json[]) => rows.map((v) => `${JSON.stringify(v)}\n`).join('');

/**
 * B from A, keeping every generalised path and its type (so neither recorded nor inferred schemas
 * change): leaves changed, messages appended or dropped (never the last), rows inserted, deleted
 * and moved.
 */
function mutateJsonl(r: Rng, a: Json[], e: Edits): Json[] {
  const rows = a.map((v) => structuredClone(v)) as any[];
  for (let k = 0; k < e.edits; k++) {
    const v = rows[r.int(rows.length)]!;
    switch (r.int(7)) {
      case 0:
        v.title = differentText(r, v.title, true);
        break;
      case 1:
        v.n = v.n + 1 + r.int(50);
        break;
      case 2:
        v.meta.flags.reviewed = !v.meta.flags.reviewed;
        break;
      case 3: {
        const m = v.messages[r.int(v.messages.length)];
        m.content = differentText(r, m.content, true);
        break;
      }
      case 4:
        v.messages.push({ role: 'assistant', content: text(r, true) });
        break;
      case 5:
        if (v.messages.length > 1) v.messages.splice(1 + r.int(v.messages.length - 1), 1);
        else v.meta.score = (v.meta.score + 1) % 100;
        break;
      default:
        v.tags[r.int(v.tags.length)] = `${v.tags[0]}-x`;
    }
  }
  for (let k = 0; k < e.deletes; k++) rows.splice(r.int(rows.length), 1);
  for (let k = 0; k < e.inserts; k++) rows.splice(r.int(rows.length + 1), 0, genChat(r, 1_000_000 + fresh++));
  for (let k = 0; k < e.moves; k++) {
    const [row] = rows.splice(r.int(rows.length), 1);
    rows.splice(r.int(rows.length + 1), 0, row);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The reference diff

const esc = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');
const under = (p: string, prefix: string) => p === prefix || p.startsWith(`${prefix}/`);

interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

interface Expected {
  /** Canonical row records (added, removed, modified), as `canon` gives them. */
  records: string[];
  added: number;
  removed: number;
  modified: number;
  /** Pairs whose compared fields are all equal: [row in A, row in B, key], in A's order. */
  same: [number, number, unknown][];
  rowsA: number;
  schema: { change: string; path: string }[];
}

interface Side<R> {
  rows: R[];
  /** Match id of a row (key, or content). */
  id: (row: R) => string;
  shown: (row: R) => unknown;
  value: (row: R) => unknown;
}

/** Pairs B rows with the first unmatched A row of the same id, in file order; the rest are added/removed. */
function reference<R>(a: Side<R>, b: Side<R>, changesOf: (x: R, y: R) => Change[], schema: Expected['schema']): Expected {
  const pool = new Map<string, number[]>();
  a.rows.forEach((row, i) => {
    const id = a.id(row);
    pool.set(id, [...(pool.get(id) ?? []), i]);
  });
  const records: string[] = [];
  const out: Expected = { records, added: 0, removed: 0, modified: 0, same: [], rowsA: a.rows.length, schema };
  const pairedA = new Set<number>();
  b.rows.forEach((row, j) => {
    const i = pool.get(b.id(row))?.shift();
    if (i === undefined) {
      out.added++;
      records.push(JSON.stringify({ op: 'added', key: b.shown(row), row: j + 1, after: b.value(row) }));
      return;
    }
    pairedA.add(i);
    const changes = changesOf(a.rows[i]!, row);
    if (changes.length === 0) out.same.push([i + 1, j + 1, b.shown(row)]);
    else {
      out.modified++;
      records.push(JSON.stringify({ op: 'modified', key: b.shown(row), rows: [i + 1, j + 1], before: a.value(a.rows[i]!), after: b.value(row), changes: sortChanges(changes) }));
    }
  });
  a.rows.forEach((row, i) => {
    if (pairedA.has(i)) return;
    out.removed++;
    records.push(JSON.stringify({ op: 'removed', key: a.shown(row), row: i + 1, before: a.value(row) }));
  });
  out.same.sort((x, y) => x[0] - y[0]);
  records.sort();
  return out;
}

const sortChanges = (cs: Change[]) => [...cs].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)).map((c) => ({ path: c.path, before: c.before, after: c.after }));

interface RefOptions {
  key?: string[];
  columns?: string[];
  ignoreColumns?: string[];
}

function refCsv(a: CsvTable, b: CsvTable, o: RefOptions): Expected {
  const common = a.header.filter((h) => b.header.includes(h));
  const compared = common.filter((h) => (!o.columns || o.columns.includes(h)) && !o.ignoreColumns?.includes(h));
  const side = (t: CsvTable): Side<string[]> => {
    const at = (row: string[], c: string) => row[t.header.indexOf(c)]!;
    return {
      rows: t.rows,
      id: (row) => JSON.stringify((o.key ?? compared).map((c) => at(row, c))),
      shown: (row) => (!o.key ? null : o.key.length === 1 ? at(row, o.key[0]!) : o.key.map((c) => at(row, c))),
      value: (row) => Object.fromEntries(t.header.map((h, k) => [h, row[k]])),
    };
  };
  const sa = side(a);
  const sb = side(b);
  const schema = [
    ...a.header.filter((h) => !b.header.includes(h)).map((h) => ({ change: 'removed', path: `/${esc(h)}` })),
    ...b.header.filter((h) => !a.header.includes(h)).map((h) => ({ change: 'added', path: `/${esc(h)}` })),
  ];
  return reference(sa, sb, (x, y) => compared.filter((c) => x[a.header.indexOf(c)] !== y[b.header.indexOf(c)]).map((c) => ({ path: `/${esc(c)}`, before: x[a.header.indexOf(c)], after: y[b.header.indexOf(c)] })), schema);
}

/** Leaves by JSON pointer, arrays by index, empty objects and arrays as leaves. */
function leavesOf(v: Json, path = '', out = new Map<string, Json>()): Map<string, Json> {
  if (Array.isArray(v)) {
    if (v.length === 0) out.set(path, v);
    v.forEach((e, k) => leavesOf(e, `${path}/${k}`, out));
  } else if (v !== null && typeof v === 'object') {
    if (Object.keys(v).length === 0) out.set(path, v);
    for (const [k, e] of Object.entries(v)) leavesOf(e, `${path}/${esc(k)}`, out);
  } else out.set(path, v);
  return out;
}

/** `schema`: fields added or removed for the whole table, reported once and left out of row changes. */
function refJsonl(a: Json[], b: Json[], o: { key?: string; columns?: string[]; ignoreColumns?: string[]; schema?: Expected['schema'] }): Expected {
  const want = (p: string) =>
    (!o.columns || o.columns.some((c) => under(p, c))) && !o.ignoreColumns?.some((c) => under(p, c)) && !o.schema?.some((c) => under(p, c.path));
  const at = (v: any, pointer: string) => pointer.split('/').slice(1).reduce((x, t) => x?.[t.replaceAll('~1', '/').replaceAll('~0', '~')], v);
  // Without a key, rows are the same when their compared fields are.
  const content = (v: Json) => JSON.stringify([...leavesOf(v)].filter(([p]) => want(p)).sort(([x], [y]) => (x < y ? -1 : 1)));
  const side = (rows: Json[]): Side<Json> => ({
    rows,
    id: (v) => (o.key ? JSON.stringify(at(v, o.key)) : content(v)),
    shown: (v) => (o.key ? at(v, o.key) : null),
    value: (v) => v,
  });
  const changesOf = (x: Json, y: Json): Change[] => {
    const la = leavesOf(x);
    const lb = leavesOf(y);
    const out: Change[] = [];
    for (const [p, va] of la) {
      if (!want(p)) continue;
      if (!lb.has(p)) out.push({ path: p, before: va });
      else if (JSON.stringify(va) !== JSON.stringify(lb.get(p))) out.push({ path: p, before: va, after: lb.get(p) });
    }
    for (const [p, vb] of lb) if (want(p) && !la.has(p)) out.push({ path: p, after: vb });
    return out;
  };
  return reference(side(a), side(b), changesOf, o.schema ?? []);
}

/** Length of a longest strictly increasing subsequence. */
function lisLength(xs: number[]): number {
  const tails: number[] = [];
  for (const x of xs) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = x;
  }
  return tails.length;
}

// ---------------------------------------------------------------------------------------------
// Running the engine

interface Got {
  records: RowChange[];
  summary: DiffSummary;
}

async function collect(d: TableDiff): Promise<Got> {
  const records: RowChange[] = [];
  for await (const r of d) records.push(r);
  return { records, summary: { ...d.summary } };
}

/** The engine's row records (moves and schema aside) in the reference's canonical form. */
function canon(records: RowChange[]): string[] {
  const out: string[] = [];
  for (const c of records) {
    if (c.op === 'added') out.push(JSON.stringify({ op: c.op, key: c.key, row: c.row, after: c.after }));
    else if (c.op === 'removed') out.push(JSON.stringify({ op: c.op, key: c.key, row: c.row, before: c.before }));
    else if (c.op === 'modified') out.push(JSON.stringify({ op: c.op, key: c.key, rows: c.rows, before: c.before, after: c.after, changes: sortChanges(c.changes) }));
  }
  return out.sort();
}

const schemaOf = (records: RowChange[]) =>
  records
    .filter((c): c is SchemaChange => c.op === 'schema')
    .map((c) => ({ change: c.change, path: (c.before ?? c.after)!.path }))
    .sort((x, y) => (x.path < y.path ? -1 : 1));

/** Everything a run must agree on with the reference; `moves` checks moved records too. */
function expectMatches(got: Got, want: Expected, label: string, moves = false): void {
  const { summary: s, records } = got;
  expect(canon(records), label).toEqual(want.records);
  expect(schemaOf(records), label).toEqual([...want.schema].sort((x, y) => (x.path < y.path ? -1 : 1)));
  expect({ added: s.added, removed: s.removed, modified: s.modified }, label).toEqual({ added: want.added, removed: want.removed, modified: want.modified });
  expect(s.schema.length, label).toBe(want.schema.length);
  // The invariant: every row of A is removed, modified, moved or unchanged.
  expect(s.unchanged, label).toBe(want.rowsA - s.removed - s.modified - s.moved);
  const moved = records.filter((c) => c.op === 'moved');
  expect(moved.length, label).toBe(s.moved);
  if (!moves) {
    expect(s.moved, label).toBe(0);
    return;
  }
  // Moves: the fewest rows whose removal leaves the unchanged pairs in the same order in A and B
  // (n - LIS), and the rows not reported as moved are indeed in order.
  expect(s.moved, `${label}: moved = unchanged pairs - longest run kept in order`).toBe(want.same.length - lisLength(want.same.map(([, b]) => b)));
  const movedRows = new Set(moved.map((c) => JSON.stringify(c.rows)));
  expect(movedRows.size, label).toBe(moved.length);
  const byRows = new Map(want.same.map(([x, y, key]) => [JSON.stringify([x, y]), key]));
  for (const m of moved) {
    expect(byRows.has(JSON.stringify(m.rows)), `${label}: moved ${JSON.stringify(m.rows)} is an unchanged pair`).toBe(true);
    expect(m.key, label).toEqual(byRows.get(JSON.stringify(m.rows)));
  }
  const stayed = want.same.filter(([x, y]) => !movedRows.has(JSON.stringify([x, y]))).map(([, y]) => y);
  expect(stayed.every((y, k) => k === 0 || stayed[k - 1]! < y), `${label}: the rows not moved keep their order`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: a temp directory and a repository

const ada = person('Ada');
let dir: string;
let repo: Repo;
let spillRoot: string;
let fileNo = 0;
let datasetNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cognify-diff-test-'));
  spillRoot = join(dir, 'spill');
  await mkdir(spillRoot);
  repo = await newRepo(join(dir, 'repo'), ada);
});
afterAll(async () => {
  await repo?.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(content: string, ext: string): Promise<string> {
  const path = join(dir, `t${fileNo++}.${ext}`);
  await writeFile(path, content);
  return path;
}

/** Commits A then B as versions 1 and 2 of a new dataset (256-byte chunks); returns its name. */
async function commitPair(a: string, b: string, key?: string): Promise<string> {
  const name = `d${datasetNo++}`;
  for (const input of [a, b]) {
    const r = await repo.datasets.commit({ name, input, signer: ada.signer, chunker: { targetSize: 256 }, ...(key ? { key } : {}) });
    expect(r.created).toBe(true);
  }
  return name;
}

const SPILL_BUDGET = 32 * 1024;

/**
 * Runs one case every way — plain files in memory, plain files spilled to partitions, two stored
 * versions (in memory, and spilled) — and checks each against the reference.
 */
async function checkEveryWay(a: string, b: string, ext: 'csv' | 'jsonl', want: Expected, opts: DiffOptions, label: string, commitKey?: string): Promise<void> {
  const fa = await file(a, ext);
  const fb = await file(b, ext);
  const moves = opts.moves === true;
  const plain = await collect(diffFiles(fa, fb, nodeProvider, opts));
  expectMatches(plain, want, `${label} / plain`, moves);
  expect(plain.summary.partitions).toBe(1);
  expect(plain.summary.chunksRead, `${label}: several chunks`).toBeGreaterThan(2);

  const spill = await collect(diffFiles(fa, fb, nodeProvider, { ...opts, memoryBudget: SPILL_BUDGET, tmpDir: spillRoot }));
  expect(spill.summary.partitions, `${label}: spilled`).toBeGreaterThan(1);
  expectMatches(spill, want, `${label} / spill`, moves);
  expect(await readdir(spillRoot), 'partition files are removed').toEqual([]);

  const name = await commitPair(fa, fb, commitKey);
  const stored = await collect(repo.diff(`${name}@1`, `${name}@2`, opts));
  expectMatches(stored, want, `${label} / stored`, moves);
  expect(stored.summary.chunksRead, `${label}: stored, many small chunks`).toBeGreaterThan(10);
  const storedSpill = await collect(repo.diff(`${name}@1`, `${name}@2`, { ...opts, memoryBudget: SPILL_BUDGET, tmpDir: spillRoot }));
  expect(storedSpill.summary.partitions).toBeGreaterThan(1);
  expectMatches(storedSpill, want, `${label} / stored spill`, moves);

  // The same moved records whichever way (moves are chosen among the same rows).
  if (moves) {
    const movedOf = (g: Got) => g.records.filter((c) => c.op === 'moved').map((c) => JSON.stringify(c)).sort();
    expect(movedOf(spill), label).toEqual(movedOf(plain));
  }
  // --stat: the same counts without row objects.
  const stat = await repo.diffStat(`${name}@1`, `${name}@2`, opts);
  expect([stat.added, stat.removed, stat.modified, stat.moved, stat.unchanged]).toEqual([stored.summary.added, stored.summary.removed, stored.summary.modified, stored.summary.moved, stored.summary.unchanged]);
}

// ---------------------------------------------------------------------------------------------

describe('diff engine against the reference diff (CSV)', () => {
  const EDITS: Edits = { edits: 25, inserts: 12, deletes: 10, moves: 0 };

  for (const seed of [1, 2]) {
    it(`keyed by id, seed ${seed}: edits, inserts, deletes`, async () => {
      const r = rngOf(seed);
      const a = genCsv(r, 3000);
      const b = mutateCsv(r, a, EDITS);
      expect(writeCsv(a).length).toBeGreaterThan(100_000); // ~30 chunks of 4 KiB as a plain file
      await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', refCsv(a, b, { key: ['id'] }), { key: 'id' }, `csv seed ${seed}`, 'id');
    });
  }

  it('a column added in B (and removed, the other way): reported once, not on every row', async () => {
    const r = rngOf(3);
    const a = genCsv(r, 1500);
    const b = mutateCsv(r, a, { ...EDITS, addColumn: true });
    const want = refCsv(a, b, { key: ['id'] });
    expect(want.schema).toEqual([{ change: 'added', path: '/tag' }]);
    await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', want, { key: 'id' }, 'csv added column', 'id');
    await checkEveryWay(writeCsv(b), writeCsv(a), 'csv', refCsv(b, a, { key: ['id'] }), { key: 'id' }, 'csv removed column', 'id');
  });

  it('without a key: rows are a multiset by content (edited rows are removed + added)', async () => {
    const r = rngOf(4);
    const a = genCsv(r, 1500);
    const b = mutateCsv(r, a, EDITS);
    const want = refCsv(a, b, {});
    expect(want.modified).toBe(0);
    const plain = await collect(diffFiles(await file(writeCsv(a), 'csv'), await file(writeCsv(b), 'csv'), nodeProvider));
    expectMatches(plain, want, 'keyless');
    expect(plain.records.filter((c) => c.op !== 'schema').every((c) => 'key' in c && c.key === null)).toBe(true);
    expect(plain.summary.key).toBe('(row content)');
    // and with a column added, content is the columns both sides have
    const c = mutateCsv(r, a, { ...EDITS, addColumn: true });
    await checkEveryWay(writeCsv(a), writeCsv(c), 'csv', refCsv(a, c, {}), {}, 'keyless, column added');
  });

  it('composite keys: the key shown is the array of its columns', async () => {
    const r = rngOf(5);
    const a = genCsv(r, 1500, true);
    const b = mutateCsv(r, a, EDITS);
    const want = refCsv(a, b, { key: ['region', 'id'] });
    await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', want, { key: 'region,id' }, 'composite', 'region,id');
    const got = await collect(diffFiles(await file(writeCsv(a), 'csv'), await file(writeCsv(b), 'csv'), nodeProvider, { key: 'region,id' }));
    const first = got.records.find((c) => c.op === 'modified')!;
    expect(Array.isArray(first.key) && (first.key as unknown[]).length === 2).toBe(true);
  });

  it('--columns and --ignore-columns decide which fields count', async () => {
    const r = rngOf(6);
    const a = genCsv(r, 1500);
    const b = mutateCsv(r, a, { ...EDITS, edits: 60 });
    const fa = await file(writeCsv(a), 'csv');
    const fb = await file(writeCsv(b), 'csv');
    for (const o of [{ columns: ['amount'] }, { ignoreColumns: ['note'] }, { columns: ['name', 'note'], ignoreColumns: ['note'] }]) {
      const want = refCsv(a, b, { key: ['id'], ...o });
      const got = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', ...o }));
      expectMatches(got, want, JSON.stringify(o));
      const spilled = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', ...o, memoryBudget: SPILL_BUDGET, tmpDir: spillRoot }));
      expectMatches(spilled, want, `${JSON.stringify(o)} spill`);
      const paths = new Set(got.records.flatMap((c) => (c.op === 'modified' ? c.changes.map((f) => f.path) : [])));
      if (o.columns) expect([...paths].every((p) => o.columns.filter((c) => !o.ignoreColumns?.includes(c)).includes(p.slice(1)))).toBe(true);
      expect(paths.has('/note')).toBe(false);
    }
    // fewer columns compared: fewer rows modified, never more
    const all = refCsv(a, b, { key: ['id'] });
    expect(refCsv(a, b, { key: ['id'], columns: ['amount'] }).modified).toBeLessThan(all.modified);
    // keyless, content is only the compared columns
    await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', refCsv(a, b, { ignoreColumns: ['note'] }), { ignoreColumns: ['note'] }, 'keyless --ignore-columns note');
  });

  it('moves: with moves, rows out of place are reported, n - LIS of them (keyed and keyless)', async () => {
    const r = rngOf(7);
    const a = genCsv(r, 2000);
    const b = mutateCsv(r, a, { edits: 10, inserts: 5, deletes: 5, moves: 15 });
    await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', refCsv(a, b, { key: ['id'] }), { key: 'id', moves: true }, 'moves keyed', 'id');
    await checkEveryWay(writeCsv(a), writeCsv(b), 'csv', refCsv(a, b, {}), { moves: true }, 'moves keyless');
    // without moves, a moved row is simply unchanged
    const still = await collect(diffFiles(await file(writeCsv(a), 'csv'), await file(writeCsv(b), 'csv'), nodeProvider, { key: 'id' }));
    expectMatches(still, refCsv(a, b, { key: ['id'] }), 'no moves');
  });

  it('moves: a block of rows larger than a chunk moved to the end is n - LIS rows moved', async () => {
    // Moving rows 1-600 (~45 KB, about ten 4 KiB chunks) after the rest: the fewest rows that
    // moved is 600; chunks inside the block are shared by both sides, only in another order.
    const r = rngOf(8);
    const a = genCsv(r, 3000);
    const b = { header: a.header, rows: [...a.rows.slice(600), ...a.rows.slice(0, 600)] };
    const want = refCsv(a, b, { key: ['id'] });
    expect(want.same.length - lisLength(want.same.map(([, y]) => y))).toBe(600);
    const got = await collect(diffFiles(await file(writeCsv(a), 'csv'), await file(writeCsv(b), 'csv'), nodeProvider, { key: 'id', moves: true }));
    expectMatches(got, want, 'block move', true);
  });

  it('CRLF and LF line endings with the same content: no changes, whichever side', async () => {
    const r = rngOf(9);
    const a = genCsv(r, 2000);
    const lf = await file(writeCsv(a, '\n'), 'csv');
    const crlf = await file(writeCsv(a, '\r\n'), 'csv');
    for (const key of [{ key: 'id' }, {}]) {
      const got = await collect(diffFiles(crlf, lf, nodeProvider, key));
      expect(got.records, JSON.stringify(key)).toEqual([]);
      expect(got.summary.unchanged).toBe(2000);
    }
    // and edits read the same through either line ending
    const b = mutateCsv(r, a, EDITS);
    const got = await collect(diffFiles(crlf, await file(writeCsv(b, '\n'), 'csv'), nodeProvider, { key: 'id' }));
    expectMatches(got, refCsv(a, b, { key: ['id'] }), 'crlf → lf');
  });

  it('header-only and empty files', async () => {
    const header = await file('id,name\n', 'csv');
    const header2 = await file('id,name\r\n', 'csv');
    const rows = await file('id,name\nk1,x\nk2,"y, z"\n', 'csv');
    const empty = await file('', 'csv');
    const none = await collect(diffFiles(header, header2, nodeProvider, { key: 'id' }));
    expect(none.records).toEqual([]);
    expect(none.summary).toMatchObject({ added: 0, removed: 0, modified: 0, unchanged: 0 });
    const grow = await collect(diffFiles(header, rows, nodeProvider, { key: 'id' }));
    expect(grow.records).toEqual([
      { op: 'added', key: 'k1', after: { id: 'k1', name: 'x' }, row: 1 },
      { op: 'added', key: 'k2', after: { id: 'k2', name: 'y, z' }, row: 2 },
    ]);
    const shrink = await collect(diffFiles(rows, header, nodeProvider, { key: 'id' }));
    expect(shrink.summary).toMatchObject({ added: 0, removed: 2, modified: 0, unchanged: 0 });
    const nothing = await collect(diffFiles(empty, empty, nodeProvider));
    expect(nothing.records).toEqual([]);
    expect(nothing.summary).toMatchObject({ added: 0, removed: 0, modified: 0, unchanged: 0, rowsRead: 0 });
    // an empty file against a table: its columns and rows are all new
    const fromEmpty = await collect(diffFiles(empty, rows, nodeProvider));
    expect(schemaOf(fromEmpty.records)).toEqual([
      { change: 'added', path: '/id' },
      { change: 'added', path: '/name' },
    ]);
    expect(fromEmpty.summary).toMatchObject({ added: 2, removed: 0, unchanged: 0 });
  });

  it('identical files and versions: zero changes and zero rows read', async () => {
    const r = rngOf(10);
    const text = writeCsv(genCsv(r, 3000));
    const fa = await file(text, 'csv');
    const fb = await file(text, 'csv');
    const plain = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }));
    expect(plain.records).toEqual([]);
    expect(plain.summary).toMatchObject({ added: 0, removed: 0, modified: 0, moved: 0, unchanged: 3000, rowsRead: 0, chunksRead: 0 });
    const name = `same${datasetNo++}`;
    await repo.datasets.commit({ name, input: fa, signer: ada.signer, key: 'id' });
    const stored = await collect(repo.diff(`${name}@1`, `${name}@1`));
    expect(stored.records).toEqual([]);
    expect(stored.summary).toMatchObject({ unchanged: 3000, rowsRead: 0, key: 'id' });
    // a version and the file it was committed from: the same chunks, so nothing is read either
    const mixed = await collect(repo.diff(`${name}@1`, fb, { key: 'id' }));
    expect(mixed.records).toEqual([]);
    expect(mixed.summary).toMatchObject({ unchanged: 3000, rowsRead: 0, chunksRead: 0 });
  });

  it('a stored version against a plain file gives the records two files give', async () => {
    const r = rngOf(11);
    const a = genCsv(r, 2000);
    const b = mutateCsv(r, a, { ...EDITS, addColumn: true });
    const fa = await file(writeCsv(a), 'csv');
    const fb = await file(writeCsv(b), 'csv');
    const name = `mixed${datasetNo++}`;
    await repo.datasets.commit({ name, input: fa, signer: ada.signer, chunker: { targetSize: 256 } });
    const got = await collect(repo.diff(name, fb, { key: 'id' }));
    expectMatches(got, refCsv(a, b, { key: ['id'] }), 'version vs file');
  });
});

describe('schema changes (CSV)', () => {
  it('a renamed column (same place, other name) is one schema record; its values still compare', async () => {
    const fa = await file('id,amount,name\nk1,5,x\nk2,7,y\nk3,8,z\n', 'csv');
    const fb = await file('id,amt,name\nk1,5,x\nk2,9,y\nk3,8,z\n', 'csv');
    const got = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }));
    expect(got.records).toEqual([
      { op: 'schema', change: 'renamed', before: { path: '/amount' }, after: { path: '/amt' } },
      { op: 'modified', key: 'k2', before: { id: 'k2', amount: '7', name: 'y' }, after: { id: 'k2', amt: '9', name: 'y' }, changes: [{ path: '/amt', before: '7', after: '9' }], rows: [2, 2] },
    ]);
  });

  it('retyped only between two stored versions whose recorded types differ', async () => {
    const a = 'id,amount,name\nk1,5,x\nk2,7,y\nk3,8,z\n';
    const b = 'id,amount,name\nk1,5.0,x\nk2,7.5,y\nk3,8,z\n';
    const fa = await file(a, 'csv');
    const fb = await file(b, 'csv');
    const name = `typed${datasetNo++}`;
    await repo.datasets.commit({ name, input: fa, signer: ada.signer, key: 'id' });
    await repo.datasets.commit({ name, input: fb, signer: ada.signer });
    const stored = await collect(repo.diff(`${name}@1`, `${name}@2`));
    expect(stored.records[0]).toEqual({ op: 'schema', change: 'retyped', before: { path: '/amount', type: 'integer' }, after: { path: '/amount', type: 'number' } });
    // a retyped column compares by value: 5 = 5.0, 7 ≠ 7.5
    expect(canon(stored.records)).toEqual([JSON.stringify({ op: 'modified', key: 'k2', rows: [2, 2], before: { id: 'k2', amount: '7', name: 'y' }, after: { id: 'k2', amount: '7.5', name: 'y' }, changes: [{ path: '/amount', before: '7', after: '7.5' }] })]);
    // plain files have no recorded types: no schema change, and the text differs on two rows
    const plain = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }));
    expect(schemaOf(plain.records)).toEqual([]);
    expect(plain.summary.modified).toBe(2);
  });

  it('refuses a key column that is not there, naming the columns', async () => {
    const fa = await file('id,name\nk1,x\n', 'csv');
    const d = diffFiles(fa, fa, nodeProvider, { key: 'nope' });
    await expect(collect(d)).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('key column "nope" is not in') });
    await expect(collect(diffFiles(fa, fa, nodeProvider, { columns: ['nope'] }))).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('diff engine against the reference diff (JSONL)', () => {
  const EDITS: Edits = { edits: 25, inserts: 8, deletes: 8, moves: 0 };

  for (const seed of [21, 22]) {
    it(`keyed by /id, seed ${seed}: nested leaves, array growth and shrinkage, inserts, deletes`, async () => {
      const r = rngOf(seed);
      const a = genJsonl(r, 700);
      const b = mutateJsonl(r, a, EDITS);
      expect(writeJsonl(a).length).toBeGreaterThan(150_000); // ~40 chunks of 4 KiB as a plain file
      const want = refJsonl(a, b, { key: '/id' });
      expect(want.records.some((s) => s.includes('"/messages/'))).toBe(true);
      await checkEveryWay(writeJsonl(a), writeJsonl(b), 'jsonl', want, { key: '/id' }, `jsonl seed ${seed}`, '/id');
    });
  }

  it('a field every row of B gains is one schema record; rows are compared without it (plain and stored)', async () => {
    const r = rngOf(27);
    const a = genJsonl(r, 400);
    const b = mutateJsonl(r, a, EDITS) as any[];
    for (const v of b) v.meta.lang = r.pick(['en', 'cy']);
    const want = refJsonl(a, b, { key: '/id', schema: [{ change: 'added', path: '/meta/lang' }] });
    expect(want.modified).toBeLessThan(EDITS.edits + 1);
    await checkEveryWay(writeJsonl(a), writeJsonl(b), 'jsonl', want, { key: '/id' }, 'jsonl field added everywhere', '/id');
  });

  it('keys shown as their JSON value; changed paths are JSON pointers with before and after', async () => {
    const fa = await file('{"id":1,"m":[{"c":"a"}],"x":{"y":true}}\n{"id":"1","m":[]}\n', 'jsonl');
    const fb = await file('{"id":1,"m":[{"c":"b"},{"c":"new"}],"x":{"y":true}}\n{"id":"1","m":[]}\n', 'jsonl');
    const got = await collect(diffFiles(fa, fb, nodeProvider, { key: '/id' }));
    expect(got.records).toHaveLength(1);
    const m = got.records[0]!;
    expect(m).toMatchObject({ op: 'modified', key: 1, rows: [1, 1] });
    expect(m.op === 'modified' && sortChanges(m.changes)).toEqual([
      { path: '/m/0/c', before: 'a', after: 'b' },
      { path: '/m/1/c', before: undefined, after: 'new' },
    ]);
  });

  it('without a key: a multiset by content', async () => {
    const r = rngOf(23);
    const a = genJsonl(r, 500);
    const b = mutateJsonl(r, a, EDITS);
    await checkEveryWay(writeJsonl(a), writeJsonl(b), 'jsonl', refJsonl(a, b, {}), {}, 'jsonl keyless');
  });

  it('--columns and --ignore-columns take JSON pointers (and what is under them)', async () => {
    const r = rngOf(24);
    const a = genJsonl(r, 500);
    const b = mutateJsonl(r, a, { ...EDITS, edits: 60 });
    const fa = await file(writeJsonl(a), 'jsonl');
    const fb = await file(writeJsonl(b), 'jsonl');
    for (const o of [{ columns: ['/meta'] }, { ignoreColumns: ['/messages'] }, { columns: ['/messages', '/n'], ignoreColumns: ['/messages/0'] }]) {
      const want = refJsonl(a, b, { key: '/id', ...o });
      expectMatches(await collect(diffFiles(fa, fb, nodeProvider, { key: '/id', ...o })), want, JSON.stringify(o));
      expectMatches(await collect(diffFiles(fa, fb, nodeProvider, { key: '/id', ...o, memoryBudget: SPILL_BUDGET, tmpDir: spillRoot })), want, `${JSON.stringify(o)} spill`);
    }
  });

  it('without a key, --ignore-columns makes rows that differ only there the same content (as for CSV)', async () => {
    const fa = await file('{"id":1,"note":"a"}\n{"id":2,"note":"b"}\n', 'jsonl');
    const fb = await file('{"id":1,"note":"changed"}\n{"id":2,"note":"b"}\n', 'jsonl');
    const got = await collect(diffFiles(fa, fb, nodeProvider, { ignoreColumns: ['/note'] }));
    expect(got.records).toEqual([]);
    expect(got.summary).toMatchObject({ added: 0, removed: 0, unchanged: 2 });
  });

  it('moves, keyed by /id', async () => {
    const r = rngOf(25);
    const a = genJsonl(r, 600);
    const b = mutateJsonl(r, a, { edits: 10, inserts: 4, deletes: 4, moves: 12 });
    await checkEveryWay(writeJsonl(a), writeJsonl(b), 'jsonl', refJsonl(a, b, { key: '/id' }), { key: '/id', moves: true }, 'jsonl moves', '/id');
  });

  it('a field added to one row of a plain file is a change of that row, not a schema change', async () => {
    // Contract: from plain files a field is "added" only when every row of B has it and no row of A.
    const r = rngOf(26);
    const a = genJsonl(r, 500);
    const b = structuredClone(a) as any[];
    b[250].meta.note = 'checked';
    const want = refJsonl(a, b, { key: '/id' });
    expect(want.records).toHaveLength(1);
    const got = await collect(diffFiles(await file(writeJsonl(a), 'jsonl'), await file(writeJsonl(b), 'jsonl'), nodeProvider, { key: '/id' }));
    expectMatches(got, want, 'one row gains /meta/note');
  });

  it('a field every row of B gains (and no row of A has) is one schema change from plain files', async () => {
    const a = [{ id: 1, x: 'a' }, { id: 2, x: 'b' }];
    const b = a.map((v) => ({ ...v, extra: v.id * 10 }));
    const got = await collect(diffFiles(await file(writeJsonl(a), 'jsonl'), await file(writeJsonl(b), 'jsonl'), nodeProvider, { key: '/id' }));
    expect(schemaOf(got.records)).toEqual([{ change: 'added', path: '/extra' }]);
    expect(got.summary).toMatchObject({ modified: 0, unchanged: 2 });
  });

  it('empty JSONL files', async () => {
    const empty = await file('', 'jsonl');
    const one = await file('{"id":7}\n', 'jsonl');
    expect((await collect(diffFiles(empty, empty, nodeProvider))).summary).toMatchObject({ added: 0, removed: 0, unchanged: 0, rowsRead: 0 });
    expect((await collect(diffFiles(empty, one, nodeProvider, { key: '/id' }))).records).toEqual([{ op: 'added', key: 7, after: { id: 7 }, row: 1 }]);
  });
});

describe('duplicate keys', () => {
  it('rows with a repeated key pair in file order: the i-th in A with the i-th in B', async () => {
    const fa = await file('id,v\nk,1\nk,2\nj,1\n', 'csv');
    const fb = await file('id,v\nk,3\nk,4\nk,5\n', 'csv');
    for (const o of [{}, { memoryBudget: 256, tmpDir: spillRoot }]) {
      const got = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', ...o }));
      expect(got.summary.partitions > 1, JSON.stringify(o)).toBe('memoryBudget' in o);
      expect(canon(got.records), JSON.stringify(o)).toEqual(
        [
          { op: 'added', key: 'k', row: 3, after: { id: 'k', v: '5' } },
          { op: 'modified', key: 'k', rows: [1, 1], before: { id: 'k', v: '1' }, after: { id: 'k', v: '3' }, changes: [{ path: '/v', before: '1', after: '3' }] },
          { op: 'modified', key: 'k', rows: [2, 2], before: { id: 'k', v: '2' }, after: { id: 'k', v: '4' }, changes: [{ path: '/v', before: '2', after: '4' }] },
          { op: 'removed', key: 'j', row: 3, before: { id: 'j', v: '1' } },
        ]
          .map((x) => JSON.stringify(x))
          .sort(),
      );
    }
  });

  it('the spill path and --moves pair repeated keys as the in-memory path does', async () => {
    // A: k,1 then k,2; B: k,2. In memory the identical "k,2" rows pair first (1 removed);
    // the same diff spilled, or with moves, must not pair differently.
    const fa = await file('id,v\nk,1\nk,2\n', 'csv');
    const fb = await file('id,v\nk,2\n', 'csv');
    const memory = canon((await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }))).records);
    const spill = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', memoryBudget: 256, tmpDir: spillRoot }));
    expect(spill.summary.partitions).toBeGreaterThan(1);
    const spilled = canon(spill.records);
    const withMoves = canon((await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', moves: true }))).records);
    expect(spilled).toEqual(memory);
    expect(withMoves).toEqual(memory);
  });

  it('random tables with repeated keys: spilled and in-memory records are the same multiset', async () => {
    const r = rngOf(31);
    const a = genCsv(r, 2500);
    for (const row of a.rows) row[0] = `k${r.int(600)}`; // about four rows per key
    const b = mutateCsv(r, a, { edits: 30, inserts: 10, deletes: 10, moves: 0 });
    const fa = await file(writeCsv(a), 'csv');
    const fb = await file(writeCsv(b), 'csv');
    const memory = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }));
    const spilled = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', memoryBudget: SPILL_BUDGET, tmpDir: spillRoot }));
    expect(spilled.summary.partitions).toBeGreaterThan(1);
    const counts = (g: Got) => [g.summary.added, g.summary.removed, g.summary.modified];
    expect(counts(spilled), 'added, removed, modified').toEqual(counts(memory));
    expect(canon(spilled.records)).toEqual(canon(memory.records));
  });
});

describe('content equality without a key', () => {
  it('a CSV row quoted differently has the same content (as it does with a key)', async () => {
    const fa = await file('id,v\nk1,a\nk2,b\n', 'csv');
    const fb = await file('id,v\nk1,"a"\nk2,b\n', 'csv');
    expect((await collect(diffFiles(fa, fb, nodeProvider, { key: 'id' }))).records).toEqual([]);
    const keyless = await collect(diffFiles(fa, fb, nodeProvider));
    expect(keyless.records).toEqual([]);
    expect(keyless.summary).toMatchObject({ added: 0, removed: 0, unchanged: 2 });
  });

  it('a JSONL row with its fields in another order has the same content (as it does with a key)', async () => {
    const fa = await file('{"id":1,"a":2}\n', 'jsonl');
    const fb = await file('{"a":2,"id":1}\n', 'jsonl');
    expect((await collect(diffFiles(fa, fb, nodeProvider, { key: '/id' }))).records).toEqual([]);
    expect((await collect(diffFiles(fa, fb, nodeProvider))).records).toEqual([]);
  });

  it('whitespace between JSON tokens is not content', async () => {
    const fa = await file('{"id":1,"a":[1,2]}\n', 'jsonl');
    const fb = await file('{"id": 1, "a": [1, 2]}\n', 'jsonl');
    expect((await collect(diffFiles(fa, fb, nodeProvider))).records).toEqual([]);
  });
});

describe('spill partitions', () => {
  it('a tiny memory budget gives a bounded number of partitions (not one per byte)', async () => {
    // Partitions hold rows: more partitions than rows read only opens more files (two each, each
    // with a 1 MiB buffer). memoryBudget: 1 on a 100-row file asks for >20,000 partitions: EMFILE.
    const fa = await file('id,v\nk1,a\nk2,b\nk3,c\n', 'csv');
    const fb = await file('id,v\nk1,a\nk2,B\nk4,d\n', 'csv');
    const got = await collect(diffFiles(fa, fb, nodeProvider, { key: 'id', memoryBudget: 16, tmpDir: spillRoot }));
    expect(got.summary).toMatchObject({ added: 1, removed: 1, modified: 1, unchanged: 1 });
    expect(got.summary.partitions).toBeGreaterThan(1);
    expect(got.summary.partitions).toBeLessThanOrEqual(got.summary.rowsRead);
    expect(await readdir(spillRoot)).toEqual([]);
  });
});

describe('cost follows the change', () => {
  it('two stored 100k-row versions one edit apart: under 1% of rows read, one record', async () => {
    const lines = ['id,name,amount'];
    for (let i = 0; i < 100_000; i++) lines.push(`k${i},name ${i},${(i * 7919) % 100_000}`);
    const fa = await file(lines.join('\n') + '\n', 'csv');
    lines[61_234] = 'k61233,renamed,42';
    const fb = await file(lines.join('\n') + '\n', 'csv');
    const name = `big${datasetNo++}`;
    await repo.datasets.commit({ name, input: fa, signer: ada.signer, key: 'id' });
    await repo.datasets.commit({ name, input: fb, signer: ada.signer });
    for (const [x, y] of [
      [`${name}@1`, `${name}@2`],
      [fa, fb],
    ] as const) {
      const got = await collect(repo.diff(x, y, { key: 'id' }));
      expect(got.records).toEqual([
        {
          op: 'modified',
          key: 'k61233',
          before: { id: 'k61233', name: 'name 61233', amount: String((61_233 * 7919) % 100_000) },
          after: { id: 'k61233', name: 'renamed', amount: '42' },
          changes: [
            { path: '/name', before: 'name 61233', after: 'renamed' },
            { path: '/amount', before: String((61_233 * 7919) % 100_000), after: '42' },
          ],
          rows: [61_234, 61_234],
        },
      ]);
      expect(got.summary.unchanged).toBe(99_999);
      expect(got.summary.rowsRead, `${x}: rows read`).toBeLessThan(1_000); // < 1% of the 100k rows
      expect(got.summary.chunksRead).toBeLessThanOrEqual(6);
    }
  });
});
