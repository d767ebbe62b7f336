// The peers the dataset suite measures Cognify against, each counting the same three things
// (rows added, removed, modified between two files keyed by `id`) so the bench can check that
// every tool found the same changes before it compares their times:
//
//   DuckDB   a FULL OUTER JOIN of read_csv / read_json on the key, a row modified when any column
//            IS DISTINCT FROM its counterpart; in-process (@duckdb/node-api), all cores.
//   GNU diff `diff a b`, line-based: it cannot tell a modified row from a removed + an added one,
//            so it is checked as "<" lines = removed + modified, ">" lines = added + modified.
//   daff     daff's JS API in-process (parse both files, compareTables keyed on id, TableDiff),
//            read from its DiffSummary; in-memory and slow, so only the 100k-row case.
//   git add  `git add FILE` in a fresh repository: SHA-1 of the blob plus zlib, the commit peer.
//
// DuckDB and daff are loaded on first use, so a process that imports this file for something else
// (the commit child of datasets.ts) does not carry their memory.
import { spawn } from 'node:child_process';
import { link, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

export type TableFormat = 'csv' | 'jsonl';

/** Row counts of a keyed diff (what every peer but GNU diff reports). */
export interface RowCounts {
  added: number;
  removed: number;
  modified: number;
}

export interface Timed<T> {
  ms: number;
  value: T;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

// ---- DuckDB ---------------------------------------------------------------------------------------

type DuckModule = typeof import('@duckdb/node-api');
type DuckConnection = Awaited<ReturnType<Awaited<ReturnType<DuckModule['DuckDBInstance']['create']>>['connect']>>;

/** SQL string literal ('' doubles a quote). */
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
/** SQL identifier ("" doubles a quote). */
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * A DuckDB in-memory database reused across runs (creating one is not part of a diff). Spills, if
 * any, go to `tempDir` rather than `.tmp` in the working directory.
 */
export class DuckDiff {
  private constructor(
    private readonly close_: () => void,
    private readonly conn: DuckConnection,
  ) {}

  static async open(opts: { tempDir: string }): Promise<DuckDiff> {
    const duck: DuckModule = await import('@duckdb/node-api');
    const instance = await duck.DuckDBInstance.create(':memory:', { temp_directory: opts.tempDir });
    const conn = await instance.connect();
    return new DuckDiff(() => {
      conn.closeSync();
      instance.closeSync();
    }, conn);
  }

  close(): void {
    this.close_();
  }

  /**
   * The table expression DuckDB reads a file with. CSV: every column as VARCHAR, so a diff compares
   * the text as written ("1.50" ≠ "1.5"), as ours does. JSONL: the top-level fields (the union over
   * both files, from DuckDB's own sniffing of each) each as JSON, the key as VARCHAR: a nested
   * field is compared whole, and a field one side lacks reads as NULL on that side; letting
   * read_json infer STRUCTs instead would drop keys its sample never saw (an edit adding
   * meta.reviewed in a few rows of a million) and miss those modifications.
   */
  private source(format: TableFormat, path: string, columns?: string[], key?: string): string {
    if (format === 'csv') return `read_csv(${lit(path)}, header = true, all_varchar = true)`;
    if (!columns) return `read_json(${lit(path)}, format = 'newline_delimited')`;
    const spec = columns.map((c) => `${lit(c)}: ${lit(c === key ? 'VARCHAR' : 'JSON')}`).join(', ');
    return `read_json(${lit(path)}, format = 'newline_delimited', columns = {${spec}})`;
  }

  private async columnsOf(format: TableFormat, path: string): Promise<string[]> {
    const r = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${this.source(format, path)}`);
    return r.getRowObjectsJS().map((row) => String(row.column_name));
  }

  /** The diff query for two files, as run (for the report). */
  async sql(format: TableFormat, a: string, b: string, key: string): Promise<string> {
    const ca = await this.columnsOf(format, a);
    const cb = await this.columnsOf(format, b);
    let columns: string[];
    if (format === 'csv') {
      if (ca.join('\0') !== cb.join('\0')) throw new Error(`DuckDB diff: the two CSV files have different columns (${ca.join(',')} / ${cb.join(',')})`);
      columns = ca;
    } else columns = [...new Set([...ca, ...cb])];
    if (!columns.includes(key)) throw new Error(`DuckDB diff: no column "${key}" in ${a}`);
    const k = ident(key);
    const changed = columns
      .filter((c) => c !== key)
      .map((c) => `a.${ident(c)} IS DISTINCT FROM b.${ident(c)}`)
      .join(' OR ');
    const both = `a.${k} IS NOT NULL AND b.${k} IS NOT NULL`;
    return [
      'SELECT',
      `  count(*) FILTER (WHERE a.${k} IS NULL) AS added,`,
      `  count(*) FILTER (WHERE b.${k} IS NULL) AS removed,`,
      `  count(*) FILTER (WHERE ${both} AND (${changed})) AS modified`,
      `FROM ${this.source(format, a, columns, key)} AS a`,
      `FULL OUTER JOIN ${this.source(format, b, columns, key)} AS b ON a.${k} = b.${k}`,
    ].join('\n');
  }

  /** Run a query made by `sql` and read its counts. */
  async run(query: string): Promise<Timed<RowCounts>> {
    return timed(async () => {
      const r = await this.conn.runAndReadAll(query);
      const row = r.getRowObjectsJS()[0];
      if (!row) throw new Error('DuckDB diff returned no row');
      return { added: Number(row.added), removed: Number(row.removed), modified: Number(row.modified) };
    });
  }
}

// ---- GNU diff -------------------------------------------------------------------------------------

/** Lines only in A ("<") and only in B (">") of `diff a b`. */
export interface LineCounts {
  left: number;
  right: number;
}

/**
 * `diff a b` with its output counted as it streams (never buffered: on a shuffled file it would be
 * the size of both inputs). A "<" or ">" at the start of a line marks a line of A or B; every other
 * output line ("12,14c12,15", "---") starts with a digit or "-". Exit status 1 means "different".
 */
export function gnuDiff(a: string, b: string, diffPath = '/usr/bin/diff'): Promise<Timed<LineCounts>> {
  return timed(
    () =>
      new Promise<LineCounts>((resolve, reject) => {
        const child = spawn(diffPath, [a, b], { stdio: ['ignore', 'pipe', 'pipe'] });
        const counts: LineCounts = { left: 0, right: 0 };
        let atLineStart = true;
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          for (let i = 0; i < chunk.length; ) {
            if (atLineStart) {
              const c = chunk[i]!;
              if (c === 60 /* < */) counts.left++;
              else if (c === 62 /* > */) counts.right++;
            }
            const nl = chunk.indexOf(10, i);
            if (nl < 0) {
              atLineStart = false;
              break;
            }
            atLineStart = true;
            i = nl + 1;
          }
        });
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => {
          if (code === 0 || code === 1) resolve(counts);
          else reject(new Error(`${diffPath} exited with ${code}: ${stderr.trim()}`));
        });
      }),
  );
}

// ---- daff -----------------------------------------------------------------------------------------

/** The part of daff's untyped API used here (node_modules/daff/lib/daff.js, coopy.*). */
interface DaffTable {
  get_height(): number;
}
interface DaffApi {
  SimpleTable: new (w: number, h: number) => DaffTable;
  Csv: new () => { parseTable(txt: string, tab: DaffTable): boolean };
  Ndjson: new (tab: DaffTable) => { parse(txt: string): void };
  CompareFlags: new () => { addPrimaryKey(column: string): void; ordered: boolean };
  compareTables(a: DaffTable, b: DaffTable, flags: object): { align(): object };
  TableDiff: new (
    align: object,
    flags: object,
  ) => { hilite(out: DaffTable): boolean; getSummary(): { row_inserts: number; row_deletes: number; row_updates: number } };
}

let daffApi: DaffApi | undefined;
function loadDaff(): DaffApi {
  // daff is CommonJS without types; its exports are the coopy namespace plus compareTables.
  return (daffApi ??= createRequire(import.meta.url)('daff') as DaffApi);
}

/**
 * daff as a library, the way `daff a.csv b.csv` runs: read both files, parse them with daff's own
 * CSV or NDJSON reader, align rows on the key, highlight, and read the row counts from the summary.
 * The timing covers all of it (as for the other tools, which read the files themselves).
 */
export async function daffDiff(format: TableFormat, a: string, b: string, key: string): Promise<Timed<RowCounts>> {
  const daff = loadDaff();
  return timed(async () => {
    const load = async (path: string): Promise<DaffTable> => {
      const txt = await readFile(path, 'utf8');
      const t = new daff.SimpleTable(0, 0);
      if (format === 'csv') new daff.Csv().parseTable(txt, t);
      else new daff.Ndjson(t).parse(txt);
      return t;
    };
    const ta = await load(a);
    const tb = await load(b);
    const flags = new daff.CompareFlags();
    flags.addPrimaryKey(key);
    const td = new daff.TableDiff(daff.compareTables(ta, tb, flags).align(), flags);
    td.hilite(new daff.SimpleTable(0, 0));
    const s = td.getSummary();
    return { added: s.row_inserts, removed: s.row_deletes, modified: s.row_updates };
  });
}

// ---- git add ----------------------------------------------------------------------------------------

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * `git add FILE` in a new repository `dir` (git init; the file hard-linked in, so no copy is
 * made): git hashes the blob (SHA-1) and writes it zlib-compressed as a loose object. A fresh
 * repository each time, since git skips compressing an object it already has. The timing covers
 * `git add` alone.
 */
export async function gitAdd(file: string, dir: string): Promise<Timed<null>> {
  await mkdir(dir, { recursive: true });
  await run('git', ['init', '-q', '.'], dir);
  const name = basename(file);
  await link(file, join(dir, name));
  return timed(() => run('git', ['-c', 'core.autocrlf=false', '-c', 'core.safecrlf=false', 'add', name], dir).then(() => null));
}
