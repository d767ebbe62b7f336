import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  parseSafetensorsHeader,
  readSafetensorsHeader,
  writeTinySafetensors,
} from '../../src/runs/safetensors.js';

const FIX = 'the file is truncated or not valid safetensors; re-export or re-download it';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cognify-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function put(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `f${counter++}.safetensors`);
  await writeFile(path, bytes);
  return path;
}

/** A file whose prefix states the header's true length, followed by `dataLen` zero bytes. */
function raw(header: string | Uint8Array, dataLen: number, statedLength?: bigint): Uint8Array {
  const body = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + body.length + dataLen);
  new DataView(out.buffer).setBigUint64(0, statedLength ?? BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

async function rejects(bytes: Uint8Array, problem: string): Promise<void> {
  const path = await put(bytes);
  const err = await readSafetensorsHeader(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe('INPUT_INVALID');
  expect((err as InputError).message).toBe(`${path}: ${problem}; ${FIX}`);
}

const t = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe('readSafetensorsHeader: valid files', () => {
  it('reports tensors, parameters, dtypes, bytes and metadata', async () => {
    const bytes = writeTinySafetensors(
      [
        { name: 'w', dtype: 'F32', shape: [2, 3] },
        { name: 'b', dtype: 'BF16', shape: [4] },
        { name: 'step', dtype: 'I64', shape: [] },
        { name: 'empty', dtype: 'F16', shape: [0, 5] },
        { name: 'q', dtype: 'F4', shape: [4] },
        { name: 'mask', dtype: 'BOOL', shape: [3] },
        { name: 'b2', dtype: 'BF16', shape: [1] },
      ],
      { format: 'pt' },
    );
    const info = await readSafetensorsHeader(await put(bytes));
    expect(info).toEqual({
      headerBytes: info.headerBytes,
      tensors: 7,
      parameters: 6 + 4 + 1 + 0 + 4 + 3 + 1,
      dtypes: { F32: 1, BF16: 2, I64: 1, F16: 1, F4: 1, BOOL: 1 },
      bytes: 24 + 8 + 8 + 0 + 2 + 3 + 2,
      metadata: { format: 'pt' },
    });
    expect(info.headerBytes % 8).toBe(0);
    expect(bytes.length).toBe(8 + info.headerBytes + info.bytes);
  });

  it('accepts an empty header and no metadata', async () => {
    const info = await readSafetensorsHeader(await put(writeTinySafetensors([])));
    expect(info).toEqual({ headerBytes: 8, tensors: 0, parameters: 0, dtypes: {}, bytes: 0, metadata: null });
  });

  it('accepts tensors listed out of offset order, and a zero-byte tensor sharing an offset', async () => {
    const header = JSON.stringify({
      z: t('F32', [2], 8, 16),
      a: t('U8', [8], 0, 8),
      nothing: t('F32', [0], 8, 8),
    });
    const info = await readSafetensorsHeader(await put(raw(header, 16)));
    expect(info).toMatchObject({ tensors: 3, parameters: 10, bytes: 16, dtypes: { F32: 2, U8: 1 } });
  });

  it('reads only the header of a large (sparse) file', async () => {
    const bytes = writeTinySafetensors([{ name: 'big', dtype: 'F32', shape: [4096, 4096] }]);
    const headerEnd = bytes.length - 4096 * 4096 * 4;
    const path = join(dir, 'big.safetensors');
    const fh = await open(path, 'w');
    await fh.write(bytes.subarray(0, headerEnd), 0, headerEnd, 0);
    await fh.truncate(bytes.length);
    await fh.close();
    const info = await readSafetensorsHeader(path);
    expect(info).toMatchObject({ tensors: 1, parameters: 4096 * 4096, bytes: 4096 * 4096 * 4 });
  });
});

describe('readSafetensorsHeader: truncated or lying headers', () => {
  it('short file', () => rejects(new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte header length'));

  it('header length beyond the file', () =>
    rejects(raw('{}', 8, 1000n), 'header length 1000 runs past the end of the file (18 bytes)'));

  it('header length above the 100 MB cap', () =>
    rejects(raw('{}', 0, 1n << 40n), 'header length 1099511627776 exceeds the 100000000-byte limit'));

  it('header not UTF-8', () => rejects(raw(new Uint8Array([0x7b, 0xff, 0x7d]), 0), 'header is not valid UTF-8'));

  it('bad JSON', () => rejects(raw('{"a": ', 0), 'header is not valid JSON'));

  it('non-object JSON', () => rejects(raw('[1, 2]', 0), "header does not start with '{'"));

  it('__metadata__ with a non-string value', () =>
    rejects(raw('{"__metadata__": {"epochs": 3}}', 0), '__metadata__ value for "epochs" is not a string'));

  it('tensor entry not an object', () => rejects(raw('{"w": 1}', 0), 'tensor "w" is not an object'));

  it('unknown dtype', () =>
    rejects(raw(JSON.stringify({ w: t('F128', [1], 0, 16) }), 16), 'tensor "w" has unknown dtype "F128"'));

  it('negative shape', () =>
    rejects(
      raw(JSON.stringify({ w: t('F32', [-1], 0, 4) }), 4),
      'tensor "w" has a shape that is not a list of non-negative integers',
    ));

  it('data_offsets of the wrong form', () =>
    rejects(
      raw(JSON.stringify({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }), 4),
      'tensor "w" has data_offsets that are not two non-negative integers',
    ));

  it('data_offsets reversed', () =>
    rejects(
      raw(JSON.stringify({ w: t('F32', [0], 4, 0) }), 4),
      'tensor "w" has data_offsets [4, 0] that end before they begin',
    ));

  it('offsets mismatched to shape', () =>
    rejects(
      raw(JSON.stringify({ w: t('F32', [2, 2], 0, 4) }), 4),
      'tensor "w" (F32, shape [2, 2]) needs 16 bytes but data_offsets [0, 4] span 4',
    ));

  it('sub-byte tensor that is not whole bytes', () =>
    rejects(
      raw(JSON.stringify({ w: t('F4', [3], 0, 2) }), 2),
      'tensor "w" (F4, 3 elements) is not a whole number of bytes',
    ));

  it('offsets past the data buffer', () =>
    rejects(
      raw(JSON.stringify({ w: t('F32', [4], 0, 16) }), 8),
      'tensor "w" data_offsets [0, 16] run past the 8-byte data buffer',
    ));

  it('overlap', () =>
    rejects(
      raw(JSON.stringify({ a: t('F32', [2], 0, 8), b: t('F32', [2], 4, 12) }), 12),
      'tensor "b" at [4, 12] overlaps the previous tensor ending at 8',
    ));

  it('gap', () =>
    rejects(
      raw(JSON.stringify({ a: t('F32', [2], 0, 8), b: t('F32', [2], 12, 20) }), 20),
      'gap in the data buffer: bytes [8, 12) belong to no tensor',
    ));

  it('trailing bytes not covered', () =>
    rejects(
      raw(JSON.stringify({ a: t('F32', [2], 0, 8) }), 12),
      'bytes [8, 12) at the end of the data buffer belong to no tensor',
    ));

  it('a missing file is an InputError naming it', async () => {
    const path = join(dir, 'absent.safetensors');
    await expect(readSafetensorsHeader(path)).rejects.toThrow(
      `${path}: cannot open (ENOENT); check the path and permissions`,
    );
  });
});

describe('parseSafetensorsHeader and writeTinySafetensors', () => {
  it('parses header bytes against a stated file size', () => {
    const header = new TextEncoder().encode(JSON.stringify({ w: t('I8', [3], 0, 3) }));
    const info = parseSafetensorsHeader(header, 8 + header.length + 3, 'mem');
    expect(info).toEqual({ headerBytes: header.length, tensors: 1, parameters: 3, dtypes: { I8: 1 }, bytes: 3, metadata: null });
    expect(() => parseSafetensorsHeader(header, 8 + header.length - 1, 'mem')).toThrow(
      `mem: header length ${header.length} runs past the end of the file (${8 + header.length - 1} bytes); ${FIX}`,
    );
  });

  it('any changed data_offsets byte in a tiny file is caught', () => {
    const bytes = writeTinySafetensors([
      { name: 'a', dtype: 'F32', shape: [2] },
      { name: 'b', dtype: 'U16', shape: [3] },
    ]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length, 'ok').bytes).toBe(14);
    for (const [from, to] of [
      ['[0,8]', '[0,9]'],
      ['[8,14]', '[8,16]'],
      ['[8,14]', '[6,12]'],
    ] as const) {
      const lied = new TextEncoder().encode(text.replace(from, to));
      expect(() => parseSafetensorsHeader(lied, 8 + lied.length + 14, 'lie')).toThrow(InputError);
    }
  });

  it('writeTinySafetensors refuses an unknown dtype', () => {
    expect(() => writeTinySafetensors([{ name: 'x', dtype: 'F128', shape: [1] }])).toThrow(
      'writeTinySafetensors: tensor "x" (F128, shape [1]) is not representable; use a known dtype and whole-byte non-negative shape',
    );
  });
});
