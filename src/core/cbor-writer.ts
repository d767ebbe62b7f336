// Output buffer of the CBOR encoder: one growable buffer with shortest-form heads (RFC 8949
// §4.2.1), reused across calls when not re-entered.

import { TWO32 } from './cbor-value.js';

const KEEP_BYTES = 1 << 20; // drop the shared buffer after an encode that grew past this

export class _Writer {
  buf = new Uint8Array(256);
  dv = new DataView(this.buf.buffer);
  pos = 0;
  busy = false;

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** Major type (0..7) and argument 0 ≤ n ≤ 2^53-1, shortest form (§4.2.1 first bullet). */
  head(major: number, n: number): void {
    this.ensure(9);
    const m = major << 5;
    const b = this.buf;
    if (n < 24) b[this.pos++] = m | n;
    else if (n <= 0xff) {
      b[this.pos++] = m | 24;
      b[this.pos++] = n;
    } else if (n <= 0xffff) {
      b[this.pos++] = m | 25;
      this.dv.setUint16(this.pos, n);
      this.pos += 2;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = m | 26;
      this.dv.setUint32(this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = m | 27;
      this.dv.setUint32(this.pos, Math.floor(n / TWO32));
      this.dv.setUint32(this.pos + 4, n >>> 0);
      this.pos += 8;
    }
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 32) this.buf.set(bytes, this.pos);
    else for (let i = 0, b = this.buf, p = this.pos; i < n; i++) b[p + i] = bytes[i]!; // set() is slow for tiny arrays
    this.pos += n;
  }
}

const shared = new _Writer();

/** Run fn with a writer: the shared one unless re-entered (e.g. from a getter). */
export function _withWriter<T>(fn: (w: _Writer) => T): T {
  const w = shared.busy ? new _Writer() : shared;
  w.busy = true;
  w.pos = 0;
  try {
    return fn(w);
  } finally {
    w.busy = false;
    if (w === shared && w.buf.length > KEEP_BYTES) {
      w.buf = new Uint8Array(256);
      w.dv = new DataView(w.buf.buffer);
    }
  }
}
