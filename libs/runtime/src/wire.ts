import { EdgeflError } from '@edgefl/core';
import { decodeEnvelope, encodeEnvelope } from '@edgefl/codec';
import type { Inbound, NodeId, Outbound } from '@edgefl/algorithms';

/** What a receiver checks every message against before an algorithm sees it. */
export interface Expectation {
  readonly job: string;
  readonly dim: number;
  readonly maxBytes: number;
  /** the algorithm's phase count: a message for any other phase is refused before it is held */
  readonly phases: number;
  /** nodes allowed to send to this receiver */
  readonly senders: ReadonlySet<NodeId>;
}

/** Frames an algorithm's outbound message in the wire envelope (the same bytes under every driver). */
export function frame(out: Outbound, job: string, from: NodeId, round: number, phase: number, seq: number): Uint8Array {
  const header = {
    v: 1 as const, job, round, phase, from, seq, codec: out.codec, dim: out.dim, bits: out.payloadBits,
    ...(out.meta ? { meta: out.meta } : {}),
  };
  return encodeEnvelope(header, out.body);
}

/**
 * Parses and validates received bytes. `claimedFrom` is the sender the transport vouches
 * for (e.g. the device in the topic); a mismatch with the header is rejected.
 * Throws CodecError / WireError with the reason.
 */
export function unframe(bytes: Uint8Array, expect: Expectation, claimedFrom?: NodeId): Inbound & { seq: number } {
  const { header: h, body } = decodeEnvelope(bytes, { job: expect.job, dim: expect.dim, maxBytes: expect.maxBytes });
  if (claimedFrom !== undefined && h.from !== claimedFrom) {
    throw new WireError(`message claims sender ${h.from} but arrived on ${claimedFrom}'s topic`);
  }
  if (!expect.senders.has(h.from)) throw new WireError(`sender ${h.from} is not part of this job`);
  // The envelope admits phases up to 65 535; without this a sender could park that many
  // messages per round in a mailbox, which only forgets them rounds later.
  if (h.phase >= expect.phases) throw new WireError(`phase ${h.phase} is not one of this algorithm's ${expect.phases} phases`);
  return {
    from: h.from, round: h.round, phase: h.phase, seq: h.seq, codec: h.codec, dim: h.dim, body, payloadBits: h.bits,
    ...(h.meta ? { meta: h.meta } : {}),
  };
}

/** A message that is well-formed but not acceptable here. */
export class WireError extends EdgeflError {
  constructor(message: string) {
    super('WIRE', message, 'check that every device runs the same job with its own device id');
  }
}
