import { errorMessage, type Log } from '@edgefl/core';
import type { NodeMachine } from '@edgefl/algorithms';
import type { Port } from './port.js';

export type { Port } from './port.js';

export interface RunNodeOptions {
  readonly rounds: number;
  /** the round to start at (default 1): a node joining a running job starts where it is */
  readonly firstRound?: number;
  readonly phases: number;
  /**
   * How long a server waits for the messages of one phase before acting on what arrived
   * (`transport.roundTimeoutMs`). Other roles wait twice as long: what a worker waits for is
   * sent after the server's own wait, which a missing device stretches to the full timeout;
   * with equal deadlines a healthy worker gave up a few ms before every broadcast and never
   * took part again.
   */
  readonly phaseTimeoutMs: number;
  readonly log: Log;
  /** called as each round starts, before the node acts in it */
  readonly onRoundStart?: (round: number) => void;
  /** called after the node's last phase of each round, with its model (a view: copy it) and the figures it measured */
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** stops the node: a wait for messages ends at once and nothing more is acted on or sent */
  readonly signal?: AbortSignal;
}

/**
 * The one loop that runs a node under any driver: for every round and phase, wait for the
 * messages the node expects, let it act, send what it returns.
 */
export async function runNode(node: NodeMachine, port: Port, o: RunNodeOptions): Promise<void> {
  const log = o.log.child({ node: node.spec.id });
  const waitMs = node.spec.role === 'server' ? o.phaseTimeoutMs : 2 * o.phaseTimeoutMs;
  for (let round = o.firstRound ?? 1; round <= o.rounds; round++) {
    // A device that fell behind (stopped, slow, restarted) jumps to where the job is instead
    // of answering rounds that are over; its machine sees the gap (peers ask for keyframes).
    // The server is the job's clock and never jumps.
    const frontier = Math.min(port.mailbox.frontier(), o.rounds);
    if (node.spec.role !== 'server' && frontier > round) {
      log.warn({ round, to: frontier }, 'behind the job; jumping to its current round');
      round = frontier;
    }
    port.mailbox.advance(round);
    o.onRoundStart?.(round);
    for (let phase = 0; phase < o.phases; phase++) {
      if (o.signal?.aborted) return;
      const keys = node.expects(round, phase);
      if (keys === null) continue;
      const inbox = await port.mailbox.take(keys, waitMs, o.signal);
      if (o.signal?.aborted) return;
      if (inbox.length < keys.length) {
        const got = new Set(inbox.map((m) => m.from));
        log.warn({ round, phase, missing: keys.filter((k) => !got.has(k.from)).map((k) => k.from) }, 'acting without late messages');
      }
      const outs = await node.act(round, phase, inbox);
      for (const out of outs) {
        if (o.signal?.aborted) return;
        try {
          await port.send(out, round, phase);
        } catch (e) {
          log.error({ round, phase, to: out.to, reason: errorMessage(e) }, 'send failed');
        }
      }
    }
    o.onRoundEnd?.(round, node.model(), node.metrics?.());
  }
}
