#!/usr/bin/env node
// Writes fixtures/datasets/credit-decisions.v1.parquet and .v2.parquet from the CSV fixtures of
// the same name, so the Parquet files hold exactly the CSV rows (same order, same values) with
// real column types: DATE for application_date, INT32 for the numbers, UTF-8 strings for the
// rest. Deterministic: no clock, fixed writer settings, so rerunning gives the same bytes.
//
//   node scripts/make-parquet-fixtures.js [DIR]     (default fixtures/datasets)
//
// test/diff/parquet.test.ts imports csvToParquet and checks that it gives the checked-in bytes.
//
// Row groups of 100 rows (v1: 3 groups, v2: 4 groups, the last of 2 rows) so that readers are
// exercised across row-group boundaries; SNAPPY pages (hyparquet reads SNAPPY and UNCOMPRESSED
// without extra codecs); statistics on (null counts, min/max).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';

const ROW_GROUP_SIZE = 100;
const CREATED_BY = 'cognify scripts/make-parquet-fixtures.js (hyparquet-writer)';

/** Parquet schema element per CSV column (parquet-format LogicalTypes.md: STRING, DATE, INT(32, true)). */
const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
const DATE = { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
const INT32 = { type: 'INT32' };
const COLUMN_TYPES = {
  applicant_id: STRING,
  application_date: DATE,
  age: INT32,
  sex: STRING,
  ethnicity: STRING,
  postcode_area: STRING,
  income: INT32,
  loan_amount: INT32,
  term_months: INT32,
  credit_score: INT32,
  decision: STRING,
  reason_code: STRING,
  reason_text: STRING,
  model_version: STRING,
};

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines; CRLF or LF ends a record. */
function parseCsv(text) {
  const records = [];
  let fields = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      quoted = true;
      i++;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      i += c === '\r' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || fields.length) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}

function convert(name, element, text, where) {
  if (text === '') return null; // an empty CSV field is a Parquet null
  if (element === DATE) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`${where}: ${name} is not a date: ${text}`);
    return new Date(`${text}T00:00:00Z`);
  }
  if (element === INT32) {
    if (!/^-?\d+$/.test(text) || Math.abs(Number(text)) > 2 ** 31 - 1) throw new Error(`${where}: ${name} is not a 32-bit integer: ${text}`);
    return Number(text);
  }
  return text;
}

export function csvToParquet(csvPath) {
  const [header, ...rows] = parseCsv(readFileSync(csvPath, 'utf8'));
  if (!header) throw new Error(`${csvPath}: empty`);
  const schema = [{ name: 'root', num_children: header.length }];
  const columnData = header.map((name) => {
    const element = COLUMN_TYPES[name];
    if (!element) throw new Error(`${csvPath}: no Parquet type for column ${name}; add it to COLUMN_TYPES`);
    schema.push({ name, repetition_type: 'OPTIONAL', ...element });
    return { name, data: [] };
  });
  rows.forEach((fields, r) => {
    if (fields.length !== header.length) throw new Error(`${csvPath}: record ${r + 2} has ${fields.length} fields, expected ${header.length}`);
    fields.forEach((text, c) => columnData[c].data.push(convert(header[c], COLUMN_TYPES[header[c]], text, `${csvPath}: record ${r + 2}`)));
  });
  const buffer = parquetWriteBuffer({ columnData, schema, codec: 'SNAPPY', statistics: true, rowGroupSize: ROW_GROUP_SIZE, createdBy: CREATED_BY });
  return { bytes: new Uint8Array(buffer), rows: rows.length, columns: header.length };
}

function main() {
  const dir = process.argv[2] ?? 'fixtures/datasets';
  for (const v of ['v1', 'v2']) {
    const out = join(dir, `credit-decisions.${v}.parquet`);
    const { bytes, rows, columns } = csvToParquet(join(dir, `credit-decisions.${v}.csv`));
    writeFileSync(out, bytes);
    console.log(JSON.stringify({ out, rows, columns, bytes: bytes.length }));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
