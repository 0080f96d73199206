import { DataError } from '../errors.js';

/** IDX element types (third magic byte) and their sizes in bytes. */
export const IDX_DTYPES = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
} as const;

export type IdxDtype = keyof typeof IDX_DTYPES;

export interface IdxHeader {
  readonly dtype: IdxDtype;
  readonly dims: readonly number[];
  /** byte offset of the first element */
  readonly dataOffset: number;
  /** product of dims */
  readonly count: number;
}

const HINT = 'the file is not an IDX file or is truncated; download it again (MNIST format: 0x00 0x00 <dtype> <ndims>, then ndims big-endian uint32 sizes, then the data)';

/**
 * Parse and check an IDX header against the buffer: magic, dtype, dims, and that the
 * data section is exactly as long as the dims say, so nothing is allocated from a lying header.
 */
export function parseIdxHeader(path: string, buf: Uint8Array): IdxHeader {
  if (buf.length < 4) throw new DataError(`${path}: ${buf.length} bytes, too short for an IDX header`, HINT, { file: path });
  if (buf[0] !== 0 || buf[1] !== 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(`${path}: bad IDX magic ${magic} (expected 00 00 <dtype> <ndims>)`, HINT, { file: path });
  }
  const code = buf[2]!;
  if (!(code in IDX_DTYPES)) {
    throw new DataError(`${path}: unknown IDX dtype 0x${code.toString(16).padStart(2, '0')}`, 'IDX dtypes are 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64', { file: path });
  }
  const dtype = code as IdxDtype;
  const ndims = buf[3]!;
  if (ndims === 0) throw new DataError(`${path}: IDX header declares 0 dimensions`, HINT, { file: path });
  const dataOffset = 4 + 4 * ndims;
  if (buf.length < dataOffset) {
    throw new DataError(`${path}: IDX header declares ${ndims} dimensions but the file ends after ${buf.length} bytes`, HINT, { file: path });
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d; // a double: exact up to 2^53, far beyond any buffer we accept
  }
  const expected = dataOffset + count * IDX_DTYPES[dtype].bytes;
  if (expected !== buf.length) {
    throw new DataError(
      `${path}: IDX dims ${dims.join('×')} of ${IDX_DTYPES[dtype].name} need ${expected} bytes, the file has ${buf.length}`,
      HINT,
      { file: path },
    );
  }
  return { dtype, dims, dataOffset, count };
}

/** Element `i` of an IDX data section (big-endian), as a number. */
export function idxElement(view: DataView, h: IdxHeader, i: number): number {
  switch (h.dtype) {
    case 0x08: return view.getUint8(h.dataOffset + i);
    case 0x09: return view.getInt8(h.dataOffset + i);
    case 0x0b: return view.getInt16(h.dataOffset + 2 * i, false);
    case 0x0c: return view.getInt32(h.dataOffset + 4 * i, false);
    case 0x0d: return view.getFloat32(h.dataOffset + 4 * i, false);
    case 0x0e: return view.getFloat64(h.dataOffset + 8 * i, false);
  }
}
