// The bundle container: round trips in pieces of any size, and every kind of damage (truncation
// at every offset, a flipped byte anywhere, items dropped, added or reordered, a zip bomb) refused
// with a BundleError that names where.
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import { nodeProvider as crypto } from '../../src/node/node-crypto.js';
import { fflateCodec, FORMAT_VERSION, MAGIC, MAX_ITEM, readBundle, writeBundle, type BundleEvent, type BundleItem, type Codec } from '../../src/sync/bundle-format.js';
import { zlibCodec } from '../../src/node/zlib-codec.js';
import { BundleError } from '../../src/core/errors.js';

const enc = new TextEncoder();
const items: BundleItem[] = [
  { kind: 'object', bytes: enc.encode('an object, canonical CBOR in real life') },
  { kind: 'chunk', bytes: crypto.randomBytes(5000) },
  { kind: 'chunk', bytes: new Uint8Array(0) },
  { kind: 'object', bytes: enc.encode('x'.repeat(100_000)) },
];
const manifest = enc.encode('manifest bytes');

async function bundle(list: BundleItem[] = items, m = manifest, codec?: Codec): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of writeBundle(crypto, m, list, codec ? { codec } : {})) parts.push(p);
  return Buffer.concat(parts);
}

async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function read(bytes: Uint8Array, size = 1 << 16, codec?: Codec): Promise<BundleEvent[]> {
  const out: BundleEvent[] = [];
  for await (const e of readBundle(crypto, pieces(bytes, size), codec ? { codec } : {})) out.push(e);
  return out;
}

async function failure(bytes: Uint8Array, codec?: Codec): Promise<BundleError> {
  try {
    await read(bytes, 1 << 16, codec);
  } catch (e) {
    expect(e).toBeInstanceOf(BundleError);
    return e as BundleError;
  }
  throw new Error('the damaged bundle was accepted');
}

/** Frame offsets of a bundle, from its own bytes. */
function frames(b: Uint8Array): { kind: string; at: number; length: number }[] {
  const out = [];
  let at = MAGIC.length + 1;
  while (at < b.length) {
    const length = new DataView(b.buffer, b.byteOffset).getUint32(at + 1);
    out.push({ kind: String.fromCharCode(b[at]!), at, length });
    at += 5 + length;
  }
  return out;
}

describe('bundle container', () => {
  it('round-trips the manifest and every item, ids being the SHA-256 of the bytes, in pieces of any size', async () => {
    const b = await bundle();
    for (const size of [1, 7, 4096, b.length]) {
      const events = await read(b, size);
      expect(events[0]).toMatchObject({ type: 'manifest', bytes: manifest });
      const got = events.filter((e) => e.type === 'item');
      expect(got.map((e) => e.type === 'item' && [e.kind, Buffer.from(e.bytes).toString('hex'), e.id])).toEqual(
        items.map((i) => [i.kind, Buffer.from(i.bytes).toString('hex'), `sha256:${Buffer.from(crypto.sha256(i.bytes)).toString('hex')}`]),
      );
      expect(events[events.length - 1]).toMatchObject({ type: 'end', items: 4, bytes: b.length });
    }
    expect(frames(b).map((f) => f.kind)).toEqual(['M', 'O', 'O', 'O', 'O', 'T']);
  });

  it('Node\'s zlib and fflate write the same format: each reads what the other wrote', async () => {
    for (const [w, r] of [[zlibCodec, fflateCodec], [fflateCodec, zlibCodec]] as const) {
      const events = await read(await bundle(items, manifest, w), 4096, r);
      expect(events.filter((e) => e.type === 'item').map((e) => e.type === 'item' && Buffer.from(e.bytes).toString('hex'))).toEqual(items.map((i) => Buffer.from(i.bytes).toString('hex')));
    }
  });

  it('refuses a truncation at every offset as BUNDLE_TRUNCATED, naming the byte', async () => {
    const b = await bundle(items.slice(0, 2));
    for (let n = 0; n < b.length; n++) {
      const e = await failure(b.subarray(0, n));
      expect(e.code, `cut at ${n}`).toBe('BUNDLE_TRUNCATED');
      expect(e.message).toMatch(new RegExp(`ends at byte ${n}\\b`));
    }
  });

  it('refuses a flipped byte anywhere: header, manifest, frame header, item, trailer and its seal', async () => {
    const b = await bundle(items.slice(0, 2));
    for (let i = 0; i < b.length; i++) {
      const bad = Uint8Array.from(b);
      bad[i]! ^= 0x01;
      const e = await failure(bad);
      expect(['BUNDLE_INVALID', 'BUNDLE_TRUNCATED'], `byte ${i}: ${e.message}`).toContain(e.code);
    }
  });

  it('refuses items dropped, added, reordered, and bytes after the trailer, by the trailer', async () => {
    const b = await bundle();
    const f = frames(b);
    const slice = (x: { at: number; length: number }) => b.subarray(x.at, x.at + 5 + x.length);
    const head = b.subarray(0, f[1]!.at);
    const [o1, o2, o3, o4, t] = f.slice(1);
    const cases = {
      dropped: [head, slice(o1!), slice(o2!), slice(o4!), slice(t!)],
      added: [head, slice(o1!), slice(o2!), slice(o3!), slice(o4!), slice(o4!), slice(t!)],
      reordered: [head, slice(o2!), slice(o1!), slice(o3!), slice(o4!), slice(t!)],
    };
    for (const [name, parts] of Object.entries(cases)) expect((await failure(Buffer.concat(parts))).message, name).toMatch(/trailer at byte \d+ does not match/);
    expect((await failure(Buffer.concat([b, Uint8Array.of(0)]))).message).toMatch(/bytes after the trailer/);
    expect((await failure(enc.encode('PK\u0003\u0004 a zip file'))).message).toMatch(/not a Cognify bundle/);
    // A bundle of the first format (a 32-byte trailer, no seal) is named as such.
    const v1 = Uint8Array.from(b);
    v1[MAGIC.length] = 1;
    expect((await failure(v1)).message).toMatch(/bundle format version 1 is not one this cognify reads \(it reads 2\)/);
  });

  it('cuts off an item that inflates past the limit (a zip bomb) without holding it', async () => {
    const bomb = deflateSync(new Uint8Array(MAX_ITEM + 1024), { level: 9 });
    const head = Uint8Array.of(...MAGIC, FORMAT_VERSION, 0x4d, 0, 0, 0, 1, 0x41, 0x4f, ...new Uint8Array(4));
    new DataView(head.buffer).setUint32(MAGIC.length + 1 + 6 + 1, bomb.length);
    for (const codec of [fflateCodec, zlibCodec]) {
      const e = await failure(Buffer.concat([head, bomb]), codec);
      expect(e.message).toMatch(/decompresses to more than/);
    }
  });
});
