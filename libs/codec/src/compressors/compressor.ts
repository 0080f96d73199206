import type { Compressor, EncodeResult } from '../types.js';
import type { Rng } from '@edgefl/core';

/**
 * A Compressor that can also create its own state, so callers holding only a spec
 * (e.g. a receiver that read it from an envelope) get a state of the right shape.
 * Stateless compressors return undefined.
 */
export interface CodecCompressor<S = void> extends Compressor<S> {
  initState(dim: number): S;
}

/**
 * A ternary compressor that can quantize only the coordinates an indicator selects and send
 * them in paper 003's indicated form (scales ‖ d-bit indicator ‖ 2 bits per selected
 * coordinate), as QCMD/QRDA adagrad do with S(g, I) (Eq. 10). The receiver gets the
 * indicator back (the server ORs the workers' indicators).
 */
export interface IndicatedCompressor extends CodecCompressor<void> {
  encodeOn(v: Float32Array, indicator: Uint8Array, rng: Rng): EncodeResult & { readonly indicator: Uint8Array };
  /** Throws CodecError on malformed input. */
  decodeIndicated(body: Uint8Array, dim: number): { readonly decoded: Float32Array; readonly indicator: Uint8Array };
}
