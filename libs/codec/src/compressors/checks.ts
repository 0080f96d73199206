import { CodecError } from '../errors.js';
import { firstNonFinite } from '../quantizers/range.js';

/** Largest vector any decoder accepts (2^28 floats = 1 GiB); bounds allocation on hostile input. */
export const MAX_DIM = 1 << 28;

/** The receiver's expected dimension must be a sane non-negative integer before we allocate. */
export function checkDim(codec: string, dim: number): void {
  if (!Number.isInteger(dim) || dim < 0 || dim > MAX_DIM) {
    throw new CodecError(`${codec}: expected dimension ${dim} is not an integer in [0, ${MAX_DIM}]`,
      'pass the model\'s parameter count as the expected dimension');
  }
}

/** A body must have exactly the length its codec implies for this dimension. */
export function checkBodyLength(codec: string, body: Uint8Array, expected: number, dim: number): void {
  if (body.length !== expected) {
    throw new CodecError(
      `${codec}: body is ${body.length} bytes but dimension ${dim} needs exactly ${expected}` +
        (body.length < expected ? ' (truncated message)' : ' (trailing bytes or wrong dimension)'));
  }
}

/** A body must be at least `min` bytes (variable-length codecs check their header first). */
export function checkBodyAtLeast(codec: string, body: Uint8Array, min: number, what: string): void {
  if (body.length < min) {
    throw new CodecError(`${codec}: body is ${body.length} bytes, too short for ${what} (${min} bytes)`);
  }
}

/** Encoders refuse NaN/∞: a non-finite update is a training bug, not something to transmit. */
export function checkFiniteInput(codec: string, v: Float32Array): void {
  const i = firstNonFinite(v);
  if (i >= 0) {
    throw new CodecError(`${codec}: cannot encode non-finite value ${v[i]} at index ${i}`,
      'the update diverged (NaN/∞); lower the learning rate or clip gradients before compressing');
  }
}

/** The state's reference vector must match the message dimension. */
export function checkStateDim(codec: string, what: string, have: number, dim: number): void {
  if (have !== dim) {
    throw new CodecError(`${codec}: ${what} has length ${have} but the vector has dimension ${dim}`,
      'create the state with initState(dim) for this model size, or resynchronise with a keyframe');
  }
}

/** Reads a float32 side-info value (little endian) and rejects NaN/∞. */
export function readFiniteF32(codec: string, view: DataView, offset: number, what: string): number {
  const x = view.getFloat32(offset, true);
  if (!Number.isFinite(x)) throw new CodecError(`${codec}: side info ${what} is ${x}, not a finite number`);
  return x;
}

export function viewOf(body: Uint8Array): DataView {
  return new DataView(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * A body of `sideBytes` of side info (written by `writeSide` into a little-endian view)
 * followed by the coded symbols: the layout every side-info compressor sends.
 */
export function withSideInfo(sideBytes: number, coded: Uint8Array, writeSide: (view: DataView) => void): Uint8Array {
  const body = new Uint8Array(sideBytes + coded.length);
  writeSide(viewOf(body));
  body.set(coded, sideBytes);
  return body;
}

/** A float32 as 4 little-endian bytes (side info written into a bit stream). */
export function f32le(x: number): Uint8Array {
  const b = new Uint8Array(4);
  viewOf(b).setFloat32(0, x, true);
  return b;
}
