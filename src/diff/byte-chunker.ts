// Byte-level content-defined chunking for files that are not row text (Parquet): FastCDC
// (Xia et al., "FastCDC: a Fast and Efficient Content-Defined Chunking Approach for Data
// Deduplication", USENIX ATC 2016). A gear hash rolls over the bytes, h = (h << 1) + GEAR[byte],
// and a boundary falls where h & mask == 0; "normalised chunking" uses a stricter mask before the
// target size and a looser one after it, which keeps sizes close to the target, and nothing is
// cut before `minSize` (those bytes are skipped, not hashed: the paper's cut-point skipping).
// Only the last 32 bytes influence a 32-bit gear hash, so an insertion moves at most the
// boundaries next to it.

export interface ByteChunkerOptions {
  minSize?: number;
  targetSize?: number;
  maxSize?: number;
}

export const BYTE_CHUNK_DEFAULTS = { minSize: 16 * 1024, targetSize: 64 * 1024, maxSize: 256 * 1024 } as const;

/** The gear table: 256 fixed pseudo-random 32-bit values (SplitMix32 from a fixed seed). Part of the storage format. */
const GEAR = (() => {
  const t = new Uint32Array(256);
  let s = 0x436f676e; // "Cogn"
  for (let i = 0; i < 256; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    t[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return t;
})();

/**
 * A mask of the `bits` highest bits. Bit k of a gear hash depends on the last k+1 bytes, so the
 * high bits see a 32-byte window; P(h & mask == 0) = 2^-bits.
 */
function topMask(bits: number): number {
  return bits >= 32 ? 0xffffffff : (((1 << bits) - 1) << (32 - bits)) >>> 0;
}

function log2(n: number): number {
  return Math.round(Math.log2(n));
}

export interface ByteChunk {
  bytes: Uint8Array;
  offset: number;
}

/**
 * Streaming FastCDC. Holds at most `maxSize` bytes. The chunks' concatenation is the input, and
 * the boundaries do not depend on how the input was split into pieces.
 */
export class ByteChunker {
  private readonly min: number;
  private readonly target: number;
  private readonly max: number;
  private readonly maskS: number;
  private readonly maskL: number;
  private buf: Uint8Array;
  private len = 0;
  private offset = 0;

  constructor(opts: ByteChunkerOptions = {}) {
    this.min = opts.minSize ?? BYTE_CHUNK_DEFAULTS.minSize;
    this.target = opts.targetSize ?? BYTE_CHUNK_DEFAULTS.targetSize;
    this.max = opts.maxSize ?? BYTE_CHUNK_DEFAULTS.maxSize;
    if (!(this.min > 0 && this.min <= this.target && this.target <= this.max)) {
      throw new RangeError(`chunk sizes must satisfy 0 < min ≤ target ≤ max, got ${this.min}, ${this.target}, ${this.max}`);
    }
    const bits = log2(this.target);
    this.maskS = topMask(bits + 2); // harder to match before the target (normalisation level 2)
    this.maskL = topMask(Math.max(1, bits - 2)); // easier after it
    this.buf = new Uint8Array(this.max);
  }

  /** The length of the next chunk at the start of `data[0..n)`, or -1 if more input is needed. */
  private cut(data: Uint8Array, n: number, final: boolean): number {
    if (n <= this.min) return final && n > 0 ? n : -1;
    const limit = Math.min(n, this.max);
    const normal = Math.min(limit, this.target);
    let h = 0;
    let i = this.min;
    for (; i < normal; i++) {
      h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
      if ((h & this.maskS) === 0) return i + 1;
    }
    for (; i < limit; i++) {
      h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
      if ((h & this.maskL) === 0) return i + 1;
    }
    if (limit === this.max) return this.max;
    return final ? n : -1;
  }

  push(piece: Uint8Array): ByteChunk[] {
    const out: ByteChunk[] = [];
    let p = 0;
    while (p < piece.length) {
      const take = Math.min(this.max - this.len, piece.length - p);
      this.buf.set(piece.subarray(p, p + take), this.len);
      this.len += take;
      p += take;
      this.drain(out, false);
    }
    return out;
  }

  end(): ByteChunk[] {
    const out: ByteChunk[] = [];
    this.drain(out, true);
    return out;
  }

  private drain(out: ByteChunk[], final: boolean): void {
    for (;;) {
      const n = this.cut(this.buf, this.len, final);
      if (n < 0 || this.len === 0) return;
      out.push({ bytes: this.buf.slice(0, n), offset: this.offset });
      this.offset += n;
      this.buf.copyWithin(0, n, this.len);
      this.len -= n;
    }
  }
}
