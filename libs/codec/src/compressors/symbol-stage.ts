import { fixedByteLength, packFixed, unpackFixed } from '../bits/fixed-width.js';
import { decodeMalcomSymbols, encodeMalcomSymbols } from '../coders/malcom.js';
import { decodeRans, encodeRans } from '../coders/rans.js';
import { CodecError } from '../errors.js';

/**
 * The coder half of a compressor: symbols in 0..alphabet−1 → bits. Quantizers that
 * produce symbols take a `coder` option: 'fixed' (⌈log2 alphabet⌉ bits each, the papers'
 * counting), 'rans' (per-message frequency table, near the empirical entropy) or
 * 'malcom' (type vector + Golomb runs, paper 002 Algorithm 3).
 */
export type SymbolCoder = 'fixed' | 'rans' | 'malcom';

export const SYMBOL_CODERS: readonly SymbolCoder[] = ['fixed', 'rans', 'malcom'];

export interface CodedSymbols {
  readonly bytes: Uint8Array;
  readonly bits: number;
}

export function symbolWidth(alphabet: number): number {
  return Math.max(1, Math.ceil(Math.log2(alphabet)));
}

export function encodeSymbols(sym: Uint8Array | Uint16Array, alphabet: number, coder: SymbolCoder): CodedSymbols {
  switch (coder) {
    case 'fixed': {
      const w = symbolWidth(alphabet);
      return { bytes: packFixed(sym, w), bits: w * sym.length };
    }
    case 'rans':
      return encodeRans(sym, alphabet);
    case 'malcom':
      return encodeMalcomSymbols(sym, alphabet);
  }
}

/**
 * Decodes exactly `count` symbols from `bytes` (the rest of the body). Fixed-width bodies
 * must have exactly the implied length; every symbol is checked to be < alphabet.
 */
export function decodeSymbols(codec: string, bytes: Uint8Array, count: number, alphabet: number, coder: SymbolCoder): Uint8Array | Uint16Array {
  let sym: Uint8Array | Uint16Array;
  if (coder === 'fixed') {
    const w = symbolWidth(alphabet);
    const need = fixedByteLength(count, w);
    if (bytes.length !== need) {
      throw new CodecError(`${codec}: ${count} symbols of ${w} bits need ${need} bytes, the body has ${bytes.length}` +
        (bytes.length < need ? ' (truncated message)' : ' (trailing bytes or wrong dimension)'));
    }
    sym = unpackFixed(bytes, count, w, w <= 8 ? new Uint8Array(count) : new Uint16Array(count));
  } else if (coder === 'rans') {
    sym = decodeRans(bytes, count, alphabet);
  } else {
    sym = decodeMalcomSymbols(bytes, count, alphabet);
  }
  if (coder === 'fixed' && alphabet < 1 << symbolWidth(alphabet)) {
    for (let i = 0; i < count; i++) {
      if (sym[i]! >= alphabet) throw new CodecError(`${codec}: symbol ${sym[i]} at index ${i} is outside 0..${alphabet - 1}`);
    }
  }
  return sym;
}

export function checkCoder(codec: string, coder: unknown): SymbolCoder {
  if (coder === 'fixed' || coder === 'rans' || coder === 'malcom') return coder;
  throw new CodecError(`${codec}: coder = ${String(coder)} is not one of ${SYMBOL_CODERS.join(', ')}`,
    "use coder: 'fixed' (the papers' bit counts), 'rans' (entropy coded) or 'malcom' (type vector + Golomb runs)");
}
