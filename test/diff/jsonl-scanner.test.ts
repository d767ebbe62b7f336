// createJsonlScanner (src/diff/jsonl-scanner.ts): rows end at "\n", CRLF stays in the row, and
// any chunking gives the same boundaries.

import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.js';
import { createJsonlScanner } from '../../src/diff/jsonl-scanner.js';

function scan(bytes: Uint8Array, size?: number): number[] {
  const s = createJsonlScanner();
  const ends: number[] = [];
  const n = size ?? Math.max(1, bytes.length);
  for (let o = 0; o < bytes.length; o += n) ends.push(...s.push(bytes.subarray(o, o + n)));
  ends.push(...s.end());
  return ends;
}

describe('createJsonlScanner', () => {
  it('ends rows after each LF; CRLF stays in the row; a last row without LF comes from end()', () => {
    expect(scan(utf8('{"a":1}\n{"a":2}\n'))).toEqual([8, 16]);
    expect(scan(utf8('{"a":1}\r\n{"a":2}'))).toEqual([9, 16]);
    expect(scan(utf8(''))).toEqual([]);
    expect(scan(utf8('\n'))).toEqual([1]);
  });

  it('gives the same boundaries for every chunk size, including rows larger than a chunk', () => {
    const text = `{"t":"${'é'.repeat(5000)}"}\n[1,2]\r\n"𝄞"\n{}\n` + '{"x":"y"}\n'.repeat(50) + 'null';
    const b = utf8(text);
    const whole = scan(b);
    expect(whole.at(-1)).toBe(b.length);
    expect(whole.length).toBe(55);
    for (const size of [1, 2, 3, 7, 64, 65, 1000, 4096]) expect(scan(b, size)).toEqual(whole);
  });

  it('refuses push after end', () => {
    const s = createJsonlScanner();
    expect(s.end()).toEqual([]);
    expect(() => s.push(new Uint8Array(1))).toThrow(TypeError);
  });
});
