import type { Rng } from '@edgefl/core';

/**
 * Fused fast path of the fixed-width stochastic uniform quantizers (uniform, Q-GADMM):
 * one pass computes the level q_i (unbiased stochastic rounding of (x_i − base_i − lo)/step,
 * as in stochastic-round.ts; base = Q-GADMM's reference θ̂, absent for plain uniform), the
 * receiver's value base_i + lo + step·q_i, and packs q_i MSB-first
 * at `width` bits, zero-padded — byte-identical to bits/packFixed. The per-element
 * uniforms come from an inlined xorshift128 stream seeded from `rng` (four draws), so the
 * hot loop makes no calls; runs still replay bit for bit from the caller's seed.
 */
export function quantizePackStochastic(
  x: Float32Array,
  lo: number,
  step: number,
  width: number,
  rng: Rng,
  decoded: Float32Array,
  base?: Float32Array,
): Uint8Array {
  const n = x.length;
  const maxLevel = (1 << width) - 1;
  const out = new Uint8Array(Math.ceil((n * width) / 8));
  let s0 = rng.nextUint32() | 1;
  let s1 = rng.nextUint32();
  let s2 = rng.nextUint32();
  let s3 = rng.nextUint32();
  const inv = step > 0 ? 1 / step : 0;
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const b = base === undefined ? 0 : base[i]!;
    const c = (x[i]! - b - lo) * inv;
    // xorshift128 (Marsaglia 2003)
    const t = s0 ^ (s0 << 11);
    s0 = s1;
    s1 = s2;
    s2 = s3;
    s3 = s3 ^ (s3 >>> 19) ^ t ^ (t >>> 8);
    // ⌊c + u⌋ is ⌈c⌉ with probability c − ⌊c⌋, else ⌊c⌋; truncation (|0) equals ⌊·⌋ for
    // c ≥ 0, and a c a hair below 0 (float rounding of R) is clamped to level 0 either way
    let q = (c + (s3 >>> 0) * 2.3283064365386963e-10) | 0;
    q = q < 0 ? 0 : q > maxLevel ? maxLevel : q;
    decoded[i] = b + (lo + step * q);
    acc = (acc << width) | q;
    bits += width;
    while (bits >= 8) {
      bits -= 8;
      out[j++] = acc >>> bits;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[j] = acc << (8 - bits);
  return out;
}

/**
 * Inverse of the packing above fused with reconstruction: out_i = base_i + lo + step·q_i,
 * with the same double arithmetic as the encoder (so both ends agree bit for bit).
 * Widths 1, 2, 4, 8 unpack whole bytes; others run a bit accumulator. The caller has
 * checked `bytes` holds exactly ⌈n·width/8⌉ bytes. Returns false if a value overflowed
 * float32 (possible only with a base; without one every level lies within [lo, hi]).
 */
export function unpackDequantize(
  bytes: Uint8Array,
  width: number,
  lo: number,
  step: number,
  out: Float32Array,
  base?: Float32Array,
): boolean {
  const n = out.length;
  // Σ (o − o) stays 0 unless some stored value overflowed float32 (∞ − ∞ = NaN)
  let bad = 0;
  const levels = new Float64Array(1 << width);
  for (let q = 0; q < levels.length; q++) levels[q] = lo + step * q;
  if (width === 8) {
    if (base === undefined) for (let i = 0; i < n; i++) out[i] = levels[bytes[i]!]!;
    else {
      for (let i = 0; i < n; i++) {
        const o = Math.fround(base[i]! + levels[bytes[i]!]!);
        out[i] = o;
        bad += o - o;
      }
    }
    return bad === 0;
  }
  const mask = (1 << width) - 1;
  if (width === 1 || width === 2 || width === 4) {
    const per = 8 / width;
    const whole = Math.floor(n / per);
    let i = 0;
    if (base === undefined) {
      for (let j = 0; j < whole; j++) {
        const b = bytes[j]!;
        for (let shift = 8 - width; shift >= 0; shift -= width) out[i++] = levels[(b >>> shift) & mask]!;
      }
    } else {
      for (let j = 0; j < whole; j++) {
        const b = bytes[j]!;
        for (let shift = 8 - width; shift >= 0; shift -= width, i++) {
          const o = Math.fround(base[i]! + levels[(b >>> shift) & mask]!);
          out[i] = o;
          bad += o - o;
        }
      }
    }
    if (i < n) {
      const b = bytes[whole]!;
      for (let shift = 8 - width; i < n; shift -= width, i++) {
        const o = Math.fround((base === undefined ? 0 : base[i]!) + levels[(b >>> shift) & mask]!);
        out[i] = o;
        bad += o - o;
      }
    }
    return bad === 0;
  }
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    while (bits < width) {
      acc = ((acc << 8) | bytes[j++]!) & 0xffffff;
      bits += 8;
    }
    bits -= width;
    const o = Math.fround((base === undefined ? 0 : base[i]!) + levels[(acc >>> bits) & mask]!);
    out[i] = o;
    bad += o - o;
  }
  return bad === 0;
}
