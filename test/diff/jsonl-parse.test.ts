// parseJsonlRow, jsonPointer (RFC 6901 §5 examples), flattenPaths and JsonSchemaAccumulator
// (src/diff/jsonl-parse.ts).

import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/core/bytes.js';
import { InputError } from '../../src/core/errors.js';
import { flattenPaths, jsonPointer, JsonSchemaAccumulator, parseJsonlRow } from '../../src/diff/jsonl-parse.js';

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('INPUT_INVALID');
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

const row = (text: string | Uint8Array, line = 1, offset = 0): unknown =>
  parseJsonlRow(typeof text === 'string' ? utf8(text) : text, { line, offset });

describe('parseJsonlRow', () => {
  it('parses a value with LF, CRLF or no terminator, and a BOM at offset 0', () => {
    expect(row('{"a":[1,"é"]}\n')).toEqual({ a: [1, 'é'] });
    expect(row('{"a":1}\r\n')).toEqual({ a: 1 });
    expect(row('"𝄞"')).toBe('𝄞');
    expect(row(concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), utf8('{"a":1}\n')))).toEqual({ a: 1 });
  });

  it('a blank line is an error, naming the line', () => {
    for (const blank of ['\n', '   \r\n', '\t', '']) {
      const e = inputError(() => row(blank, 9, 80));
      expect(e.data).toEqual({ line: 9, column: 1, offset: 80 });
      expect(e.message).toBe('line 9 is empty; JSONL needs one JSON value per line');
    }
  });

  it('invalid JSON names the line and the column V8 reports', () => {
    let e = inputError(() => row('{"é":1,}\n', 4, 30));
    expect(e.data).toMatchObject({ line: 4 });
    e = inputError(() => row('{"é":1 x}\n', 4, 30));
    expect(e.data).toEqual({ line: 4, column: 8, offset: 30 + utf8('{"é":1 ').length });
    e = inputError(() => row('{"a":1} 2\n', 2, 0));
    expect(e.data).toEqual({ line: 2, column: 9, offset: 8 });
    // Truncated: at the end of the line.
    e = inputError(() => row('{"a":[1,\n', 3, 0));
    expect(e.data).toMatchObject({ line: 3, column: 9 });
    expect(e.message).toMatch(/^invalid JSON at line 3, column 9/);
    expect(e.cause).toBeInstanceOf(SyntaxError);
    // An object cut after a comma: V8 points past the newline; the error is still on this line.
    e = inputError(() => row('{"g":"a",\n', 2, 0));
    expect(e.data).toMatchObject({ line: 2, column: 10 });
    e = inputError(() => row('{"g":"a",\r\n', 5, 0));
    expect(e.data).toMatchObject({ line: 5, column: 10 });
  });

  it('invalid UTF-8 names line and column', () => {
    const e = inputError(() => row(concatBytes(utf8('{"a":"é'), new Uint8Array([0x80]), utf8('"}\n')), 6, 10));
    expect(e.data).toEqual({ line: 6, column: 8, offset: 18 });
  });
});

describe('jsonPointer (RFC 6901 §5)', () => {
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };
  it('resolves the RFC examples', () => {
    expect(jsonPointer(doc, '')).toBe(doc);
    expect(jsonPointer(doc, '/foo')).toEqual(['bar', 'baz']);
    expect(jsonPointer(doc, '/foo/0')).toBe('bar');
    expect(jsonPointer(doc, '/')).toBe(0);
    expect(jsonPointer(doc, '/a~1b')).toBe(1);
    expect(jsonPointer(doc, '/c%d')).toBe(2);
    expect(jsonPointer(doc, '/e^f')).toBe(3);
    expect(jsonPointer(doc, '/g|h')).toBe(4);
    expect(jsonPointer(doc, '/i\\j')).toBe(5);
    expect(jsonPointer(doc, '/k"l')).toBe(6);
    expect(jsonPointer(doc, '/ ')).toBe(7);
    expect(jsonPointer(doc, '/m~0n')).toBe(8);
  });

  it('missing paths are undefined, without reaching the prototype', () => {
    expect(jsonPointer(doc, '/nope')).toBeUndefined();
    expect(jsonPointer(doc, '/foo/2')).toBeUndefined();
    expect(jsonPointer(doc, '/foo/-')).toBeUndefined();
    expect(jsonPointer(doc, '/foo/01')).toBeUndefined();
    expect(jsonPointer(doc, '/foo/0/x')).toBeUndefined();
    expect(jsonPointer({}, '/constructor')).toBeUndefined();
    expect(jsonPointer({}, '/__proto__')).toBeUndefined();
    expect(jsonPointer({ '~1': 'x' }, '/~01')).toBe('x'); // "~01" is "~1", not "/"
  });

  it('rejects malformed pointers', () => {
    expect(inputError(() => jsonPointer(doc, 'foo')).data).toEqual({ pointer: 'foo' });
    inputError(() => jsonPointer(doc, '/a~2'));
  });
});

describe('flattenPaths', () => {
  it('lists leaves by pointer, arrays by index, keeps empty containers, escapes keys', () => {
    const v = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null }], meta: {}, tags: [], 'a/b~': 1 };
    expect([...flattenPaths(v)]).toEqual([
      ['/messages/0/role', 'user'],
      ['/messages/0/content', 'hi'],
      ['/messages/1/role', 'assistant'],
      ['/messages/1/content', null],
      ['/meta', {}],
      ['/tags', []],
      ['/a~1b~0', 1],
    ]);
    expect([...flattenPaths(5)]).toEqual([['', 5]]);
    for (const [p, leaf] of flattenPaths(v)) expect(jsonPointer(v, p)).toEqual(leaf);
  });
});

describe('JsonSchemaAccumulator', () => {
  it('collects generalised paths with types and row counts', () => {
    const acc = new JsonSchemaAccumulator();
    const chat = (n: number) => ({ id: n, messages: Array.from({ length: 1000 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: 'x' })) });
    acc.add(chat(1));
    acc.add({ id: 2.5, messages: [], score: null });
    acc.add({ id: '3', messages: [{ role: 'user', content: 'y', weight: true }] });
    const r = acc.result();
    expect(r.rows).toBe(3);
    expect(r.truncated).toBe(false);
    const byPath = Object.fromEntries(r.paths.map((p) => [p.path, p]));
    expect(Object.keys(byPath)).toEqual(['', '/id', '/messages', '/messages/*', '/messages/*/role', '/messages/*/content', '/score', '/messages/*/weight']);
    expect(byPath['/id']).toEqual({ path: '/id', rows: 3, types: { integer: 1, number: 1, string: 1 } });
    expect(byPath['/messages/*/role']).toEqual({ path: '/messages/*/role', rows: 2, types: { string: 1001 } });
    expect(byPath['/score']).toEqual({ path: '/score', rows: 1, types: { null: 1 } });
    expect(byPath['/messages']!.types).toEqual({ array: 3 });
    expect(byPath['']!.types).toEqual({ object: 3 });
  });

  it('caps the number of distinct paths', () => {
    const acc = new JsonSchemaAccumulator({ maxPaths: 5 });
    acc.add(Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`k${k}`, k])));
    const r = acc.result();
    expect(r.paths.length).toBe(5);
    expect(r.truncated).toBe(true);
  });
});
