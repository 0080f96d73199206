/**
 * The hot loop of the Golomb and Elias array decoders: decodes codes from a lookup table
 * while they are short enough for it. It is its own small function so that the callers'
 * rare paths (long codes, the last bytes, errors) do not get inlined into it: with them
 * inlined, V8's optimized loop ran at half the speed.
 *
 * Table entries are value·32 + code length for every index whose top bits start with that
 * code, 0 for indexes whose code is longer than `tableBits`.
 */

/** Where the last `decodeTableRun` stopped (a reused record: no allocation per call). */
export const tableRunEnd = { pos: 0, left: 0 };

/**
 * Decodes out[i] for i = from, from + 1, … < to while the code at bit `pos` is in `table`,
 * lies before bit `end` and the values still fit in `left` (their running budget). Returns
 * the first index it did not decode; its bit position and the remaining budget are in
 * `tableRunEnd`. `tableBits` ≤ 17, so three bytes hold the index at any bit offset.
 */
export function decodeTableRun(
  bytes: Uint8Array, table: Uint32Array, tableBits: number, out: Uint32Array,
  from: number, to: number, pos: number, end: number, left: number,
): number {
  // The index bits lie before `end`, and the three bytes inside `bytes`.
  const limit = Math.min(end - tableBits, 8 * (bytes.length - 3));
  const shift = 24 - tableBits;
  const mask = (1 << tableBits) - 1;
  let i = from;
  for (; i < to && pos <= limit; i++) {
    const at = pos >>> 3;
    const e = table[(((bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!) >>> (shift - (pos & 7))) & mask]!;
    const v = e >>> 5;
    if (e === 0 || v > left) break;
    left -= v;
    out[i] = v;
    pos += e & 31;
  }
  tableRunEnd.pos = pos;
  tableRunEnd.left = left;
  return i;
}

// A few tiny calls at load give every site of the loop, including the stores after it, type
// feedback (V8 allocates feedback only after several calls). Otherwise V8 optimizes the loop
// during the first long call (on-stack replacement) before its exit ever ran, and that code
// deoptimized at the exit on every later call (96 times in one benchmark run), leaving
// decode speeds bimodal between runs.
for (let k = 0; k < 32; k++) {
  decodeTableRun(new Uint8Array(4), Uint32Array.of(33, 33), 1, new Uint32Array(2), 0, 2, 0, 32, Infinity);
}
