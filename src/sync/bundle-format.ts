// The bundle container (issue 7): one file carrying a signed manifest and objects between
// repositories that never meet (an air gap). This layer only frames and checks bytes; what the
// manifest says and which objects a bundle holds is the sync layer's business above it.
//
//   "COGNIFY BUNDLE\n" (15 bytes)  version (1 byte, = 2)
//   frame*                          kind (1 byte) · length (u32, big-endian) · body
//     'M' manifest  exactly once, first: the manifest's canonical CBOR, as is
//     'O' item      zero or more: deflate-raw of (item kind byte: 0 object, 1 chunk) ‖ bytes
//     'T' trailer   exactly once, last: seal (64 bytes) ‖ SHA-256(H ‖ seal), where H is the
//                   SHA-256 of every byte before this frame and the seal is the bundle maker's
//                   Ed25519 signature of sealMessage(H)
//
// An item names no id: its id is the SHA-256 of its bytes (objects and chunks alike), so a
// reader computes it and nothing can claim a wrong one. The trailer catches what per-item hashes
// cannot: a dropped, added or reordered item, or bytes flipped in the manifest; the seal makes
// that hold against someone who rewrites the file and recomputes the hash, since only the
// manifest's signer can seal it (this layer checks the hash; the sync layer, which knows the
// signer's key, checks the seal). Readers stream:
// memory is bounded by the largest frame (MAX_FRAME), whatever the bundle's size, and a
// decompressed item is cut off at MAX_ITEM, so a small frame cannot inflate without bound.
// Items reach the caller before the trailer is checked: a caller stages them and commits only
// after the 'end' event.
import { Inflate, deflateSync } from 'fflate';
import { BundleError } from '../core/errors.js';
import { concatBytes, toHex } from '../core/bytes.js';
import type { CryptoProvider } from '../core/crypto-provider.js';

export const MAGIC = new TextEncoder().encode('COGNIFY BUNDLE\n');
export const FORMAT_VERSION = 2;
/** The largest frame body accepted (compressed item, or manifest). */
export const MAX_FRAME = 64 * 1024 * 1024;
/** The largest item once decompressed (objects are at most ~16 MB, chunks far less). */
export const MAX_ITEM = 64 * 1024 * 1024;

const MANIFEST = 0x4d;
const ITEM = 0x4f;
const TRAILER = 0x54;
const KINDS = ['object', 'chunk'] as const;
export type ItemKind = (typeof KINDS)[number];

export interface BundleItem {
  kind: ItemKind;
  bytes: Uint8Array;
}

export type BundleEvent =
  | { type: 'manifest'; bytes: Uint8Array; offset: number }
  | { type: 'item'; kind: ItemKind; id: string; bytes: Uint8Array; offset: number }
  | { type: 'end'; items: number; bytes: number; hash: string; seal: Uint8Array };

/** What the seal signs: a domain prefix and the SHA-256 of every byte before the trailer. */
export function sealMessage(hash: Uint8Array): Uint8Array {
  return concatBytes(new TextEncoder().encode('COGNIFY BUNDLE SEAL v2\n'), hash);
}

function frameHeader(kind: number, length: number): Uint8Array {
  const h = new Uint8Array(5);
  h[0] = kind;
  new DataView(h.buffer).setUint32(1, length);
  return h;
}

/**
 * Raw deflate and inflate, injected like the crypto provider: fflate by default (portable), and
 * Node's zlib from src/node where it runs (about 4× faster here). `inflate` must refuse, by
 * throwing, output over `max` bytes.
 */
export interface Codec {
  deflate(bytes: Uint8Array): Uint8Array;
  inflate(bytes: Uint8Array, max: number): Uint8Array;
}

export const fflateCodec: Codec = {
  deflate: (bytes) => deflateSync(bytes, { level: 1 }),
  inflate: (body, max) => {
    const parts: Uint8Array[] = [];
    let size = 0;
    const inflate = new Inflate((chunk) => {
      size += chunk.length;
      if (size > max) throw new RangeError(`output over ${max} bytes`);
      parts.push(chunk);
    });
    inflate.push(body, true);
    return concatBytes(...parts);
  },
};

/**
 * Write a bundle: yields the file's bytes in pieces (stream them to a file; nothing is held).
 * `seal` signs sealMessage(hash) with the manifest's signer's key; without it the seal is zeros,
 * which a reader that checks seals refuses.
 */
export async function* writeBundle(crypto: CryptoProvider, manifest: Uint8Array, items: AsyncIterable<BundleItem> | Iterable<BundleItem>, opts: { codec?: Codec; seal?: (message: Uint8Array) => Uint8Array } = {}): AsyncGenerator<Uint8Array> {
  const codec = opts.codec ?? fflateCodec;
  if (manifest.length > MAX_FRAME) throw new BundleError('BUNDLE_INVALID', `the manifest is ${manifest.length} bytes, over the ${MAX_FRAME}-byte frame limit`, {});
  const hash = crypto.createSha256();
  const emit = (b: Uint8Array) => {
    hash.update(b);
    return b;
  };
  yield emit(Uint8Array.of(...MAGIC, FORMAT_VERSION));
  yield emit(frameHeader(MANIFEST, manifest.length));
  yield emit(manifest);
  for await (const item of items) {
    if (item.bytes.length > MAX_ITEM) throw new BundleError('BUNDLE_INVALID', `a ${item.kind} of ${item.bytes.length} bytes is over the ${MAX_ITEM}-byte item limit`, {});
    const plain = new Uint8Array(item.bytes.length + 1);
    plain[0] = KINDS.indexOf(item.kind);
    plain.set(item.bytes, 1);
    const body = codec.deflate(plain);
    yield emit(frameHeader(ITEM, body.length));
    yield emit(body);
  }
  const h = hash.digest();
  const seal = opts.seal ? opts.seal(sealMessage(h)) : new Uint8Array(64);
  if (seal.length !== 64) throw new TypeError('a bundle seal is a 64-byte Ed25519 signature');
  yield frameHeader(TRAILER, 96);
  yield concatBytes(seal, crypto.sha256(concatBytes(h, seal)));
}

/** Reads exact byte counts from a stream of pieces, counting the offset and hashing what it passes. */
class ByteReader {
  offset = 0;
  private pieces: Uint8Array[] = [];
  private have = 0;
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(
    source: AsyncIterable<Uint8Array>,
    readonly hash: { update(b: Uint8Array): unknown },
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** `n` bytes, or fewer at the end of the stream. */
  async read(n: number, hashed = true): Promise<Uint8Array> {
    while (this.have < n) {
      const r = await this.it.next();
      if (r.done) break;
      if (r.value.length) {
        this.pieces.push(r.value);
        this.have += r.value.length;
      }
    }
    const len = Math.min(n, this.have);
    const out = new Uint8Array(len);
    let o = 0;
    while (o < len) {
      const p = this.pieces[0]!;
      const take = Math.min(p.length, len - o);
      out.set(p.subarray(0, take), o);
      o += take;
      if (take === p.length) this.pieces.shift();
      else this.pieces[0] = p.subarray(take);
    }
    this.have -= len;
    this.offset += len;
    if (hashed) this.hash.update(out);
    return out;
  }

  async atEnd(): Promise<boolean> {
    return (await this.read(1, false)).length === 0;
  }
}

function inflateItem(codec: Codec, body: Uint8Array, offset: number): Uint8Array {
  try {
    return codec.inflate(body, MAX_ITEM + 1);
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BundleError('BUNDLE_INVALID', `the item at byte ${offset} decompresses to more than ${MAX_ITEM} bytes; the bundle is damaged or hostile`, { offset });
    }
    throw new BundleError('BUNDLE_INVALID', `the item at byte ${offset} does not decompress (${(e as Error).message}); the bundle is damaged`, { offset });
  }
}

/**
 * Read and check a bundle as it streams: the header, one manifest, items (each with its id, the
 * SHA-256 of its bytes), then the trailer. Every problem is a BundleError naming the byte offset.
 */
export async function* readBundle(crypto: CryptoProvider, source: AsyncIterable<Uint8Array>, opts: { codec?: Codec } = {}): AsyncGenerator<BundleEvent> {
  const codec = opts.codec ?? fflateCodec;
  const hash = crypto.createSha256();
  const r = new ByteReader(source, hash);
  const head = await r.read(MAGIC.length + 1);
  if (head.length <= MAGIC.length && head.every((b, i) => MAGIC[i] === b)) {
    throw new BundleError('BUNDLE_TRUNCATED', `the bundle ends at byte ${head.length}, inside its header; the file is incomplete: copy it again`, { offset: head.length });
  }
  if (MAGIC.some((b, i) => head[i] !== b)) {
    throw new BundleError('BUNDLE_INVALID', 'this is not a Cognify bundle (its first bytes are not "COGNIFY BUNDLE"); give a file made by cognify bundle create', { offset: 0 });
  }
  if (head[MAGIC.length] !== FORMAT_VERSION) {
    const v = head[MAGIC.length]!;
    throw new BundleError(
      'BUNDLE_INVALID',
      v < FORMAT_VERSION
        ? `bundle format version ${v} is not one this cognify reads (it reads ${FORMAT_VERSION}): the bundle was made by an older cognify; make it again with this one`
        : `bundle format version ${v} is not one this cognify reads (it reads ${FORMAT_VERSION}); update cognify`,
      { offset: MAGIC.length },
    );
  }
  let items = 0;
  let manifest = false;
  for (;;) {
    const at = r.offset;
    // Frame headers are hashed once known not to be the trailer's: the trailer hashes what precedes it.
    const header = await r.read(5, false);
    if (header.length < 5) {
      throw new BundleError('BUNDLE_TRUNCATED', `the bundle ends at byte ${r.offset}${header.length ? ', inside a frame header' : ''} before its trailer; the file is incomplete: copy it again`, { offset: r.offset });
    }
    const kind = header[0]!;
    const length = new DataView(header.buffer, header.byteOffset).getUint32(1);
    if (kind === TRAILER) {
      if (!manifest) throw new BundleError('BUNDLE_INVALID', `the trailer at byte ${at} comes before any manifest; the bundle is damaged`, { offset: at });
      if (length !== 96) throw new BundleError('BUNDLE_INVALID', `the trailer at byte ${at} is ${length} bytes, not 96; the bundle is damaged`, { offset: at });
      const h = hash.digest();
      const got = await r.read(96, false);
      if (got.length < 96) throw new BundleError('BUNDLE_TRUNCATED', `the bundle ends at byte ${r.offset}, inside its trailer; the file is incomplete: copy it again`, { offset: r.offset });
      const seal = got.slice(0, 64);
      if (toHex(got.subarray(64)) !== toHex(crypto.sha256(concatBytes(h, seal)))) {
        throw new BundleError('BUNDLE_INVALID', `the trailer at byte ${at} does not match the bundle's contents: bytes were changed, dropped, added or reordered; do not import it`, { offset: at });
      }
      if (!(await r.atEnd())) throw new BundleError('BUNDLE_INVALID', `there are bytes after the trailer at byte ${r.offset - 1}; the bundle is damaged`, { offset: r.offset - 1 });
      yield { type: 'end', items, bytes: r.offset, hash: toHex(h), seal };
      return;
    }
    hash.update(header);
    if (kind !== MANIFEST && kind !== ITEM) throw new BundleError('BUNDLE_INVALID', `unknown frame kind 0x${kind.toString(16).padStart(2, '0')} at byte ${at}; the bundle is damaged`, { offset: at });
    if (length > MAX_FRAME) throw new BundleError('BUNDLE_INVALID', `the frame at byte ${at} claims ${length} bytes, over the ${MAX_FRAME}-byte limit; the bundle is damaged`, { offset: at });
    const body = await r.read(length);
    if (body.length < length) throw new BundleError('BUNDLE_TRUNCATED', `the bundle ends at byte ${r.offset}, inside the frame at byte ${at}; the file is incomplete: copy it again`, { offset: r.offset });
    if (kind === MANIFEST) {
      if (manifest) throw new BundleError('BUNDLE_INVALID', `a second manifest at byte ${at}; the bundle is damaged`, { offset: at });
      manifest = true;
      yield { type: 'manifest', bytes: body, offset: at };
      continue;
    }
    if (!manifest) throw new BundleError('BUNDLE_INVALID', `an item at byte ${at} comes before the manifest; the bundle is damaged`, { offset: at });
    const plain = inflateItem(codec, body, at);
    const k = KINDS[plain[0] ?? 255];
    if (plain.length > MAX_ITEM + 1) throw new BundleError('BUNDLE_INVALID', `the item at byte ${at} decompresses to more than ${MAX_ITEM} bytes; the bundle is damaged or hostile`, { offset: at });
    if (!k || plain.length === 0) throw new BundleError('BUNDLE_INVALID', `the item at byte ${at} has an unknown item kind; the bundle is damaged`, { offset: at });
    const bytes = plain.subarray(1);
    items++;
    yield { type: 'item', kind: k, id: `sha256:${toHex(crypto.sha256(bytes))}`, bytes, offset: at };
  }
}
