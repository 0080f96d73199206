import type { Compressor } from '../types.js';

/**
 * A Compressor that can also create its own state, so callers holding only a spec
 * (e.g. a receiver that read it from an envelope) get a state of the right shape.
 * Stateless compressors return undefined.
 */
export interface CodecCompressor<S = void> extends Compressor<S> {
  initState(dim: number): S;
}
