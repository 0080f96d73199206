import { CodecError, createCompressor, type CodecCompressor, type CodecSpec } from '@edgefl/codec';

/** The public replica y of one sender, held identically by the sender and every receiver. */
export interface ReplicaState {
  readonly ref: Float32Array;
}

/**
 * Residual quantization against a replica (paper 002, Algorithm 1 lines 5–7; CHOCO-SGD's
 * x̂ update): the sender codes q = Q(v − y) with a stateless codec (MALCOM's quantizer and
 * coder, QSGD, float32) and both ends apply y ← y + q. The wire spec is the inner codec's,
 * so a message is decodable by anyone holding the same y; `ref` sits in the state so that a
 * keyframe re-anchors it (shared/channel.ts).
 */
export function withReplica(spec: CodecSpec): CodecCompressor<ReplicaState> {
  const inner = createCompressor(spec) as CodecCompressor<unknown>;
  if (inner.initState(1) !== undefined) {
    throw new CodecError(`codec ${spec.id} keeps its own state; a gossip replica needs a stateless codec`, "use malcom, qsgd or float32 for gossip algorithms");
  }
  return {
    spec: inner.spec,
    initState: (dim) => ({ ref: new Float32Array(dim) }),
    encode(v, state, rng) {
      const ref = state.ref;
      const d = v.length;
      const p = new Float32Array(d);
      for (let i = 0; i < d; i++) p[i] = v[i]! - ref[i]!;
      const enc = inner.encode(p, undefined, rng);
      const q = enc.decoded;
      // y ← y + q (eq. 5 of Algorithm 1); float32 adds, the same ones every receiver does
      for (let i = 0; i < d; i++) ref[i] = ref[i]! + q[i]!;
      return { body: enc.body, payloadBits: enc.payloadBits, decoded: Float32Array.from(ref) };
    },
    decode(body, dim, state) {
      const q = inner.decode(body, dim, undefined);
      const ref = state.ref;
      if (ref.length !== dim) throw new CodecError(`replica of length ${ref.length} for a message of dimension ${dim}`);
      for (let i = 0; i < dim; i++) {
        if (!Number.isFinite(ref[i]! + q[i]!)) throw new CodecError(`the replica update overflows at index ${i}`, 'the sender diverged; lower the learning rate');
      }
      for (let i = 0; i < dim; i++) ref[i] = ref[i]! + q[i]!;
      return Float32Array.from(ref);
    },
  };
}
