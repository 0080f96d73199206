import { TransportError } from './errors.js';

/**
 * The binary frame every edgefl MQTT payload carries (docs/transport.md, "Frames").
 * Big-endian, no padding:
 *
 *   whole message:  0xE0 | msgId u32 | message bytes                       (5 bytes of framing)
 *   chunk:          0xE1 | msgId u32 | index u32 | count u32 | total u32 | slice
 *
 * `msgId` is the sender's message counter: chunks of one message share it, and a QoS 1
 * redelivery of a message repeats it, so a receiver drops replays without decoding.
 * The first byte doubles as a magic number: anything else is not an edgefl frame.
 */
export const FRAME_WHOLE = 0xe0;
export const FRAME_CHUNK = 0xe1;
export const WHOLE_HEADER_BYTES = 5;
export const CHUNK_HEADER_BYTES = 17;

export type Frame =
  | { readonly kind: 'whole'; readonly msgId: number; readonly body: Uint8Array }
  | {
      readonly kind: 'chunk';
      readonly msgId: number;
      readonly index: number;
      readonly count: number;
      readonly total: number;
      readonly slice: Uint8Array;
    };

export function encodeWhole(msgId: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(WHOLE_HEADER_BYTES + body.length);
  out[0] = FRAME_WHOLE;
  new DataView(out.buffer).setUint32(1, msgId >>> 0);
  out.set(body, WHOLE_HEADER_BYTES);
  return out;
}

export function encodeChunk(msgId: number, index: number, count: number, total: number, slice: Uint8Array): Uint8Array {
  const out = new Uint8Array(CHUNK_HEADER_BYTES + slice.length);
  const dv = new DataView(out.buffer);
  out[0] = FRAME_CHUNK;
  dv.setUint32(1, msgId >>> 0);
  dv.setUint32(5, index);
  dv.setUint32(9, count);
  dv.setUint32(13, total);
  out.set(slice, CHUNK_HEADER_BYTES);
  return out;
}

/**
 * Reads a frame's header without copying its body (views into `bytes`). Checks only what
 * the header itself can prove (magic, lengths, index < count ≤ total); limits that depend
 * on configuration are the Reassembler's job. Throws TransportError on malformed input.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 1) throw malformed('empty payload (0 bytes)');
  const kind = bytes[0];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === FRAME_WHOLE) {
    if (bytes.length < WHOLE_HEADER_BYTES) throw malformed(`whole-message frame of ${bytes.length} bytes is shorter than its ${WHOLE_HEADER_BYTES}-byte header`);
    return { kind: 'whole', msgId: dv.getUint32(1), body: bytes.subarray(WHOLE_HEADER_BYTES) };
  }
  if (kind === FRAME_CHUNK) {
    if (bytes.length < CHUNK_HEADER_BYTES) throw malformed(`chunk frame of ${bytes.length} bytes is shorter than its ${CHUNK_HEADER_BYTES}-byte header`);
    const msgId = dv.getUint32(1);
    const index = dv.getUint32(5);
    const count = dv.getUint32(9);
    const total = dv.getUint32(13);
    const slice = bytes.subarray(CHUNK_HEADER_BYTES);
    if (count < 2) throw malformed(`chunk frame claims ${count} chunks; a chunked message has at least 2`);
    if (index >= count) throw malformed(`chunk index ${index} is not below the chunk count ${count}`);
    if (count > total) throw malformed(`chunk count ${count} exceeds the message length ${total} (every chunk carries ≥ 1 byte)`);
    if (slice.length === 0) throw malformed('chunk frame carries an empty slice');
    if (slice.length > total) throw malformed(`chunk slice of ${slice.length} bytes is longer than the whole message (${total} bytes)`);
    return { kind: 'chunk', msgId, index, count, total, slice };
  }
  throw malformed(`first byte 0x${(kind ?? 0).toString(16).padStart(2, '0')} is not an edgefl frame (expected 0xe0 or 0xe1)`);
}

function malformed(why: string): TransportError {
  return new TransportError(
    `malformed frame: ${why}`,
    'the sender is not an edgefl transport of this version (or the bytes were corrupted); check that every client on the job runs the same edgefl release',
  );
}
