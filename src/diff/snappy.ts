// Snappy decompression for Parquet pages (google/snappy format_description.txt), given to
// hyparquet in place of its own. hyparquet's decoder reads a 4-byte literal length as a signed
// 32-bit number: a damaged page can make it negative, the read position then moves backwards, and
// the decoder loops forever (found by fuzzing; a time limit cannot stop a synchronous loop). Here
// every element moves the input position forward, every length and offset is checked against the
// input and the output, and the result must be exactly the page size the header gives.

function damaged(why: string): never {
  throw new Error(`damaged Snappy data: ${why}`);
}

/** Decompress `input` into exactly `size` bytes, or throw naming what is wrong. */
export function snappyDecompress(input: Uint8Array, size: number): Uint8Array {
  let pos = 0;
  // The preamble: the uncompressed length as a little-endian base-128 varint of at most 5 bytes.
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= input.length || shift > 28) damaged('bad length preamble');
    const b = input[pos++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (length !== size) damaged(`holds ${length} bytes, the page header says ${size}`);
  const out = new Uint8Array(size);
  let at = 0;
  while (pos < input.length) {
    const tag = input[pos++]!;
    let len: number;
    if ((tag & 3) === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const n = len - 60; // 1 to 4 bytes of length - 1, little-endian, unsigned
        if (pos + n > input.length) damaged('literal length past the end');
        len = 1;
        for (let i = 0; i < n; i++) len += input[pos + i]! * 2 ** (8 * i);
        pos += n;
      }
      if (pos + len > input.length) damaged('literal past the end of the input');
      if (at + len > size) damaged('literal past the end of the page');
      out.set(input.subarray(pos, pos + len), at);
      pos += len;
      at += len;
      continue;
    }
    let offset: number;
    if ((tag & 3) === 1) {
      if (pos + 1 > input.length) damaged('copy past the end of the input');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos]!;
      pos += 1;
    } else if ((tag & 3) === 2) {
      if (pos + 2 > input.length) damaged('copy past the end of the input');
      len = (tag >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > input.length) damaged('copy past the end of the input');
      len = (tag >>> 2) + 1;
      offset = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16) | (input[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > at) damaged(`copy from offset ${offset} at byte ${at}`);
    if (at + len > size) damaged('copy past the end of the page');
    // Byte by byte: a copy may overlap what it writes (offset < len repeats a pattern).
    for (let i = 0; i < len; i++) out[at + i] = out[at - offset + i]!;
    at += len;
  }
  if (at !== size) damaged(`ends after ${at} of ${size} bytes`);
  return out;
}
