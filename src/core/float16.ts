// float16 by hand (IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits), for
// the CBOR codec's preferred serialisation (RFC 8949 §4.1 / §3.3): a float is written as
// float16 when that holds it exactly.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** binary16 bits of v if v is exactly representable (not NaN), else -1. */
export function _toHalfExact(v: number): number {
  if (Math.fround(v) !== v) return -1; // not even a float32 (also rejects NaN)
  f32[0] = v;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00; // ±Infinity (NaN excluded above)
  if (exp === 0) return mant === 0 ? sign : -1; // ±0; float32 subnormals are < 2^-126
  const e = exp - 127;
  if (e > 15) return -1;
  if (e >= -14) {
    // normal half: the low 13 of the 23 fraction bits must be zero
    return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : -1;
  }
  if (e < -24) return -1;
  // subnormal half: value = m * 2^-24, m = significand (24 bits, implicit 1) >> (-1 - e)
  const full = 0x800000 | mant;
  const shift = -1 - e; // 14..23
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : -1;
}

/** Value of binary16 bits h. */
export function _fromHalf(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  let v: number;
  if (exp === 0) v = mant * 2 ** -24;
  else if (exp === 31) v = mant === 0 ? Infinity : NaN;
  else v = (1024 + mant) * 2 ** (exp - 25);
  return h & 0x8000 ? -v : v;
}
