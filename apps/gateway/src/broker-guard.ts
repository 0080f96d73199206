import { Duplex } from 'node:stream';
import { Socket } from 'node:net';

/**
 * Reads MQTT fixed headers (type byte + Remaining Length varint) as bytes stream in, without
 * buffering bodies, and reports the first packet whose declared length is over `maxRemaining`.
 * aedes's parser (mqtt-packet) would otherwise buffer a packet of up to 256 MB before any
 * hook sees it; this check runs before a byte of it is kept (docs/architecture.md, "Security").
 */
export class MqttLengthScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(readonly maxRemaining: number) {}

  /** Returns null while the stream is acceptable, else the reason to drop the connection. */
  feed(chunk: Uint8Array): string | null {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.state === 'type') {
        i++;
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
      } else if (this.state === 'length') {
        const b = chunk[i++]!;
        this.length += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.lengthBytes++;
        if ((b & 0x80) !== 0) {
          if (this.lengthBytes === 4) return 'malformed MQTT Remaining Length (more than 4 bytes)';
          continue;
        }
        if (this.length > this.maxRemaining) {
          return `packet declares ${this.length} bytes, over the broker limit of ${this.maxRemaining} bytes`;
        }
        this.remaining = this.length;
        this.state = this.remaining === 0 ? 'type' : 'body';
      } else {
        const skip = Math.min(this.remaining, n - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
      }
    }
    return null;
  }
}

/**
 * The socket as aedes sees it, with every incoming byte passed through a
 * MqttLengthScanner first. Writes go straight to the socket; backpressure is kept both ways.
 * mqtt-packet writes a packet as several pieces (header, topic, payload…) between a cork and
 * an uncork of this stream; `writev` hands them to the socket together so each packet leaves
 * in one system call and, with TCP_NODELAY, in one segment rather than one per piece (it
 * was 6 writes per PUBLISH). Packets written in the same event-loop turn share that writev.
 */
export function guardConnection(socket: Duplex, maxRemaining: number, onViolation: (reason: string) => void): Duplex {
  const scanner = new MqttLengthScanner(maxRemaining);
  // A TCP or TLS socket encodes string chunks itself; any other stream (MQTT over WebSocket)
  // must get bytes, or it would send a topic as a text frame, which MQTT forbids.
  const native = socket instanceof Socket;
  const bytes = native
    ? (chunk: Buffer | string): Buffer | string => chunk
    : (chunk: Buffer | string, encoding?: BufferEncoding): Buffer | string => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
  // Packets written during one turn of the event loop (a delivery to a subscriber for each of
  // several publishes that arrived together, say) leave in one writev at the end of the turn.
  let corked = false;
  const flush = (): void => {
    if (!corked) return;
    corked = false;
    socket.uncork();
  };
  const hold = (): void => {
    // Only a TCP/TLS socket gains from it; a WebSocket stream would hold a refusing CONNACK
    // until after the destroy that follows it.
    if (corked || !native) return;
    corked = true;
    socket.cork();
    setImmediate(flush);
  };
  const guarded = new Duplex({
    // mqtt-packet writes topics as strings; the socket encodes them in its writev, as it
    // would without the guard, instead of a Buffer being allocated for each one here.
    decodeStrings: false,
    read() {
      socket.resume();
    },
    write(chunk: Buffer | string, encoding: BufferEncoding, cb) {
      hold();
      socket.write(bytes(chunk, encoding), encoding, cb);
    },
    writev(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb) {
      hold();
      socket.cork();
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) socket.write(bytes(chunks[i]!.chunk, chunks[i]!.encoding), chunks[i]!.encoding);
      socket.write(bytes(chunks[last]!.chunk, chunks[last]!.encoding), chunks[last]!.encoding, cb);
      socket.uncork();
    },
    // A connection closed right after a last packet (CONNACK 0x04, say) must still send it.
    final(cb) {
      flush();
      socket.end();
      cb();
    },
    destroy(err, cb) {
      flush();
      socket.destroy();
      cb(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    const why = scanner.feed(chunk);
    if (why !== null) {
      onViolation(why);
      socket.destroy();
      guarded.destroy();
      return;
    }
    if (!guarded.push(chunk)) socket.pause();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('close', () => guarded.destroy());
  // A reset socket closes the connection; aedes learns of it through 'close'.
  socket.on('error', () => guarded.destroy());
  return guarded;
}
