/**
 * IEEE-754 binary16 conversion on typed arrays. Encoding rounds to nearest, ties to even,
 * and saturates at ±65504 (the largest finite half) instead of producing ∞; decoding
 * is one lookup in a 2^16-entry table built on first use.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export const HALF_MAX = 65504;

export function floatToHalf(x: number): number {
  f32[0] = x;
  const f = u32[0]!;
  const sign = (f >>> 16) & 0x8000;
  const abs = f & 0x7fffffff;
  if (abs >= 0x477ff000) return abs > 0x7f800000 ? sign | 0x7e00 : sign | 0x7bff; // NaN stays NaN; ≥ 65520 saturates
  if (abs < 0x38800000) {
    // subnormal half: value = m·2^−24, m rounded half to even
    const y = Math.abs(f32[0]!) * 16777216;
    let m = Math.round(y);
    if (m - y === 0.5 && (m & 1) === 1) m--;
    return sign | m;
  }
  let h = (abs - 0x38000000) >>> 13;
  const rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export function floatsToHalves(v: Float32Array, out: Uint16Array): Uint16Array {
  for (let i = 0; i < v.length; i++) out[i] = floatToHalf(v[i]!);
  return out;
}

let table: Float32Array | undefined;

export function halvesToFloats(h: Uint16Array, out: Float32Array): Float32Array {
  const t = (table ??= buildTable());
  for (let i = 0; i < out.length; i++) out[i] = t[h[i]!]!;
  return out;
}

function buildTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  return t;
}
