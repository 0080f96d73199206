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
 * The connection as aedes sees it, with every incoming byte passed through a
 * MqttLengthScanner before any of it is buffered.
 *
 * A TCP or TLS socket is handed to aedes itself: the scan runs inside the socket's own
 * `push` (where Node's stream layer delivers each chunk read from the kernel), so there is
 * no second stream between the socket and aedes. That wrapper used to cost a Duplex per
 * connection, a pause/resume of the socket for every chunk over its 16 KiB buffer, and a
 * drain wait for every 64 KiB delivery (`edgefl bench broker --against mosquitto`,
 * docs/benchmarks.md). Writes need nothing: mqtt-packet corks the socket around each packet
 * and uncorks it on the next tick, so a packet (and all packets written in the same tick)
 * leaves in one writev, and with TCP_NODELAY in as few segments as its size allows.
 *
 * Any other duplex (MQTT over WebSocket) is wrapped in a stream that scans reads and turns
 * string writes into bytes (a WebSocket stream would send a string as a text frame, which
 * MQTT forbids).
 */
export function guardConnection(socket: Duplex, maxRemaining: number, onViolation: (reason: string) => void): Duplex {
  return socket instanceof Socket ? guardSocketReads(socket, maxRemaining, onViolation) : guardStream(socket, maxRemaining, onViolation);
}

/** Scans what Node pushes into the socket's readable side; drops the connection at the first violation. */
function guardSocketReads(socket: Socket, maxRemaining: number, onViolation: (reason: string) => void): Socket {
  const scanner = new MqttLengthScanner(maxRemaining);
  const push = socket.push;
  let violated = false;
  socket.push = function scannedPush(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (violated) return false;
    if (chunk !== null && chunk !== undefined) {
      const why = scanner.feed(chunk as Uint8Array);
      if (why !== null) {
        violated = true;
        onViolation(why);
        socket.destroy();
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
  return socket;
}

function guardStream(socket: Duplex, maxRemaining: number, onViolation: (reason: string) => void): Duplex {
  const scanner = new MqttLengthScanner(maxRemaining);
  const guarded = new Duplex({
    decodeStrings: false,
    read() {
      socket.resume();
    },
    write(chunk: Buffer | string, encoding: BufferEncoding, cb) {
      socket.write(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk, cb);
    },
    // The pieces of a packet (mqtt-packet corks around them) leave as one WebSocket frame.
    writev(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb) {
      socket.write(Buffer.concat(chunks.map(({ chunk, encoding }) => (typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk))), cb);
    },
    // A connection closed right after a last packet (CONNACK 0x04, say) must still send it.
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
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
  // A reset connection closes; aedes learns of it through 'close'.
  socket.on('error', () => guarded.destroy());
  return guarded;
}
