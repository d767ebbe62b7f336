// CsvSchemaAccumulator and classifyCsvField (src/diff/csv-schema.ts).

import { describe, expect, it } from 'vitest';
import { classifyCsvField, CsvSchemaAccumulator } from '../../src/diff/csv-schema.js';

describe('classifyCsvField', () => {
  it('classifies field text', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['0', 'integer'],
      ['-12', 'integer'],
      ['+7', 'integer'],
      ['007', 'string'], // leading zeros: an identifier
      ['1.5', 'number'],
      ['-.5', 'number'],
      ['1e-3', 'number'],
      ['2.', 'number'],
      ['1,5', 'string'],
      ['true', 'boolean'],
      ['FALSE', 'boolean'],
      ['yes', 'string'],
      ['2024-02-29', 'date'],
      ['2024-02-29T12:30:00Z', 'date'],
      ['2024-02-29 12:30:00.123+02:00', 'date'],
      ['2024-13-01', 'string'],
      ['2024-01-01T25:00', 'string'],
      [' 1', 'string'],
      ['NaN', 'string'],
      ['-', 'string'],
    ];
    for (const [s, kind] of cases) expect([s, classifyCsvField(s)]).toEqual([s, kind]);
  });
});

describe('CsvSchemaAccumulator', () => {
  it('infers the narrowest type per column and counts empties', () => {
    const acc = new CsvSchemaAccumulator(['id', 'score', 'ok', 'when', 'note', 'blank']);
    acc.add(['1', '2', 'true', '2024-01-01', 'x', '']);
    acc.add(['2', '2.5', 'false', '2024-01-02T00:00:00Z', '3', '']);
    acc.add(['3', '', '', '', '', '']);
    const r = acc.result();
    expect(r.rows).toBe(3);
    expect(r.columns.map((c) => [c.name, c.type, c.empties])).toEqual([
      ['id', 'integer', 0],
      ['score', 'number', 1],
      ['ok', 'boolean', 1],
      ['when', 'date', 1],
      ['note', 'string', 1],
      ['blank', 'empty', 3],
    ]);
    expect(r.columns[1]!.counts).toEqual({ integer: 1, number: 1, boolean: 0, date: 0, string: 0, empty: 1 });
  });

  it('mixed kinds other than integer+number are string; extra fields get positional names', () => {
    const acc = new CsvSchemaAccumulator(['a']);
    acc.add(['1']);
    acc.add(['true', 'extra']);
    const r = acc.result();
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['a', 'string'],
      ['column 2', 'string'],
    ]);
  });
});
