// What kind of table a file is: from its name, else from its first bytes; and the CSV dialect to
// read it with. Shared by commit (src/diff/ingest.ts, src/api/datasets.ts) and diff (table-side.ts).
import { extname } from 'node:path';
import { sniffCsvDialect, type CsvDialect } from './csv-parse.js';
import type { TableFormat } from './rows.js';

const EXT: Record<string, TableFormat> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.parquet': 'parquet' };

/** The format a file name says, if any. */
export function formatFromName(path: string): TableFormat | undefined {
  return EXT[extname(path).toLowerCase()];
}

/** JSONL if the first non-blank byte opens an object or array, else CSV (or TSV when tabs split the rows best). */
export function sniffTableFormat(head: Uint8Array): 'csv' | 'tsv' | 'jsonl' {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0d || head[i] === 0x0a)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return 'jsonl';
  return head.length && sniffCsvDialect(head).delimiter === 0x09 ? 'tsv' : 'csv';
}

/** How to split a CSV/TSV file's fields (TSV: tabs, no quoting; CSV: the sniffed delimiter and "); null for JSONL and Parquet. */
export function dialectOf(format: TableFormat, head: Uint8Array): CsvDialect | null {
  if (format === 'jsonl' || format === 'parquet') return null;
  if (format === 'tsv') return { delimiter: 0x09, quote: null };
  return { delimiter: head.length ? sniffCsvDialect(head).delimiter : 0x2c, quote: 0x22 };
}
