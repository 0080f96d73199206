import type { Rng } from '@edgefl/core';

/**
 * A codec's identity and parameters. It travels in every envelope so a receiver can
 * decode without prior agreement (self-describing messages). Values are JSON scalars.
 */
export interface CodecSpec {
  readonly id: string;
  readonly [param: string]: string | number | boolean;
}

/** What a compressor produced for one vector. */
export interface EncodeResult {
  /** coded bytes (the envelope body) */
  readonly body: Uint8Array;
  /** exact payload bits as the papers count them (≤ 8·body.length) */
  readonly payloadBits: number;
  /** the receiver's reconstruction, so senders of residual schemes track the same reference */
  readonly decoded: Float32Array;
}

/**
 * A compressor = quantizer (values → symbols + side info) composed with a coder
 * (symbols → bits). Stateful schemes (residual to a shared reference, error feedback)
 * keep their reference in a state object owned by the caller, so the algorithm decides
 * when sender and receiver references advance.
 */
export interface Compressor<S = void> {
  readonly spec: CodecSpec;
  encode(v: Float32Array, state: S, rng: Rng): EncodeResult;
  /** Throws CodecError on malformed input; `dim` is what the receiver expects. */
  decode(body: Uint8Array, dim: number, state: S): Float32Array;
}

/** Header of every message on the wire (CBOR-framed, see envelope.ts). */
export interface EnvelopeHeader {
  /** envelope format version */
  readonly v: 1;
  readonly job: string;
  readonly round: number;
  /** phase index within the round */
  readonly phase: number;
  readonly from: string;
  /** sender's message sequence number, for dedupe */
  readonly seq: number;
  readonly codec: CodecSpec;
  /** vector length */
  readonly dim: number;
  /** payload bits of the body as the papers count them */
  readonly bits: number;
  /** optional small scalar side data of the algorithm (finite numbers, ≤ 16 keys) */
  readonly meta?: Readonly<Record<string, number>>;
}

export interface Envelope {
  readonly header: EnvelopeHeader;
  readonly body: Uint8Array;
}
