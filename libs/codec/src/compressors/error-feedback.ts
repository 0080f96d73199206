import type { CodecCompressor } from './compressor.js';
import { checkFiniteInput, checkStateDim } from './checks.js';
import { CodecError } from '../errors.js';

/** Sender-side residual e (what compression dropped so far) and the inner compressor's state. */
export interface ErrorFeedbackState<S> {
  readonly residual: Float32Array;
  readonly inner: S;
}

/**
 * Error feedback (EF-SGD, Karimireddy et al. 2019) around any compressor:
 * w = v + e, send C(w), e ← w − C(w). The receiver decodes as the inner codec does (its
 * residual stays unused). Payload = the inner compressor's. The wire spec is the inner
 * spec with id 'ef' and `inner` naming the inner codec.
 */
export function withErrorFeedback<S>(inner: CodecCompressor<S>): CodecCompressor<ErrorFeedbackState<S>> {
  const id = inner.spec.id;
  return {
    spec: { ...inner.spec, id: 'ef', inner: id },
    initState: (dim) => ({ residual: new Float32Array(dim), inner: inner.initState(dim) }),
    encode(v, state, rng) {
      checkState(state, v.length);
      checkFiniteInput('ef', v);
      const e = state.residual;
      const w = new Float32Array(v.length);
      for (let i = 0; i < w.length; i++) w[i] = v[i]! + e[i]!;
      const out = inner.encode(w, state.inner, rng);
      const dec = out.decoded;
      for (let i = 0; i < w.length; i++) e[i] = w[i]! - dec[i]!;
      return out;
    },
    decode(body, dim, state) {
      checkState(state, dim);
      return inner.decode(body, dim, state.inner);
    },
  };
}

function checkState<S>(state: ErrorFeedbackState<S> | undefined, dim: number): void {
  if (!state || !(state.residual instanceof Float32Array)) {
    throw new CodecError('ef: missing state (the residual e)', 'create it with compressor.initState(dim)');
  }
  checkStateDim('ef', 'residual e', state.residual.length, dim);
}
