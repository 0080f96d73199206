import { errorMessage, type Log, type Rng } from '@edgefl/core';
import { createCompressor, type CodecCompressor, type CodecSpec } from '@edgefl/codec';
import type { Inbound, NodeId, RoundBudget } from '../contract/types.js';
import { AlgorithmError } from '../contract/errors.js';
import { SnapshotError, bool, codecState, floats, num, restoreCodecState, sub, type StateRecord, type StateValue } from '../contract/snapshot.js';
import { BudgetedCodec } from '../contract/budget-fit.js';

/**
 * Per-link channels of a peer: one codec pair, the state both ends of a link must share
 * (e.g. Q-GADMM's reference θ̂ of each sender, held by the sender and every receiver), and
 * keyframe resync.
 *
 * Resync protocol. A residual codec is only decodable while sender and receiver hold the
 * same reference, so a lost message would desynchronise them for good. Instead:
 * 1. a receiver that misses a sender's message (none by the deadline, or one it cannot
 *    decode), or that restarted with empty references, marks that sender `awaiting`;
 * 2. every message it sends carries `meta.resync`, a bit mask over its own in-neighbours
 *    (in topology order) naming the senders it awaits — repeated until a keyframe arrives,
 *    so a lost request is asked again;
 * 3. a sender that sees its bit set sends its next transmission as a keyframe: codec
 *    `{ id: 'keyframe', extra }` (libs/codec): θ in float32 (d values) followed by `extra`
 *    algorithm floats (Q-GADMM puts its edge duals there); both ends re-anchor the
 *    codec state at θ, so the references agree again. Meanwhile the receiver ignores
 *    residual messages from that sender (it could only decode them against a wrong
 *    reference) and keeps its last good copy.
 * Keyframes are counted in payload bits (32·(d + extra)) like every message, and logged.
 */
export const KEYFRAME_CODEC = 'keyframe';
/** most in-neighbours a resync mask can name (bits of a double's integer range) */
export const MAX_RESYNC_SENDERS = 52;

export interface ChannelOptions {
  readonly self: NodeId;
  /** the nodes this one receives from, in the order every node agrees on (topology order) */
  readonly senders: readonly NodeId[];
  /** the in-neighbour list of any node, to find this node's bit in a request mask */
  readonly sendersOf: (id: NodeId) => readonly NodeId[];
  readonly codec: CodecSpec;
  /**
   * The compressor of every link when the codec alone does not say it (gossip wraps a
   * stateless codec in a replica residual, decentralized/gossip/replica-codec.ts); its wire
   * spec must be decodable with the same state by every receiver. Default: createCompressor(codec).
   */
  readonly compressor?: CodecCompressor<unknown>;
  readonly dim: number;
  readonly log: Log;
  /**
   * Per-round payload budgets of the peer links: a node's one transmission to all its
   * neighbours is fitted to the tightest of its links (e.g. Q-GADMM's bits per coordinate);
   * a receiver fits each sender's the same way. Links are symmetric: a node sends to the
   * nodes it receives from.
   */
  readonly roundBudget?: RoundBudget | undefined;
}

/** What one transmission carries, ready to become an Outbound (receivers added by the caller). */
export interface ChannelTransmission {
  readonly codec: CodecSpec;
  readonly dim: number;
  readonly body: Uint8Array;
  readonly payloadBits: number;
  readonly meta?: Readonly<Record<string, number>>;
  /** θ̂ the receivers hold after this message (a copy) */
  readonly reference: Float32Array;
  readonly keyframe: boolean;
}

/** What a receiver got from one sender this time. */
export interface ChannelDelivery {
  /** the sender's reference θ̂ after this message */
  readonly reference: Float32Array;
  readonly keyframe: boolean;
  /** a keyframe's algorithm floats */
  readonly extra?: Float32Array;
  /** the sender asked this node for a keyframe too (both ends resynchronise) */
  readonly senderAwaitsMe: boolean;
}

interface ReceiveSide {
  /** the sender's codec, fitted to its links' budgets */
  readonly codec: CodecCompressor<unknown>;
  state: unknown;
  reference: Float32Array;
  awaiting: boolean;
}

export class PeerChannels {
  /** this node's send codec, fitted to its links' budgets */
  private readonly codec: CodecCompressor<unknown>;
  private sendState: unknown;
  private sendReference: Float32Array;
  private keyframeDue = false;
  /** round of the last keyframe sent, when the caller names rounds (see encode) */
  private keyframeRound = -1;
  private readonly receivers = new Map<NodeId, ReceiveSide>();
  /** keyframes this node sent and their payload bits (run-record figures) */
  keyframesSent = 0;
  keyframeBits = 0;
  /** messages this node missed or could not decode */
  missed = 0;

  constructor(private readonly o: ChannelOptions) {
    if (o.senders.length > MAX_RESYNC_SENDERS) throw new AlgorithmError(`a node may receive from at most ${MAX_RESYNC_SENDERS} peers, ${o.self} has ${o.senders.length}`, 'use a sparser topology (e.g. regular with a smaller degree)');
    // a given compressor (gossip's replica wrapper, state per link) serves every link as is;
    // otherwise each link's codec is the job's codec fitted to that link's budget
    const fitted = new BudgetedCodec(o.codec, o.dim, o.roundBudget);
    this.codec = o.compressor ?? createCompressor(fitted.fit(o.self, o.senders).spec);
    this.sendState = this.codec.initState(o.dim);
    this.sendReference = new Float32Array(o.dim);
    for (const s of o.senders) {
      const codec = o.compressor ?? createCompressor(fitted.fit(s, o.sendersOf(s)).spec);
      this.receivers.set(s, { codec, state: codec.initState(o.dim), reference: new Float32Array(o.dim), awaiting: false });
    }
  }

  /** This node lost its references (restart): its receivers need its keyframe, and it needs everyone's. */
  restart(): void {
    this.keyframeDue = true;
    for (const r of this.receivers.values()) r.awaiting = true;
  }

  /** Both ends' codec states, references and resync flags, for a checkpoint. */
  save(): StateRecord {
    const receivers: Record<string, StateValue> = {};
    for (const [id, r] of this.receivers) receivers[id] = { state: codecState(r.state), reference: r.reference, awaiting: r.awaiting };
    return {
      sendState: codecState(this.sendState), sendReference: this.sendReference, keyframeDue: this.keyframeDue, receivers,
      keyframesSent: this.keyframesSent, keyframeBits: this.keyframeBits, missed: this.missed,
    };
  }

  /** Takes back `save()` of the same node's channels. */
  load(r: StateRecord): void {
    const d = this.o.dim;
    restoreCodecState(this.sendState, r['sendState'], 'sendState');
    this.sendReference = floats(r, 'sendReference', d);
    this.keyframeDue = bool(r, 'keyframeDue');
    const rs = sub(r, 'receivers');
    for (const [id, side] of this.receivers) {
      const s = rs[id];
      if (typeof s !== 'object' || s === null || ArrayBuffer.isView(s) || Array.isArray(s)) throw new SnapshotError(`channel state has no receiver ${id}`);
      const rec = s as StateRecord;
      restoreCodecState(side.state, rec['state'], `receivers.${id}`);
      side.reference = floats(rec, 'reference', d);
      side.awaiting = bool(rec, 'awaiting');
    }
    this.keyframesSent = num(r, 'keyframesSent');
    this.keyframeBits = num(r, 'keyframeBits');
    this.missed = num(r, 'missed');
  }

  /**
   * Encodes `v` for every receiver at once: a residual message, or a keyframe when one is due.
   * `round`, when given, is the round of this transmission: requests in messages of that round
   * or earlier were written before the receivers could see this keyframe (all peers send in the
   * same phase, as in gossip), so they are not answered with a second keyframe.
   */
  encode(v: Float32Array, rng: Rng, extra?: () => Float32Array, round?: number): ChannelTransmission {
    const meta = this.requestMeta();
    if (this.keyframeDue) {
      this.keyframeDue = false;
      if (round !== undefined) this.keyframeRound = round;
      const x = extra?.() ?? new Float32Array(0);
      const all = new Float32Array(v.length + x.length);
      all.set(v);
      all.set(x, v.length);
      const kf = createCompressor({ id: KEYFRAME_CODEC, extra: x.length });
      const enc = kf.encode(all, undefined, rng);
      const reference = enc.decoded.slice(0, v.length);
      this.sendState = reanchor(this.codec, reference, this.o.dim);
      this.sendReference = reference;
      this.keyframesSent++;
      this.keyframeBits += enc.payloadBits;
      this.o.log.info({ node: this.o.self, payloadBits: enc.payloadBits }, 'keyframe sent (a receiver asked to resynchronise)');
      return { codec: kf.spec, dim: this.o.dim, body: enc.body, payloadBits: enc.payloadBits, ...(meta ? { meta } : {}), reference: Float32Array.from(reference), keyframe: true };
    }
    const enc = this.codec.encode(v, this.sendState, rng);
    this.sendReference = Float32Array.from(enc.decoded);
    return { codec: this.codec.spec, dim: this.o.dim, body: enc.body, payloadBits: enc.payloadBits, ...(meta ? { meta } : {}), reference: Float32Array.from(enc.decoded), keyframe: false };
  }

  /** The reference θ̂ this node's receivers hold of it. */
  ownReference(): Float32Array {
    return this.sendReference;
  }

  /** The last good reference of `from`. */
  reference(from: NodeId): Float32Array {
    return this.side(from).reference;
  }

  awaiting(from: NodeId): boolean {
    return this.side(from).awaiting;
  }

  /**
   * Takes `from`'s message of this phase (undefined when it did not arrive): updates its
   * reference, or marks it awaiting a keyframe. Returns null when no fresh reference came.
   */
  receive(from: NodeId, m: Inbound | undefined): ChannelDelivery | null {
    const r = this.side(from);
    if (!m) {
      this.markMissed(from, r, 'no message before the deadline');
      return null;
    }
    const senderAwaitsMe = this.noteRequest(m);
    if (m.codec.id === KEYFRAME_CODEC) {
      const kf = decodeKeyframe(m, this.o.dim);
      if (typeof kf === 'string') {
        this.markMissed(from, r, kf);
        return null;
      }
      r.state = reanchor(r.codec, kf.reference, this.o.dim);
      r.reference = kf.reference;
      const wasAwaiting = r.awaiting;
      r.awaiting = false;
      this.o.log.info({ node: this.o.self, from, wasAwaiting }, 'keyframe received; reference resynchronised');
      return { reference: Float32Array.from(kf.reference), keyframe: true, extra: kf.extra, senderAwaitsMe };
    }
    if (r.awaiting) {
      this.o.log.debug({ node: this.o.self, from, round: m.round }, 'residual message ignored while awaiting a keyframe');
      return null;
    }
    try {
      const ref = r.codec.decode(m.body, this.o.dim, r.state);
      r.reference = Float32Array.from(ref);
      return { reference: Float32Array.from(ref), keyframe: false, senderAwaitsMe };
    } catch (e) {
      this.markMissed(from, r, errorMessage(e));
      return null;
    }
  }

  /** `meta.resync` for this node's next message, or undefined when it awaits nobody. */
  requestMeta(): Readonly<Record<string, number>> | undefined {
    let mask = 0;
    this.o.senders.forEach((s, i) => { if (this.receivers.get(s)!.awaiting) mask += 2 ** i; });
    return mask > 0 ? { resync: mask } : undefined;
  }

  /** Reads a request mask in `m`: a set bit for this node makes the next transmission a keyframe. */
  private noteRequest(m: Inbound): boolean {
    const mask = m.meta?.['resync'];
    if (mask === undefined || !Number.isSafeInteger(mask) || mask <= 0) return false;
    const idx = this.o.sendersOf(m.from).indexOf(this.o.self);
    if (idx < 0 || Math.floor(mask / 2 ** idx) % 2 !== 1) return false;
    if (m.round <= this.keyframeRound) return true;
    this.keyframeDue = true;
    return true;
  }

  private markMissed(from: NodeId, r: ReceiveSide, why: string): void {
    this.missed++;
    if (!r.awaiting) this.o.log.warn({ node: this.o.self, from, why }, 'lost the reference of a peer; asking it for a keyframe');
    r.awaiting = true;
  }

  private side(from: NodeId): ReceiveSide {
    const r = this.receivers.get(from);
    if (!r) throw new AlgorithmError(`${this.o.self} does not receive from ${from}`);
    return r;
  }
}

/** Codec state re-anchored at `ref`: residual codecs (a `ref` in their state) restart from it with no step history. */
function reanchor(codec: CodecCompressor<unknown>, ref: Float32Array, dim: number): unknown {
  const state = codec.initState(dim);
  if (typeof state === 'object' && state !== null && 'ref' in state && (state as { ref: unknown }).ref instanceof Float32Array) {
    (state as { ref: Float32Array }).ref.set(ref);
  }
  return state;
}

/** Decodes and splits a keyframe (the `keyframe` codec); a string names what is wrong with it. */
function decodeKeyframe(m: Inbound, dim: number): { reference: Float32Array; extra: Float32Array } | string {
  try {
    const all = createCompressor(m.codec).decode(m.body, dim, undefined);
    return { reference: all.slice(0, dim), extra: all.slice(dim) };
  } catch (e) {
    return errorMessage(e);
  }
}
