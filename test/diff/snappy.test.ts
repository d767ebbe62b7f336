// The Snappy decoder Parquet pages go through (src/diff/snappy.ts): the format's literals and
// copies, overlapping copies, and damaged streams refused at once. hyparquet's own decoder looped
// forever on the negative-length literal below (a fuzzed Parquet file).
import { describe, expect, it } from 'vitest';
import { snappyDecompress } from '../../src/diff/snappy.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('snappyDecompress', () => {
  it('decodes literals, 1-, 2- and 4-byte-offset copies, and an overlapping copy', () => {
    // "hello" (a literal, tag (5-1)<<2), "hell" (copy-1, 4 from 5 back), "o" (copy-2, 1 from 5
    // back), "lo" (copy-4, 2 from 2 back), then "oooooo" (copy-1, 6 from 1 back: overlapping).
    const stream = [18, 0x10, 104, 101, 108, 108, 111, 0x01, 5, 0x02, 5, 0, 0x07, 2, 0, 0, 0, 0x09, 1];
    expect(text(snappyDecompress(Uint8Array.from(stream), 18))).toBe('hellohellolooooooo');
    // A literal with a one-byte length (tag 60<<2): 61 bytes.
    const long = Uint8Array.from([61, 60 << 2, 60, ...Array(61).fill(97)]);
    expect(text(snappyDecompress(long, 61))).toBe('a'.repeat(61));
  });

  it('refuses damaged streams with an error, and never loops', () => {
    const bad: [number[], number, RegExp][] = [
      // A literal whose 4-byte length has its top bit set (negative as a signed 32-bit number).
      [[8, 63 << 2, 0xff, 0xff, 0xff, 0xff, 97], 8, /literal past the end/],
      [[5, 0x10, 104, 101], 5, /literal past the end of the input/],
      [[3, 0x01, 5], 3, /copy from offset 5 at byte 0/],
      [[4, 0x0c, 97, 98, 99, 100, 0x01, 1], 4, /copy past the end of the page/],
      [[9, 0x10, 104, 101, 108, 108, 111], 9, /ends after 5 of 9 bytes/],
      [[5, 0x10, 104, 101, 108, 108, 111], 6, /holds 5 bytes, the page header says 6/],
      [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 1, /bad length preamble/],
    ];
    for (const [stream, size, why] of bad) expect(() => snappyDecompress(Uint8Array.from(stream), size), JSON.stringify(stream)).toThrow(why);
  });
});
