import { TransportError } from './errors.js';
import { CHUNK_HEADER_BYTES, WHOLE_HEADER_BYTES, decodeFrame, encodeChunk, encodeWhole } from './frames.js';

/**
 * Splitting messages to fit a broker's limit, and rebuilding them on the other side.
 *
 * `maxPayloadBytes` is the largest MQTT payload (frame header included) one PUBLISH may
 * carry; it must match the broker's limit (Mosquitto `message_size_limit`, the gateway's
 * `maxMessageBytes`). A message that fits travels whole behind a 5-byte header; a larger
 * one is cut into `count` chunks of `maxPayloadBytes − 17` bytes (the last one shorter).
 */
export function splitMessage(msgId: number, message: Uint8Array, maxPayloadBytes: number): Uint8Array[] {
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < CHUNK_HEADER_BYTES + 1) {
    throw new TransportError(
      `maxMessageBytes ${maxPayloadBytes} is too small to carry a chunk (needs ≥ ${CHUNK_HEADER_BYTES + 1})`,
      'set maxMessageBytes to the broker limit, e.g. 262144 (256 kB) or 2097152 (Mosquitto 2 MB)',
    );
  }
  if (message.length + WHOLE_HEADER_BYTES <= maxPayloadBytes) return [encodeWhole(msgId, message)];
  if (message.length > 0xffffffff) {
    throw new TransportError(`message of ${message.length} bytes exceeds the 4 GiB frame limit`, 'send smaller messages (split the model update)');
  }
  const chunk = maxPayloadBytes - CHUNK_HEADER_BYTES;
  const count = Math.ceil(message.length / chunk);
  const frames: Uint8Array[] = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    frames[i] = encodeChunk(msgId, i, count, message.length, message.subarray(i * chunk, Math.min(message.length, (i + 1) * chunk)));
  }
  return frames;
}

/**
 * Payload sizes of the PUBLISH packets `splitMessage` makes of a message of `length` bytes,
 * without building them: for drivers that account traffic they do not send (the lab).
 */
export function frameSizes(length: number, maxPayloadBytes: number): number[] {
  if (length + WHOLE_HEADER_BYTES <= maxPayloadBytes) return [length + WHOLE_HEADER_BYTES];
  const chunk = maxPayloadBytes - CHUNK_HEADER_BYTES;
  const count = Math.ceil(length / chunk);
  const sizes = new Array<number>(count).fill(maxPayloadBytes);
  sizes[count - 1] = length - (count - 1) * chunk + CHUNK_HEADER_BYTES;
  return sizes;
}

export interface ReassemblerLimits {
  /** largest whole message accepted, in bytes (after reassembly) */
  readonly maxMessageBytes: number;
  /** messages being reassembled at once per source; the oldest is dropped beyond it */
  readonly maxPartialPerSource: number;
  /** a partial message not completed within this many ms is dropped */
  readonly timeoutMs: number;
  /** sources tracked (partials and recent ids); least recently heard beyond it are forgotten */
  readonly maxSources: number;
  /** completed message ids remembered per source to drop replays and late duplicate chunks */
  readonly recentIdsPerSource: number;
  /**
   * bytes held in partial messages over all sources (at least `maxMessageBytes`); beyond it
   * the partials of the least recently heard sources are dropped. Without it, 4096 sources ×
   * 4 partials could each hold up to `maxMessageBytes` of never-completed chunks.
   */
  readonly maxPartialBytes: number;
}

export const DEFAULT_REASSEMBLER_LIMITS: ReassemblerLimits = {
  maxMessageBytes: 64 * 1024 * 1024,
  maxPartialPerSource: 4,
  timeoutMs: 60_000,
  maxSources: 4096,
  recentIdsPerSource: 256,
  maxPartialBytes: 256 * 1024 * 1024,
};

/** What one frame did; `rejected` carries a TransportError naming the cause. */
export type PushResult =
  | { readonly kind: 'message'; readonly msgId: number; readonly bytes: Uint8Array }
  | { readonly kind: 'partial'; readonly msgId: number; readonly received: number; readonly count: number }
  | { readonly kind: 'duplicate'; readonly msgId: number }
  | { readonly kind: 'rejected'; readonly error: TransportError };

interface PartialMessage {
  readonly msgId: number;
  readonly count: number;
  readonly total: number;
  readonly startedAt: number;
  readonly slices: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  /** length of every chunk but the last, learnt from the first non-last chunk seen */
  sliceLen: number;
  lastLen: number;
}

interface SourceState {
  readonly partials: Map<number, PartialMessage>;
  /** ring of recently completed ids + a set for O(1) lookup */
  readonly recent: number[];
  readonly recentSet: Set<number>;
  recentPos: number;
}

/**
 * Rebuilds messages from frames, treating every byte as hostile: headers are checked
 * against the limits before anything is stored, memory per partial never exceeds the
 * bytes actually received (the whole buffer is allocated only once every chunk is in),
 * and `push` never throws — bad input comes back as `rejected` with a reason.
 *
 * `source` identifies the sender's stream; FleetClient uses the topic (one publisher
 * per topic in the edgefl scheme).
 */
/** Bytes a handed-over chunk's buffer may hold beyond the chunk for it to be kept without a copy (frame header and a little). */
const ADOPT_SLACK_BYTES = 256;

export class Reassembler {
  readonly limits: ReassemblerLimits;
  private readonly sources = new Map<string, SourceState>();
  private partialCount = 0;
  private partialBytes = 0;
  private lastSweep = -Infinity;
  /** partial messages dropped so far to stay within `maxPartialBytes` (the reassembly budget) */
  budgetDrops = 0;

  constructor(limits: Partial<ReassemblerLimits> & Pick<ReassemblerLimits, 'maxMessageBytes'>) {
    const merged = { ...DEFAULT_REASSEMBLER_LIMITS, ...limits };
    this.limits = { ...merged, maxPartialBytes: Math.max(merged.maxPartialBytes, merged.maxMessageBytes) };
  }

  /** Partial messages held right now (all sources). */
  get pending(): number {
    return this.partialCount;
  }

  /** Bytes of chunks held in partial messages right now (all sources). */
  get pendingBytes(): number {
    return this.partialBytes;
  }

  /**
   * Takes one frame from `source`. The frame's bytes are copied (the caller may reuse its
   * buffer) unless `owned` says the caller hands them over for good, as FleetClient does with
   * mqtt.js payloads: then a chunk whose buffer holds little besides it is kept as it is,
   * saving one of the two copies of every byte of a chunked message.
   */
  push(source: string, frameBytes: Uint8Array, now: number = Date.now(), owned = false): PushResult {
    let frame;
    try {
      frame = decodeFrame(frameBytes);
    } catch (e) {
      return { kind: 'rejected', error: asTransportError(e) };
    }
    // Sweeping every partial on every frame would cost O(partials); a few times per timeout suffices.
    if (now - this.lastSweep >= this.limits.timeoutMs / 4 || now < this.lastSweep) this.expire(now);
    const st = this.source(source);
    if (st.recentSet.has(frame.msgId)) return { kind: 'duplicate', msgId: frame.msgId };

    if (frame.kind === 'whole') {
      if (frame.body.length > this.limits.maxMessageBytes) {
        return reject(`message of ${frame.body.length} bytes from ${source} exceeds maxMessageBytes ${this.limits.maxMessageBytes}`);
      }
      this.remember(st, frame.msgId);
      return { kind: 'message', msgId: frame.msgId, bytes: frame.body };
    }

    const { msgId, index, count, total, slice } = frame;
    if (total > this.limits.maxMessageBytes) {
      return reject(`chunked message from ${source} claims ${total} bytes, over maxMessageBytes ${this.limits.maxMessageBytes}`);
    }
    let p = st.partials.get(msgId);
    if (p === undefined) {
      if (st.partials.size >= this.limits.maxPartialPerSource) this.dropOldest(st);
      p = { msgId, count, total, startedAt: now, slices: new Array<Uint8Array | undefined>(count), received: 0, bytes: 0, sliceLen: 0, lastLen: 0 };
      st.partials.set(msgId, p);
      this.partialCount++;
    } else if (p.count !== count || p.total !== total) {
      this.drop(st, p);
      return reject(`chunk ${index} of message ${msgId} from ${source} says ${count} chunks/${total} bytes, earlier chunks said ${p.count}/${p.total}; message dropped`);
    }
    if (p.slices[index] !== undefined) return { kind: 'duplicate', msgId };

    // Every chunk but the last has the same length S, and (count−1)·S + last = total.
    const last = index === count - 1;
    const why = last ? checkLast(p, slice.length) : checkInner(p, slice.length);
    if (why !== null) {
      this.drop(st, p);
      return reject(`chunk ${index}/${count} of message ${msgId} from ${source}: ${why}; message dropped`);
    }
    if (last) p.lastLen = slice.length;
    else p.sliceLen = slice.length;
    this.makeRoom(slice.length, st, p);
    // Copy unless handed over, and then still copy a slice that is a view into a larger buffer
    // (several packets read in one socket chunk): keeping it would keep the whole buffer alive
    // while `partialBytes` counted only the slice.
    const adopt = owned && slice.buffer.byteLength - slice.byteLength <= ADOPT_SLACK_BYTES;
    p.slices[index] = adopt ? slice : slice.slice();
    p.received++;
    p.bytes += slice.length;
    this.partialBytes += slice.length;
    if (p.received < count) return { kind: 'partial', msgId, received: p.received, count };

    this.drop(st, p);
    if (p.bytes !== total) return reject(`message ${msgId} from ${source} reassembled to ${p.bytes} bytes, header said ${total}`);
    const out = new Uint8Array(total);
    let off = 0;
    for (const s of p.slices) {
      out.set(s!, off);
      off += s!.length;
    }
    this.remember(st, msgId);
    return { kind: 'message', msgId, bytes: out };
  }

  /** Drops partial messages older than `timeoutMs`; returns how many were dropped. */
  expire(now: number = Date.now()): number {
    this.lastSweep = now;
    let dropped = 0;
    for (const st of this.sources.values()) {
      for (const p of st.partials.values()) {
        if (now - p.startedAt > this.limits.timeoutMs) {
          this.drop(st, p);
          dropped++;
        }
      }
    }
    return dropped;
  }

  /** Forgets a source (e.g. a device that went offline). */
  forget(source: string): void {
    const st = this.sources.get(source);
    if (st === undefined) return;
    for (const p of st.partials.values()) this.drop(st, p);
    this.sources.delete(source);
  }

  /**
   * Drops partials until `need` more bytes fit under `maxPartialBytes`: first those of the
   * least recently heard sources, then the current source's oldest, never `keep` (which
   * itself fits, since total ≤ maxMessageBytes ≤ maxPartialBytes).
   */
  private makeRoom(need: number, current: SourceState, keep: PartialMessage): void {
    const cap = this.limits.maxPartialBytes;
    if (this.partialBytes + need <= cap) return;
    for (const st of [...this.sources.values()].filter((s) => s !== current).concat(current)) {
      for (const p of st.partials.values()) {
        if (p === keep) continue;
        this.drop(st, p);
        this.budgetDrops++;
        if (this.partialBytes + need <= cap) return;
      }
    }
  }

  private source(name: string): SourceState {
    let st = this.sources.get(name);
    if (st !== undefined) {
      // Map order = recency: re-insert so the least recently heard source is first.
      this.sources.delete(name);
      this.sources.set(name, st);
      return st;
    }
    if (this.sources.size >= this.limits.maxSources) {
      const oldest = this.sources.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    st = { partials: new Map(), recent: [], recentSet: new Set(), recentPos: 0 };
    this.sources.set(name, st);
    return st;
  }

  private remember(st: SourceState, msgId: number): void {
    const cap = this.limits.recentIdsPerSource;
    if (cap <= 0) return;
    if (st.recent.length < cap) st.recent.push(msgId);
    else {
      st.recentSet.delete(st.recent[st.recentPos]!);
      st.recent[st.recentPos] = msgId;
      st.recentPos = (st.recentPos + 1) % cap;
    }
    st.recentSet.add(msgId);
  }

  private dropOldest(st: SourceState): void {
    const first = st.partials.values().next().value;
    if (first !== undefined) this.drop(st, first);
  }

  private drop(st: SourceState, p: PartialMessage): void {
    if (!st.partials.delete(p.msgId)) return;
    this.partialCount--;
    this.partialBytes -= p.bytes;
  }
}

function checkInner(p: PartialMessage, len: number): string | null {
  if (p.sliceLen !== 0 && len !== p.sliceLen) return `slice of ${len} bytes, earlier chunks had ${p.sliceLen}`;
  // (count−1)·S < total ≤ count·S, so the last chunk holds 1…S bytes.
  if ((p.count - 1) * len >= p.total) return `${p.count - 1} chunks of ${len} bytes already reach the claimed total ${p.total}`;
  if (p.count * len < p.total) return `${p.count} chunks of ${len} bytes cannot hold the claimed total ${p.total}`;
  if (p.lastLen !== 0 && (p.count - 1) * len + p.lastLen !== p.total) return `slice length ${len} disagrees with the last chunk (${p.lastLen} bytes) and total ${p.total}`;
  return null;
}

function checkLast(p: PartialMessage, len: number): string | null {
  if (p.sliceLen !== 0 && (p.count - 1) * p.sliceLen + len !== p.total) {
    return `last slice of ${len} bytes gives ${(p.count - 1) * p.sliceLen + len} bytes in all, header said ${p.total}`;
  }
  if (len > p.total - (p.count - 1)) return `last slice of ${len} bytes leaves less than 1 byte per other chunk of the ${p.total}`;
  return null;
}

function reject(message: string): PushResult {
  return {
    kind: 'rejected',
    error: new TransportError(message, 'raise maxMessageBytes on the receiver if the message is legitimate; otherwise find the sender in the logs and check its edgefl version'),
  };
}

function asTransportError(e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  return new TransportError(`frame could not be read: ${e instanceof Error ? e.message : String(e)}`, 'check the sender runs the same edgefl release', { cause: e });
}
