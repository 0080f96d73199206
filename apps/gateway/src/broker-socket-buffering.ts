import type { Socket } from 'node:net';

/**
 * How the broker buffers a client's TCP or TLS socket (applied to every accepted connection,
 * before the length guard): packets written in one turn of the event loop leave in one
 * `writev`, and up to `aheadBytes` (one largest packet) may wait in either direction before
 * backpressure applies, instead of Node 20's 16 KiB.
 *
 * Why, by `edgefl bench broker --against mosquitto` (docs/benchmarks.md):
 * - **Writes.** mqtt-packet corks the socket around each packet and uncorks it on the next
 *   tick, so packets written in one synchronous run leave together; but aedes writes each
 *   QoS 1 delivery from a `setImmediate` callback of its own, and Node drains the tick queue
 *   after every such callback, so every delivery to a subscriber was a `writev` of its own
 *   (a fifth of the broker's CPU at 1 KB fan-in). Here the first cork of a turn takes one
 *   more cork level, released by a `setImmediate` queued at that moment: it runs in this
 *   turn's check phase when the write came from an I/O callback (PUBACKs after a read), or
 *   first in the next turn's check phase when it came from a `setImmediate` callback
 *   (deliveries), after every packet of that batch was written. mqtt-packet's own
 *   cork/uncork pairs stay balanced; only the moment the queue reaches the kernel moves, by
 *   at most one loop turn. `end()` uncorks fully (Node), so a last packet before a close
 *   (CONNACK 0x04) still leaves; a release after that, or after a destroy, does nothing.
 * - **Reads.** Node stops reading a socket whose buffer holds its high-water mark (16 KiB in
 *   Node 20), and aedes reads a client's buffer only once every packet of the previous read
 *   was handled: a 64 KB publish (more than one 64 KiB socket read) stopped and restarted
 *   reading — two `epoll_ctl` calls — for every message.
 * - **Write backpressure.** aedes holds a delivery (and with it the publisher's next read)
 *   until 'drain' whenever `write()` returns false, i.e. for every delivery of more than
 *   16 KiB, while the bytes were already on their way to the kernel.
 *
 * Both directions stay bounded: `push` reports "full" once `aheadBytes` are buffered (Node
 * then stops reading the socket), `write` once `aheadBytes` are queued (aedes then waits for
 * 'drain', and drops a client that does not drain within its drainTimeout). Payloads are
 * shared between the subscribers of a message, not copied per socket.
 */
export function bufferBrokerSocket(socket: Socket, aheadBytes: number): void {
  const push = socket.push;
  socket.push = function pushAhead(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    const below = push.call(this, chunk, encoding);
    return below || (chunk !== null && !this.destroyed && this.readableLength < aheadBytes);
  };

  const write = socket.write as (this: Socket, ...args: unknown[]) => boolean;
  socket.write = function writeAhead(this: Socket, ...args: unknown[]): boolean {
    const below = write.apply(this, args);
    return below || (!this.destroyed && this.writableLength < aheadBytes);
  } as Socket['write'];

  const cork = socket.cork;
  let held = false;
  const release = (): void => {
    held = false;
    socket.uncork();
  };
  socket.cork = function batchedCork(this: Socket): void {
    if (!held) {
      held = true;
      cork.call(this);
      setImmediate(release);
    }
    cork.call(this);
  };
}
